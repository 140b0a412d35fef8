// Package healthview is the health TUI: ALBs → target groups → targets in
// the k9s idiom (Enter drills down, Esc backs out, / filters by regex with !
// to invert, : jumps, s sorts, ? shows the keymap), colour-coded states,
// counts per state, a detail pane and a sparkline of healthy targets per
// target group. It is read-only. Update is a pure function of messages; the
// data arrives as SnapshotMsg from whatever polls.
package healthview

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
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
	// Details are the objects behind the rows, for describe and YAML.
	Details health.Details
}

// Source polls: Next blocks until the next snapshot is due and returns it.
type Source func(ctx context.Context) SnapshotMsg

// Header facts shown at the top.
type Header struct {
	Cluster, Region, Context string
}

// KeyMap is the TUI's keys (configurable: the command may rebind them).
type KeyMap struct {
	Up, Down, Enter, Back, Filter, Command, Sort, Reverse, Column, Describe, YAML, Help, Quit key.Binding
}

// DefaultKeyMap returns k9s-like defaults.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Enter:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Command:  key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "jump")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Reverse:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse")),
		Column:   key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "sort by column")),
		Describe: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "describe")),
		YAML:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yaml")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap: the key line, most used first (the
// view keeps help and quit and as many of the others as fit).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Enter, k.Back, k.Filter, k.Describe, k.YAML, k.Sort, k.Command, k.Reverse}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Enter, k.Back}, {k.Filter, k.Command, k.Describe, k.YAML}, {k.Sort, k.Reverse, k.Column}, {k.Help, k.Quit}}
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
	details   health.Details
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
	sortDesc  bool
	cursor    int
	width     int
	height    int
	// view caches rows() for the current state: View is called far more
	// often than the state changes; total is the rows before the filter.
	view  []row
	total int
	// natural are the columns' widths for view, nothing cut.
	natural []int

	// pane is the describe or YAML view of one object ("" when closed):
	// paneRow is the row it shows at paneLevel.
	pane      string
	paneLevel Level
	paneRow   row
	viewport  viewport.Model

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
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{
		Up: keys.Up, Down: keys.Down,
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "space")),
		PageUp:       key.NewBinding(key.WithKeys("pgup")),
		HalfPageDown: key.NewBinding(key.WithKeys("ctrl+d")),
		HalfPageUp:   key.NewBinding(key.WithKeys("ctrl+u")),
		Left:         key.NewBinding(key.WithKeys("left")),
		Right:        key.NewBinding(key.WithKeys("right")),
	}
	return Model{ctx: ctx, source: source, header: h, keys: keys, help: help.New(), input: ti, viewport: vp,
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
	nm.view, nm.total = nm.rows()
	nm.natural = nm.naturalWidths(nm.columns(), nm.view)
	if nm.cursor >= len(nm.view) {
		nm.cursor = max(0, len(nm.view)-1)
	}
	if nm.pane != "" {
		nm.fillPane()
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
		m.details = msg.Details
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
		if m.pane != "" {
			return m.updatePane(msg)
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
			m.sortCol, m.sortDesc = (m.sortCol+1)%len(m.columns()), false
		case key.Matches(msg, m.keys.Reverse):
			m.sortDesc = !m.sortDesc
		case key.Matches(msg, m.keys.Column):
			m.sortBy(slices.Index(m.keys.Column.Keys(), msg.String()))
		case key.Matches(msg, m.keys.Describe):
			m.openPane("describe")
		case key.Matches(msg, m.keys.YAML):
			m.openPane("yaml")
		case key.Matches(msg, m.keys.Filter):
			m.mode = "filter"
			m.input.SetValue("")
			m.setFilter("")
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

// sortBy sorts by column i, or reverses the order when it already does
// (k9s: the same sort key again flips the direction).
func (m *Model) sortBy(i int) {
	if i < 0 || i >= len(m.columns()) {
		return
	}
	if i == m.sortCol {
		m.sortDesc = !m.sortDesc
		return
	}
	m.sortCol, m.sortDesc = i, false
}

// setFilter applies v as the filter: a regex, inverted after "!".
func (m *Model) setFilter(v string) {
	v = strings.TrimSpace(v)
	m.inverse = strings.HasPrefix(v, "!")
	m.filter = strings.TrimPrefix(v, "!")
	m.cursor = 0
}

// updateInput edits the filter or the command line. The filter applies as
// it is typed; Enter keeps it, Esc clears it.
func (m Model) updateInput(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		if m.mode == "filter" {
			m.setFilter("")
		}
		m.mode = ""
		m.input.Blur()
		return m, nil
	case "enter":
		v := strings.TrimSpace(m.input.Value())
		if m.mode == "filter" {
			m.setFilter(v)
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
	if m.mode == "filter" {
		m.setFilter(m.input.Value())
	}
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
	m.sortCol = min(m.sortCol, len(m.columns())-1)
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
	m.sortCol = min(m.sortCol, len(m.columns())-1)
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
	m.sortCol = min(m.sortCol, len(m.columns())-1)
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
	// counts are the row's targets by state (one for a target row).
	counts health.Counts
	// target is the target of a row at LevelTarget.
	target health.Row
}

// colKind says how a column gives way when the table is too wide.
type colKind int

const (
	colID    colKind = iota // an identifier: shortened in the middle, the unique end kept
	colText                 // prose: cut at the end
	colFixed                // numbers and states: never cut
	colTail                 // a history: the oldest end goes first
)

// column is a table column: its heading, how it shortens, and when it is
// left out on a narrow terminal (drop: 0 never, else higher goes first).
type column struct {
	name string
	kind colKind
	drop int
	// min is the narrowest it gets (0: its kind's default).
	min int
}

// columns are the level's columns. A target's namespace and target group
// show unless the view is already inside one (the header names it).
func (m Model) columns() []column {
	switch m.level {
	case LevelALB:
		return []column{{"LOAD BALANCER", colID, 0, 0}, {"INGS", colFixed, 2, 0}, {"TGS", colFixed, 1, 0}, {"HEALTHY", colFixed, 0, 0},
			{"UNHEALTHY", colFixed, 0, 0}, {"DRAINING", colFixed, 0, 0}, {"OTHER", colFixed, 0, 0}}
	case LevelTargetGroup:
		return []column{{"TARGET GROUP", colID, 0, 0}, {"TYPE", colFixed, 2, 0}, {"LOAD BALANCER", colID, 3, 0}, {"HEALTHY", colFixed, 0, 0},
			{"TOTAL", colFixed, 0, 0}, {"HISTORY", colTail, 1, 0}}
	}
	var cols []column
	if m.namespace == "" {
		cols = append(cols, column{"NAMESPACE", colID, 0, 0})
	}
	cols = append(cols, column{"TARGET", colID, 0, 16})
	if m.parentTG == "" {
		cols = append(cols, column{"TARGET GROUP", colID, 0, 0})
	}
	return append(cols, column{"STATE", colFixed, 0, 0}, column{"REASON", colID, 0, 0}, column{"POD/NODE", colID, 0, 0},
		column{"ZONE", colFixed, 3, 0}, column{"READY", colFixed, 5, 0}, column{"GATE", colFixed, 6, 0}, column{"PROBLEMS", colText, 4, 0})
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

// rows computes the table for the current level, scope, filter and sort,
// and how many rows there are before the filter.
func (m Model) rows() ([]row, int) {
	var out []row
	switch m.level {
	case LevelALB, LevelTargetGroup:
		type agg struct {
			ingresses, tgs map[string]bool
			counts         health.Counts
			worst, typ, lb string
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
				a = &agg{ingresses: map[string]bool{}, tgs: map[string]bool{}, counts: health.Counts{}, typ: r.TargetType, lb: r.LoadBalancer}
				groups[k] = a
				order = append(order, k)
			}
			a.ingresses[r.Namespace+"/"+r.Ingress] = true
			a.tgs[r.TargetGroup] = true
			a.counts[r.State]++
			a.worst = worse(a.worst, r.State)
		}
		for _, k := range order {
			a := groups[k]
			c := a.counts
			healthy, unhealthy, draining := c["healthy"], c["unhealthy"]+c["unavailable"], c["draining"]
			total := 0
			for _, n := range c {
				total += n
			}
			var cells []string
			if m.level == LevelALB {
				cells = []string{k, fmt.Sprint(len(a.ingresses)), fmt.Sprint(len(a.tgs)), fmt.Sprint(healthy), fmt.Sprint(unhealthy), fmt.Sprint(draining), fmt.Sprint(total - healthy - unhealthy - draining)}
			} else {
				cells = []string{k, a.typ, a.lb, fmt.Sprint(healthy), fmt.Sprint(total), Sparkline(m.history[k], total)}
			}
			ings := make([]string, 0, len(a.ingresses))
			for i := range a.ingresses {
				ings = append(ings, i)
			}
			sort.Strings(ings)
			out = append(out, row{key: k, cells: cells, state: a.worst, counts: c, detail: []string{"Ingresses: " + strings.Join(ings, ", ")}})
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
			var cells []string
			if m.namespace == "" {
				cells = append(cells, r.Namespace)
			}
			cells = append(cells, r.Target)
			if m.parentTG == "" {
				cells = append(cells, r.TargetGroup)
			}
			cells = append(cells, r.State, dash(r.Reason), dash(who), dash(r.Zone), ready, dash(r.Gate), dash(strings.Join(r.Problems, ",")))
			out = append(out, row{key: r.Key(), pod: pod, state: r.State, detail: d, counts: health.Counts{r.State: 1}, target: r, cells: cells})
		}
	}
	total := len(out)
	if re := m.filterRegexp(); re != nil {
		var kept []row
		for _, r := range out {
			if re.MatchString(strings.Join(r.cells, " ")) != m.inverse {
				kept = append(kept, r)
			}
		}
		out = kept
	}
	col, desc := m.sortCol, m.sortDesc
	sort.SliceStable(out, func(i, j int) bool {
		if col >= len(out[i].cells) || col >= len(out[j].cells) {
			return false
		}
		c := compareCells(out[i].cells[col], out[j].cells[col])
		if desc {
			c = -c
		}
		return c < 0
	})
	return out, total
}

// filterRegexp is the filter as a regex; a pattern that does not compile
// (a "(" half typed) matches as plain text.
func (m Model) filterRegexp() *regexp.Regexp {
	if m.filter == "" {
		return nil
	}
	re, err := regexp.Compile(m.filter)
	if err != nil {
		re = regexp.MustCompile(regexp.QuoteMeta(m.filter))
	}
	return re
}

// compareCells orders numbers by value, the rest as text.
func compareCells(a, b string) int {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
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
