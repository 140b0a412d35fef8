// Package healthview is the health TUI: ALBs → target groups → targets in
// the k9s idiom (Enter drills down, Esc backs out, / filters by regex with !
// to invert, : jumps, s sorts, ? shows the keymap), colour-coded states,
// counts per state, a detail pane and a sparkline of healthy targets per
// target group. It is read-only. Update is a pure function of messages; the
// data arrives as SnapshotMsg from whatever polls.
package healthview

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/lbctl/health"
)

// Level is what the table lists.
type Level int

// Levels, from the top.
const (
	LevelALB Level = iota
	LevelTargetGroup
	LevelTarget
)

func (l Level) String() string {
	return [...]string{"load balancers", "target groups", "targets"}[l]
}

// SnapshotMsg delivers a refresh.
type SnapshotMsg struct {
	Snapshot health.Snapshot
	// Calls is the number of AWS calls the poller has made so far.
	Calls int
	Err   error
	// AWSDown says why AWS could not be read at this refresh ("" when it
	// was): the view carries on with what it has under a banner.
	AWSDown string
	// KubeDown says why the Kubernetes side is not current ("" when it
	// is): the informers' calls keep failing; the rows are as last read.
	KubeDown string
}

// Source polls: Next blocks until the next snapshot is due and returns it.
type Source func(ctx context.Context) SnapshotMsg

// Header facts shown at the top.
type Header struct {
	Cluster, Region, Context string
}

// KeyMap is the TUI's keys (configurable: the command may rebind them).
type KeyMap struct {
	Up, Down, Enter, Back, Filter, Command, Sort, Help, Quit key.Binding
}

// DefaultKeyMap returns k9s-like defaults.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Enter:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "drill down")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / clear filter")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter (regex, !inverse)")),
		Command: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "jump (:alb :tg :pods :ns NAME)")),
		Sort:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by next column")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Enter, k.Back, k.Filter, k.Command, k.Sort, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Enter, k.Back}, {k.Filter, k.Command, k.Sort}, {k.Help, k.Quit}}
}

// Minimum terminal size.
const (
	MinWidth  = 70
	MinHeight = 16
	sparkLen  = 24
)

// Model is the TUI state.
type Model struct {
	ctx    context.Context
	source Source
	header Header
	keys   KeyMap
	help   help.Model
	input  textinput.Model

	snap      health.Snapshot
	calls     []callSample
	history   map[string][]int // target group → healthy counts, oldest first
	lastErr   error
	awsDown   string
	kubeDown  string
	updated   time.Time
	now       func() time.Time
	level     Level
	parentALB string
	parentTG  string
	namespace string
	filter    string
	inverse   bool
	mode      string // "", "filter", "command"
	sortCol   int
	cursor    int
	width     int
	height    int
	// view caches rows() for the current state: View is called far more
	// often than the state changes.
	view []row

	events    EventSource
	eventsKey string // the pod whose events podEvents holds
	podEvents []corev1.Event
	eventsErr error
}

type callSample struct {
	at    time.Time
	calls int
}

// New returns the model; source is polled for snapshots.
func New(ctx context.Context, source Source, h Header, keys KeyMap, now func() time.Time) Model {
	ti := textinput.New()
	ti.Prompt = ""
	return Model{ctx: ctx, source: source, header: h, keys: keys, help: help.New(), input: ti,
		history: map[string][]int{}, now: now, width: 120, height: 30}
}

// Init fetches the first snapshot.
func (m Model) Init() tea.Cmd { return m.poll() }

func (m Model) poll() tea.Cmd {
	if m.source == nil {
		return nil
	}
	src, ctx := m.source, m.ctx
	return func() tea.Msg { return src(ctx) }
}

