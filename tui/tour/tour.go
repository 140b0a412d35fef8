// Package tour is the guided TUI of `kubectl lbctl demo`: a list of steps on
// the left, the current step's page on the right, each step run on demand
// (real traffic takes a moment) with a spinner while it runs. Update is a
// pure function of messages, so it is tested without a terminal.
package tour

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Step is one page: a title and the work that computes its text.
type Step struct {
	Title string
	Run   func(ctx context.Context) (string, error)
}

// KeyMap is the tour's keys; DefaultKeyMap gives k9s-like defaults.
type KeyMap struct {
	Next, Prev, Up, Down, PageUp, PageDown, Help, Quit key.Binding
}

// DefaultKeyMap returns the default bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Next:     key.NewBinding(key.WithKeys("right", "l", "n", "enter"), key.WithHelp("→/enter", "next step")),
		Prev:     key.NewBinding(key.WithKeys("left", "h", "p"), key.WithHelp("←", "previous")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "scroll up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "scroll down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "space", "f"), key.WithHelp("pgdn", "page down")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c", "esc"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Prev, k.Down, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev}, {k.Up, k.Down, k.PageUp, k.PageDown}, {k.Help, k.Quit}}
}

// StepDoneMsg carries a finished step's page.
type StepDoneMsg struct {
	Index int
	Body  string
	Err   error
}

// Minimum terminal size for the layout.
const (
	MinWidth  = 80
	MinHeight = 20
	sideWidth = 30
)

// Model is the tour's state.
type Model struct {
	ctx     context.Context
	title   string
	steps   []Step
	bodies  []string
	errs    []error
	done    int // steps finished
	cur     int // step shown
	running bool
	width   int
	height  int
	keys    KeyMap
	vp      viewport.Model
	spin    spinner.Model
	help    help.Model
	styles  styles
}

type styles struct {
	title, active, done, pending, err, frame, dim lipgloss.Style
}

func newStyles() styles {
	return styles{
		title:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#5A4FCF")).Padding(0, 1),
		active:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#7D9CFF")),
		done:    lipgloss.NewStyle().Foreground(lipgloss.Color("#4FB477")),
		pending: lipgloss.NewStyle().Foreground(lipgloss.Color("#888888")),
		err:     lipgloss.NewStyle().Foreground(lipgloss.Color("#E5534B")).Bold(true),
		frame:   lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("#555555")),
		dim:     lipgloss.NewStyle().Foreground(lipgloss.Color("#888888")),
	}
}

// New returns a tour over steps; ctx cancels running steps.
func New(ctx context.Context, title string, steps []Step, keys KeyMap) Model {
	m := Model{ctx: ctx, title: title, steps: steps, bodies: make([]string, len(steps)), errs: make([]error, len(steps)),
		keys: keys, vp: viewport.New(), spin: spinner.New(spinner.WithSpinner(spinner.Dot)), help: help.New(), styles: newStyles(),
		width: MinWidth, height: MinHeight}
	return m
}

// Init starts the first step.
func (m Model) Init() tea.Cmd {
	if len(m.steps) == 0 {
		return nil
	}
	return tea.Batch(m.runStep(0), m.spin.Tick)
}

func (m Model) runStep(i int) tea.Cmd {
	st := m.steps[i]
	ctx := m.ctx
	return func() tea.Msg {
		body, err := st.Run(ctx)
		return StepDoneMsg{Index: i, Body: body, Err: err}
	}
}

// Update handles keys, window sizes, step results and spinner ticks.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case StepDoneMsg:
		m.running = false
		m.bodies[msg.Index], m.errs[msg.Index] = msg.Body, msg.Err
		if msg.Index+1 > m.done {
			m.done = msg.Index + 1
		}
		m.cur = msg.Index
		m.refresh()
		return m, nil
	case spinner.TickMsg:
		if !m.running && m.done > 0 {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m, tea.Quit
		case key.Matches(msg, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
			m.layout()
			return m, nil
		case key.Matches(msg, m.keys.Next):
			switch {
			case m.cur+1 < m.done:
				m.cur++
				m.refresh()
			case m.cur+1 == m.done && m.done < len(m.steps) && !m.running && m.errs[m.cur] == nil:
				m.running = true
				m.cur = m.done
				m.refresh()
				return m, tea.Batch(m.runStep(m.done), m.spin.Tick)
			}
			return m, nil
		case key.Matches(msg, m.keys.Prev):
			if m.cur > 0 && !m.running {
				m.cur--
				m.refresh()
			}
			return m, nil
		}
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) layout() {
	helpH := 1
	if m.help.ShowAll {
		helpH = 4
	}
	m.vp.SetWidth(max(10, m.width-sideWidth-2))
	m.vp.SetHeight(max(3, m.height-helpH-4))
	m.help.SetWidth(m.width)
	m.refresh()
}

func (m *Model) refresh() {
	switch {
	case m.cur < len(m.steps) && m.errs[m.cur] != nil:
		m.vp.SetContent(m.styles.err.Render("step failed: " + m.errs[m.cur].Error()))
	case m.cur < m.done:
		m.vp.SetContent(m.bodies[m.cur])
	default:
		m.vp.SetContent("")
	}
	m.vp.GotoTop()
}

// View renders the tour, or a message when the terminal is too small.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "lbctl demo"
	return v
}

func (m Model) render() string {
	if m.width < MinWidth || m.height < MinHeight {
		return fmt.Sprintf("lbctl demo needs a terminal of at least %d×%d (this one is %d×%d).\nEnlarge it, or run `kubectl lbctl demo --plain`. Press q to quit.", MinWidth, MinHeight, m.width, m.height)
	}
	s := m.styles
	var side strings.Builder
	for i, st := range m.steps {
		mark, style := "·", s.pending
		switch {
		case i < m.done && m.errs[i] != nil:
			mark, style = "✗", s.err
		case i < m.done:
			mark, style = "✓", s.done
		case m.running && i == m.cur:
			mark, style = m.spin.View(), s.active
		}
		if i == m.cur {
			style = style.Bold(true).Underline(true)
		}
		title := st.Title
		if short, _, ok := strings.Cut(title, ":"); ok {
			title = short
		}
		if limit := sideWidth - 8; len([]rune(title)) > limit {
			title = string([]rune(title)[:limit-1]) + "…"
		}
		side.WriteString(style.Render(fmt.Sprintf("%s %d. %s", mark, i+1, title)) + "\n")
	}
	// Frame sizes include the border: heading + viewport + 2 border lines.
	h := m.vp.Height() + 3
	sideBox := s.frame.Width(sideWidth).Height(h).Render(side.String())
	heading := ""
	if m.cur < len(m.steps) {
		heading = s.active.Render(m.steps[m.cur].Title)
	}
	body := m.vp.View()
	if m.running && m.cur >= m.done {
		body = m.spin.View() + " running: real traffic through the sandbox…"
	}
	mainBox := s.frame.Width(m.width - sideWidth).Height(h).Render(heading + "\n" + body)
	top := s.title.Render(m.title) + s.dim.Render(fmt.Sprintf("  step %d of %d", min(m.cur+1, len(m.steps)), len(m.steps)))
	return lipgloss.JoinVertical(lipgloss.Left, top, lipgloss.JoinHorizontal(lipgloss.Top, sideBox, mainBox), m.help.View(m.keys))
}
