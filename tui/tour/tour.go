// Package tour is the guided TUI of `kubectl lbctl demo`: a list of steps on
// the left, the current step's page on the right, each step run on demand
// (real traffic takes a moment) with a spinner and its progress while it
// runs. A step may show a live view of its own (the health view) instead
// of its page: it then takes the whole screen and every key but the
// tour's arrows. Update is a pure function of messages, so it is tested
// without a terminal.
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

	"github.com/lbctl/lbctl/lbctl/buildinfo"
)

// Step is one page: a title and the work that computes its text.
type Step struct {
	Title string
	Run   func(ctx context.Context) (string, error)
	// Progress, when set, says how far a running step is; the tour shows
	// it under the spinner.
	Progress func() string
	// Live, when set, makes the view shown once the step ran, instead of
	// its text: it is sized to the screen below the title and gets the
	// keys the tour does not keep (→, ←, ctrl+c).
	Live func() tea.Model
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

// LiveKeyMap are the tour's keys while a live view is shown: the arrows
// and ctrl+c; every other key is the view's.
func LiveKeyMap() KeyMap {
	k := DefaultKeyMap()
	k.Next = key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next step"))
	k.Prev = key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous"))
	k.Quit = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))
	return k
}

// liveHelp is the short help while a live view is shown.
type liveHelp struct{ KeyMap }

func (h liveHelp) ShortHelp() []key.Binding { return []key.Binding{h.Next, h.Prev, h.Quit} }

// liveMsg is a message of a live view's commands, tagged with the
// activation it belongs to: one from before the view was left is dropped,
// which ends that activation's polling.
type liveMsg struct {
	gen int
	msg tea.Msg
}

// tagLive wraps a live view's command so its message comes back tagged.
func tagLive(gen int, c tea.Cmd) tea.Cmd {
	if c == nil {
		return nil
	}
	return func() tea.Msg {
		switch msg := c().(type) {
		case nil:
			return nil
		case tea.QuitMsg:
			return msg
		case tea.BatchMsg:
			out := make(tea.BatchMsg, len(msg))
			for i, c := range msg {
				out[i] = tagLive(gen, c)
			}
			return out
		default:
			return liveMsg{gen: gen, msg: msg}
		}
	}
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

	lives    []tea.Model // live views, made when their step first ran
	liveGen  int         // activation of the live view shown (see liveMsg)
	liveKeys KeyMap
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
		width: MinWidth, height: MinHeight, lives: make([]tea.Model, len(steps)), liveKeys: LiveKeyMap()}
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
		if lv := m.live(); lv != nil {
			return m.updateLive(m.liveSize())
		}
		return m, nil
	case liveMsg:
		if msg.gen != m.liveGen || m.live() == nil {
			return m, nil
		}
		return m.updateLive(msg.msg)
	case StepDoneMsg:
		m.running = false
		m.bodies[msg.Index], m.errs[msg.Index] = msg.Body, msg.Err
		if msg.Index+1 > m.done {
			m.done = msg.Index + 1
		}
		m.cur = msg.Index
		m.refresh()
		return m.enter()
	case spinner.TickMsg:
		if !m.running && m.done > 0 {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		if m.live() != nil {
			return m.liveKey(msg)
		}
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m, tea.Quit
		case key.Matches(msg, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
			m.layout()
			return m, nil
		case key.Matches(msg, m.keys.Next):
			return m.next()
		case key.Matches(msg, m.keys.Prev):
			return m.prev()
		}
		var cmd tea.Cmd
		m.vp, cmd = m.vp.Update(msg)
		return m, cmd
	}
	return m, nil
}

// next shows the next step, running it the first time.
func (m Model) next() (tea.Model, tea.Cmd) {
	switch {
	case m.cur+1 < m.done:
		m.leave()
		m.cur++
		m.refresh()
		return m.enter()
	case m.cur+1 == m.done && m.done < len(m.steps) && !m.running && m.errs[m.cur] == nil:
		m.leave()
		m.running = true
		m.cur = m.done
		m.refresh()
		return m, tea.Batch(m.runStep(m.done), m.spin.Tick)
	}
	return m, nil
}

func (m Model) prev() (tea.Model, tea.Cmd) {
	if m.cur > 0 && !m.running {
		m.leave()
		m.cur--
		m.refresh()
		return m.enter()
	}
	return m, nil
}

// live is the live view shown now, if any.
func (m Model) live() tea.Model {
	if m.cur < m.done && m.errs[m.cur] == nil {
		return m.lives[m.cur]
	}
	return nil
}

// enter starts the current step's live view, making it the first time:
// sized, and its polling started under a new activation.
func (m Model) enter() (tea.Model, tea.Cmd) {
	if m.cur >= len(m.steps) || m.cur >= m.done || m.errs[m.cur] != nil || m.steps[m.cur].Live == nil {
		return m, nil
	}
	if m.lives[m.cur] == nil {
		m.lives[m.cur] = m.steps[m.cur].Live()
	}
	m.liveGen++
	init := tagLive(m.liveGen, m.lives[m.cur].Init())
	next, cmd := m.updateLive(m.liveSize())
	return next, tea.Batch(init, cmd)
}

// leave ends the current live view's activation: its pending messages are
// dropped, so it stops polling until shown again.
func (m *Model) leave() {
	if m.live() != nil {
		m.liveGen++
	}
}

// liveSize is the screen below the title line and above the tour's help.
func (m Model) liveSize() tea.WindowSizeMsg {
	return tea.WindowSizeMsg{Width: m.width, Height: max(1, m.height-2)}
}

func (m Model) updateLive(msg tea.Msg) (tea.Model, tea.Cmd) {
	lv, cmd := m.lives[m.cur].Update(msg)
	m.lives[m.cur] = lv
	return m, tagLive(m.liveGen, cmd)
}

// liveKey routes a key while a live view is shown: the arrows and ctrl+c
// are the tour's, the rest the view's.
func (m Model) liveKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.liveKeys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.liveKeys.Next):
		return m.next()
	case key.Matches(msg, m.liveKeys.Prev):
		return m.prev()
	}
	return m.updateLive(msg)
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
		return fmt.Sprintf("lbctl demo needs a terminal of at least %d×%d (this one is %d×%d).\nEnlarge it, or run `%s demo --plain`. Press q to quit.", MinWidth, MinHeight, m.width, m.height, buildinfo.Command())
	}
	s := m.styles
	top := s.title.Render(m.title) + s.dim.Render(fmt.Sprintf("  step %d of %d", min(m.cur+1, len(m.steps)), len(m.steps)))
	if lv := m.live(); lv != nil {
		top += s.dim.Render(": ") + s.active.Render(m.steps[m.cur].Title)
		body := lipgloss.NewStyle().Width(m.width).Height(max(1, m.height-2)).MaxHeight(max(1, m.height-2)).Render(lv.View().Content)
		return lipgloss.JoinVertical(lipgloss.Left, top, body, m.help.View(liveHelp{m.liveKeys}))
	}
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
		if p := m.steps[m.cur].Progress; p != nil {
			if text := strings.TrimRight(p(), "\n"); text != "" {
				lines := strings.Split(text, "\n")
				if limit := max(1, m.vp.Height()-1); len(lines) > limit {
					lines = lines[:limit]
				}
				body += "\n\n" + strings.Join(lines, "\n")
			}
		}
	}
	mainBox := s.frame.Width(m.width - sideWidth).Height(h).Render(heading + "\n" + body)
	return lipgloss.JoinVertical(lipgloss.Left, top, lipgloss.JoinHorizontal(lipgloss.Top, sideBox, mainBox), m.help.View(m.keys))
}