// Update handles messages.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	nm := next.(Model)
	nm.view = nm.rows()
	if nm.cursor >= len(nm.view) {
		nm.cursor = max(0, len(nm.view)-1)
	}
	_, refresh := msg.(SnapshotMsg)
	if ev := nm.followSelection(refresh); ev != nil {
		cmd = tea.Batch(cmd, ev)
	}
	return nm, cmd
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, nil
	case SnapshotMsg:
		if msg.Err != nil {
			m.lastErr = msg.Err
			return m, m.poll()
		}
		m.lastErr = nil
		m.awsDown = msg.AWSDown
		m.kubeDown = msg.KubeDown
		m.snap = msg.Snapshot
		m.updated = msg.Snapshot.Time
		m.calls = append(m.calls, callSample{msg.Snapshot.Time, msg.Calls})
		if len(m.calls) > 10 {
			m.calls = m.calls[len(m.calls)-10:]
		}
		m.record()
		m.clamp()
		return m, m.poll()
	case eventsDueMsg:
		if msg.Key != "" && msg.Key == m.eventsKey && m.events != nil {
			return m, m.fetchEvents(msg.Key)
		}
		return m, nil
	case PodEventsMsg:
		if msg.Key == m.eventsKey {
			m.podEvents, m.eventsErr = msg.Events, msg.Err
			if m.podEvents == nil && msg.Err == nil {
				m.podEvents = []corev1.Event{} // read: none
			}
		}
		return m, nil
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" { // whatever the keymap and the mode
			return m, tea.Quit
		}
		if m.mode != "" {
			return m.updateInput(msg)
		}
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m, tea.Quit
		case key.Matches(msg, m.keys.Help):
			m.help.ShowAll = !m.help.ShowAll
		case key.Matches(msg, m.keys.Up):
			if m.cursor > 0 {
				m.cursor--
			}
		case key.Matches(msg, m.keys.Down):
			if m.cursor < len(m.view)-1 {
				m.cursor++
			}
		case key.Matches(msg, m.keys.Enter):
			m.drill()
		case key.Matches(msg, m.keys.Back):
			m.back()
		case key.Matches(msg, m.keys.Sort):
			m.sortCol = (m.sortCol + 1) % len(m.columns())
		case key.Matches(msg, m.keys.Filter):
			m.mode = "filter"
			m.input.SetValue("")
			return m, m.input.Focus()
		case key.Matches(msg, m.keys.Command):
			m.mode = "command"
			m.input.SetValue("")
			return m, m.input.Focus()
		}
		m.clamp()
		return m, nil
	}
	return m, nil
}

