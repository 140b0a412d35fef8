// Package migrateview is the migration's progress view: the phases with
// their steps ticked off, the step running now, the condition it waits on,
// the objects written, and a line of what happened last. Update is a pure
// function of messages; the executor's events arrive as EventMsg.
package migrateview

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
)

// EventMsg delivers one executor event.
type EventMsg apply.Event

// DoneMsg says the executor returned (Err nil: done or stopped as asked).
type DoneMsg struct{ Err error }

// Model is the view's state.
type Model struct {
	title string
	// prog is the executor's events so far; last the latest log lines.
	prog    apply.Progress
	last    []string
	started time.Time
	now     time.Time
	done    bool
	err     error
	spin    spinner.Model
	width   int
	height  int
}

// sparkLen is how many samples a sparkline shows.
const sparkLen = apply.ProgressSamples

// New returns the view of a plan's run; done lists the steps a journal
// already finished (resume).
func New(title string, p *plan.Plan, done map[int]bool, now time.Time) Model {
	return Model{title: title, prog: apply.NewProgress(p, done), started: now, now: now, spin: spinner.New(spinner.WithSpinner(spinner.Dot)), width: 100, height: 30}
}

// Init starts the spinner.
func (m Model) Init() tea.Cmd { return m.spin.Tick }

// Update applies events, key presses and window sizes.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case EventMsg:
		m.now = msg.Time
		m.apply(apply.Event(msg))
		return m, nil
	case DoneMsg:
		m.done, m.err = true, msg.Err
		return m, tea.Quit
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" || (msg.String() == "q" && m.done) {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m *Model) apply(ev apply.Event) {
	m.prog.Add(ev)
	switch ev.Type {
	case apply.EventHealth, apply.EventVerify, apply.EventWait:
		return // samples, and waits show under their step
	}
	msg := ev.Message
	if ev.Type == apply.EventStepDone {
		msg = "✓ " + msg // the step's start said the same words
	}
	m.last = append(m.last, ev.Time.Format("15:04:05")+" "+msg)
	if len(m.last) > 6 {
		m.last = m.last[len(m.last)-6:]
	}
}

// sparkline draws values in [0,1] as block characters, one per sample.
// (No sparkline component exists for the Charm v2 modules.)
func sparkline(xs []float64) string {
	const bars = "▁▂▃▄▅▆▇█"
	r := []rune(bars)
	var b strings.Builder
	for _, x := range xs {
		i := int(x*float64(len(r)-1) + 0.5)
		b.WriteRune(r[max(0, min(len(r)-1, i))])
	}
	return b.String()
}

var (
	styleDone    = lipgloss.NewStyle().Foreground(lipgloss.Color("#4FB477"))
	styleRunning = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#7D9CFF"))
	stylePending = lipgloss.NewStyle().Foreground(lipgloss.Color("#888888"))
	styleErr     = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#E5534B"))
	styleTitle   = lipgloss.NewStyle().Bold(true)
)

// View renders the progress.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.WindowTitle = "lbctl migrate"
	return v
}

func truncate(s string, n int) string {
	r := []rune(s)
	if n <= 1 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Render is the view as text (tests read it).
func (m Model) Render() string {
	var b strings.Builder
	pr := m.prog
	done := 0
	for _, ph := range pr.Phases {
		done += ph.Done
	}
	fmt.Fprintf(&b, "%s  %s\n", styleTitle.Render(m.title), stylePending.Render(fmt.Sprintf("%d/%d steps · %d writes · %s", done, len(pr.Steps), pr.Writes+pr.Restores, m.now.Sub(m.started).Round(time.Second))))
	w := max(40, m.width-8)
	for _, ph := range pr.Phases {
		n, d := ph.Steps, ph.Done
		running := false
		for _, s := range pr.Steps {
			running = running || s.Phase == ph.Name && s.State == apply.StepRunning
		}
		mark, style := "·", stylePending
		switch {
		case n > 0 && d == n || n == 0 && pr.Current >= 0 && m.phaseAfter(ph.Name):
			mark, style = "✓", styleDone
		case running:
			mark, style = m.spin.View(), styleRunning
		}
		fmt.Fprintf(&b, "%s %s\n", style.Render(mark+" "+ph.Name), stylePending.Render(fmt.Sprintf("(%d/%d)", d, n)))
		if running && pr.Current >= 0 && pr.Steps[pr.Current].Phase == ph.Name {
			s := pr.Steps[pr.Current]
			fmt.Fprintf(&b, "    %s\n", styleRunning.Render(truncate(fmt.Sprintf("step %d [%s] %s", pr.Current, s.Op, s.Action), w)))
			if pr.Wait != "" {
				fmt.Fprintf(&b, "      waiting: %s\n", truncate(pr.Wait, w-9))
			}
		}
	}
	if len(pr.TargetGroups) > 0 {
		b.WriteString("\n")
		for _, tg := range pr.TargetGroups {
			c := tg.Last
			style := styleDone
			if c.Healthy == 0 || c.Unhealthy > 0 {
				style = styleErr
			} else if c.Initial > 0 {
				style = styleRunning
			}
			fmt.Fprintf(&b, "  %-*s %s %s\n", min(40, w/2), truncate(tg.Name, min(40, w/2)), style.Render(fmt.Sprintf("%-*s", sparkLen, sparkline(tg.Shares))),
				stylePending.Render(fmt.Sprintf("%d healthy · %d unhealthy · %d initial · %d draining", c.Healthy, c.Unhealthy, c.Initial, c.Draining)))
		}
	}
	if v := pr.Verify; v != nil {
		rate, last := 0.0, 0.0
		if v.Requests > 0 {
			rate = 100 * float64(v.Errors) / float64(v.Requests)
		}
		if v.WindowRequests > 0 {
			last = 100 * float64(v.WindowErrors) / float64(v.WindowRequests)
		}
		style := styleDone
		if v.Errors > 0 {
			style = styleErr
		}
		fmt.Fprintf(&b, "  %-*s %s %s\n", min(40, w/2), "verification load errors", style.Render(fmt.Sprintf("%-*s", sparkLen, sparkline(pr.VerifyErrors))),
			stylePending.Render(fmt.Sprintf("%.2f%% of %d · last second %.1f%%, p99 %.1f ms", rate, v.Requests, last, v.P99Ms)))
	}
	b.WriteString("\n")
	for _, l := range m.last {
		fmt.Fprintf(&b, "  %s\n", stylePending.Render(truncate(l, w)))
	}
	switch {
	case m.done && m.err != nil:
		fmt.Fprintf(&b, "\n%s\n", styleErr.Render(truncate("stopped: "+m.err.Error(), w+6)))
	case m.done:
		fmt.Fprintf(&b, "\n%s\n", styleDone.Render("finished"))
	default:
		fmt.Fprintf(&b, "\n%s\n", stylePending.Render("ctrl+c stops at a resumable point"))
	}
	return b.String()
}

// phaseAfter reports whether the running step is past phase ph (an empty
// phase counts as done once a later one runs).
func (m Model) phaseAfter(ph string) bool {
	if m.prog.Current < 0 {
		return false
	}
	for _, p := range m.prog.Phases {
		if p.Name == m.prog.Steps[m.prog.Current].Phase {
			return false
		}
		if p.Name == ph {
			return true
		}
	}
	return false
}
