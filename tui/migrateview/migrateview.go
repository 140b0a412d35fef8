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

type step struct {
	phase, action, op, state string
}

// Model is the view's state.
type Model struct {
	title   string
	phases  []string
	steps   []step
	cur     int
	wait    string
	last    []string
	writes  int
	started time.Time
	now     time.Time
	done    bool
	err     error
	spin    spinner.Model
	width   int
	height  int
}

// New returns the view of a plan's run; done lists the steps a journal
// already finished (resume).
func New(title string, p *plan.Plan, done map[int]bool, now time.Time) Model {
	m := Model{title: title, cur: -1, started: now, now: now, spin: spinner.New(spinner.WithSpinner(spinner.Dot)), width: 100, height: 30}
	for _, ph := range p.Phases {
		m.phases = append(m.phases, ph.Name)
		for _, st := range ph.Steps {
			state := apply.StepPending
			if done[len(m.steps)] {
				state = apply.StepDone
			}
			m.steps = append(m.steps, step{phase: ph.Name, action: st.Action, op: st.Op, state: state})
		}
	}
	return m
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
	switch ev.Type {
	case apply.EventStep:
		if ev.Step >= 0 && ev.Step < len(m.steps) {
			m.cur = ev.Step
			m.steps[ev.Step].state = apply.StepRunning
		}
		m.wait = ""
	case apply.EventStepDone:
		if ev.Step >= 0 && ev.Step < len(m.steps) {
			m.steps[ev.Step].state = apply.StepDone
		}
		m.wait = ""
	case apply.EventWait:
		m.wait = ev.Message
	case apply.EventWrite, apply.EventRollback:
		m.writes++
	}
	if ev.Type != apply.EventWait {
		m.last = append(m.last, ev.Time.Format("15:04:05")+" "+ev.Message)
		if len(m.last) > 6 {
			m.last = m.last[len(m.last)-6:]
		}
	}
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
	done := 0
	for _, s := range m.steps {
		if s.state == apply.StepDone {
			done++
		}
	}
	fmt.Fprintf(&b, "%s  %s\n", styleTitle.Render(m.title), stylePending.Render(fmt.Sprintf("%d/%d steps · %d writes · %s", done, len(m.steps), m.writes, m.now.Sub(m.started).Round(time.Second))))
	w := max(40, m.width-8)
	for _, ph := range m.phases {
		var n, d int
		running := false
		for _, s := range m.steps {
			if s.phase == ph {
				n++
				if s.state == apply.StepDone {
					d++
				}
				running = running || s.state == apply.StepRunning
			}
		}
		mark, style := "·", stylePending
		switch {
		case n > 0 && d == n || n == 0 && m.cur >= 0 && m.phaseAfter(ph):
			mark, style = "✓", styleDone
		case running:
			mark, style = m.spin.View(), styleRunning
		}
		fmt.Fprintf(&b, "%s %s\n", style.Render(mark+" "+ph), stylePending.Render(fmt.Sprintf("(%d/%d)", d, n)))
		if running {
			for i, s := range m.steps {
				if s.phase != ph || i != m.cur {
					continue
				}
				fmt.Fprintf(&b, "    %s\n", styleRunning.Render(truncate(fmt.Sprintf("step %d [%s] %s", i, s.op, s.action), w)))
				if m.wait != "" {
					fmt.Fprintf(&b, "      waiting: %s\n", truncate(m.wait, w-9))
				}
			}
		}
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
	if m.cur < 0 {
		return false
	}
	for _, p := range m.phases {
		if p == m.steps[m.cur].phase {
			return false
		}
		if p == ph {
			return true
		}
	}
	return false
}