func (m Model) updateInput(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.mode = ""
		m.input.Blur()
		return m, nil
	case "enter":
		v := strings.TrimSpace(m.input.Value())
		if m.mode == "filter" {
			m.inverse = strings.HasPrefix(v, "!")
			m.filter = strings.TrimPrefix(v, "!")
		} else {
			m.jump(v)
		}
		m.mode = ""
		m.input.Blur()
		m.cursor = 0
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

// jump handles : commands.
func (m *Model) jump(cmd string) {
	f := strings.Fields(cmd)
	if len(f) == 0 {
		return
	}
	switch f[0] {
	case "alb", "albs", "lb":
		m.level, m.parentALB, m.parentTG = LevelALB, "", ""
	case "tg", "tgs":
		m.level, m.parentALB, m.parentTG = LevelTargetGroup, "", ""
	case "pods", "pod", "targets", "target":
		m.level, m.parentALB, m.parentTG = LevelTarget, "", ""
	case "ns", "namespace":
		m.namespace = ""
		if len(f) > 1 && f[1] != "all" && f[1] != "-A" {
			m.namespace = f[1]
		}
	case "q", "quit":
		// handled by the key binding; ignore here
	}
	m.filter, m.inverse = "", false
}

func (m *Model) drill() {
	rows := m.view
	if m.cursor >= len(rows) {
		return
	}
	switch m.level {
	case LevelALB:
		m.level, m.parentALB = LevelTargetGroup, rows[m.cursor].key
	case LevelTargetGroup:
		m.level, m.parentTG = LevelTarget, rows[m.cursor].key
	default:
		return
	}
	m.cursor, m.filter, m.inverse = 0, "", false
}

func (m *Model) back() {
	switch {
	case m.filter != "":
		m.filter, m.inverse = "", false
	case m.level == LevelTarget && m.parentTG != "":
		m.level, m.parentTG = LevelTargetGroup, ""
	case m.level == LevelTargetGroup && m.parentALB != "":
		m.level, m.parentALB = LevelALB, ""
	case m.level != LevelALB:
		m.level, m.parentALB, m.parentTG = LevelALB, "", ""
	}
	m.cursor = 0
}

func (m *Model) clamp() {
	n := len(m.view)
	if m.cursor >= n {
		m.cursor = max(0, n-1)
	}
}

// record appends each target group's healthy count to its history.
func (m *Model) record() {
	counts := map[string]int{}
	for _, r := range m.snap.Rows {
		if _, ok := counts[r.TargetGroup]; !ok {
			counts[r.TargetGroup] = 0
		}
		if r.State == "healthy" {
			counts[r.TargetGroup]++
		}
	}
	for tg, n := range counts {
		h := append(m.history[tg], n)
		if len(h) > sparkLen {
			h = h[len(h)-sparkLen:]
		}
		m.history[tg] = h
	}
}

// row is one line of the table.
type row struct {
	key    string
	pod    string // "namespace/name" of the target's pod, if any
	cells  []string
	state  string // worst state, for colour
	detail []string
}

func (m Model) columns() []string {
	switch m.level {
	case LevelALB:
		return []string{"LOAD BALANCER", "INGRESSES", "TARGET GROUPS", "HEALTHY", "UNHEALTHY", "DRAINING", "OTHER"}
	case LevelTargetGroup:
		return []string{"TARGET GROUP", "TYPE", "LOAD BALANCER", "HEALTHY", "TOTAL", "HISTORY"}
	}
	return []string{"TARGET", "STATE", "REASON", "POD/NODE", "ZONE", "READY", "GATE", "PROBLEMS"}
}

func (m Model) inScope(r health.Row) bool {
	if m.namespace != "" && r.Namespace != m.namespace {
		return false
	}
	if m.parentALB != "" && r.LoadBalancer != m.parentALB {
		return false
	}
	if m.parentTG != "" && r.TargetGroup != m.parentTG {
		return false
	}
	return true
}

func worse(a, b string) string {
	rank := map[string]int{"": 0, "healthy": 1, "unused": 2, health.StateUnknown: 2, "initial": 3, "draining": 4, "unhealthy": 5, "unavailable": 5}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// rows computes the table for the current level, scope, filter and sort.
func (m Model) rows() []row {
	var out []row
	switch m.level {
	case LevelALB, LevelTargetGroup:
		type agg struct {
			ingresses, tgs                      map[string]bool
			healthy, unhealthy, draining, other int
			worst, typ, lb                      string
		}
		groups := map[string]*agg{}
		var order []string
		for _, r := range m.snap.Rows {
			if !m.inScope(r) {
				continue
			}
			k := r.LoadBalancer
			if m.level == LevelTargetGroup {
				k = r.TargetGroup
			}
			a := groups[k]
			if a == nil {
				a = &agg{ingresses: map[string]bool{}, tgs: map[string]bool{}, typ: r.TargetType, lb: r.LoadBalancer}
				groups[k] = a
				order = append(order, k)
			}
			a.ingresses[r.Namespace+"/"+r.Ingress] = true
			a.tgs[r.TargetGroup] = true
			switch r.State {
			case "healthy":
				a.healthy++
			case "unhealthy", "unavailable":
				a.unhealthy++
			case "draining":
				a.draining++
			default:
				a.other++
			}
			a.worst = worse(a.worst, r.State)
		}
		for _, k := range order {
			a := groups[k]
			var cells []string
			if m.level == LevelALB {
				cells = []string{k, fmt.Sprint(len(a.ingresses)), fmt.Sprint(len(a.tgs)), fmt.Sprint(a.healthy), fmt.Sprint(a.unhealthy), fmt.Sprint(a.draining), fmt.Sprint(a.other)}
			} else {
				total := a.healthy + a.unhealthy + a.draining + a.other
				cells = []string{k, a.typ, a.lb, fmt.Sprint(a.healthy), fmt.Sprint(total), Sparkline(m.history[k], total)}
			}
			ings := make([]string, 0, len(a.ingresses))
			for i := range a.ingresses {
				ings = append(ings, i)
			}
			sort.Strings(ings)
			out = append(out, row{key: k, cells: cells, state: a.worst, detail: []string{"Ingresses: " + strings.Join(ings, ", ")}})
		}
	default:
		for _, r := range m.snap.Rows {
			if !m.inScope(r) {
				continue
			}
			who := r.Pod
			if who == "" {
				who = r.Node
			}
			ready := "-"
			if r.PodReady != nil {
				ready = fmt.Sprint(*r.PodReady)
			}
			d := []string{fmt.Sprintf("%s  %s → %s → %s", r.LoadBalancer, r.Rule, r.TargetGroup, r.Target)}
			if r.Description != "" {
				d = append(d, "AWS: "+r.Description)
			}
			if r.Pod != "" {
				d = append(d, fmt.Sprintf("pod %s/%s on %s (%s): ready=%s readiness-gate=%s", r.Namespace, r.Pod, r.Node, r.Zone, ready, dash(r.Gate)))
			}
			for _, p := range r.Problems {
				d = append(d, "problem: "+explain(p))
			}
			pod := ""
			if r.Pod != "" {
				pod = r.Namespace + "/" + r.Pod
			}
			out = append(out, row{key: r.Key(), pod: pod, state: r.State, detail: d,
				cells: []string{r.Target, r.State, dash(r.Reason), dash(who), dash(r.Zone), ready, dash(r.Gate), dash(strings.Join(r.Problems, ","))}})
		}
	}
	if m.filter != "" {
		re, err := regexp.Compile(m.filter)
		if err == nil {
			var kept []row
			for _, r := range out {
				if re.MatchString(strings.Join(r.cells, " ")) != m.inverse {
					kept = append(kept, r)
				}
			}
			out = kept
		}
	}
	col := m.sortCol
	sort.SliceStable(out, func(i, j int) bool {
		if col < len(out[i].cells) && col < len(out[j].cells) {
			return out[i].cells[col] < out[j].cells[col]
		}
		return false
	})
	return out
}

func explain(p string) string {
	switch p {
	case health.ProblemReadyButUnhealthy:
		return "the pod is Ready but the ALB finds its target unhealthy (security group? health-check path or port?)"
	case health.ProblemNoPod:
		return "no live pod has this IP: the target outlived its pod"
	case health.ProblemGateStuck:
		return "the containers are ready but the target-health readiness gate is not True"
	case health.ProblemZoneDown:
		return "no healthy target in this zone while other zones have some"
	case health.ProblemFailOpen:
		return "no healthy target in the group: the ALB fails open and routes to all of them"
	case health.ProblemDraining:
		return "deregistered, draining in-flight requests"
	}
	return p
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Sparkline draws counts (relative to max) with block characters.
func Sparkline(h []int, maxV int) string {
	blocks := []rune("▁▂▃▄▅▆▇█")
	if maxV <= 0 {
		for _, v := range h {
			maxV = max(maxV, v)
		}
	}
	var b strings.Builder
	for _, v := range h {
		i := 0
		if maxV > 0 {
			i = v * (len(blocks) - 1) / maxV
		}
		b.WriteRune(blocks[min(max(i, 0), len(blocks)-1)])
	}
	return b.String()
}

var stateStyles = map[string]lipgloss.Style{
	"healthy":     lipgloss.NewStyle().Foreground(lipgloss.Color("#4FB477")),
	"unhealthy":   lipgloss.NewStyle().Foreground(lipgloss.Color("#E5534B")).Bold(true),
	"unavailable": lipgloss.NewStyle().Foreground(lipgloss.Color("#E5534B")).Bold(true),
	"draining":    lipgloss.NewStyle().Foreground(lipgloss.Color("#D4A72C")),
	"initial":     lipgloss.NewStyle().Foreground(lipgloss.Color("#6CB6FF")),
	// health.StateUnknown: AWS not read, the Kubernetes side only.
	"unknown": lipgloss.NewStyle().Foreground(lipgloss.Color("#888888")),
}
