package healthview

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/columns"
	"github.com/lbctl/lbctl/lbctl/health"
)

var (
	headerStyle = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#5A4FCF")).Padding(0, 1)
	dimStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("#888888"))
	selStyle    = lipgloss.NewStyle().Reverse(true)
	colStyle    = lipgloss.NewStyle().Bold(true)
	errStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("#E5534B")).Bold(true)
	boxStyle    = lipgloss.NewStyle().Border(lipgloss.NormalBorder(), true, false, false, false).BorderForeground(lipgloss.Color("#555555"))
)

// View renders the screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "lbctl health"
	return v
}

// Render returns the screen as text (the golden tests read it): exactly
// the terminal's height in lines, none wider than it, the key line last.
func (m Model) Render() string {
	if m.width < MinWidth || m.height < MinHeight {
		return m.tooSmall()
	}
	var b strings.Builder
	b.WriteString(m.renderHeader() + "\n")
	if m.pane != "" {
		m.renderPane(&b)
		return b.String()
	}
	rows := m.view
	cols := m.columns()
	shown, widths := m.layout(cols)
	var hdr []string
	for _, i := range shown {
		hdr = append(hdr, pad(m.heading(i, cols[i]), widths[i]))
	}
	b.WriteString(colStyle.Render(strings.Join(hdr, "  ")) + "\n")
	var detail []string
	if m.cursor < len(rows) {
		lines := rows[m.cursor].detail
		if rows[m.cursor].pod != "" && rows[m.cursor].pod == m.eventsKey {
			lines = append(slices.Clip(lines), m.eventLines()...)
		}
		// Prose wraps at the terminal's width.
		for _, l := range lines {
			for _, w := range strings.Split(lipgloss.Wrap(l, m.width, " "), "\n") {
				detail = append(detail, strings.TrimRight(w, " "))
			}
		}
	}
	// The pane grows for a pod's events, up to a third of the screen.
	detailH := max(4, min(len(detail)+1, m.height/3))
	tableH := m.height - 3 - detailH - m.helpHeight()
	start := 0
	if m.cursor >= tableH {
		start = m.cursor - tableH + 1
	}
	for i := start; i < len(rows) && i < start+tableH; i++ {
		r := rows[i]
		var cells []string
		for _, j := range shown {
			cells = append(cells, fitCell(r.cells[j], cols[j].kind, widths[j]))
		}
		line := strings.Join(cells, "  ")
		switch {
		case i == m.cursor:
			line = selStyle.Render(line)
		default:
			if st, ok := stateStyles[r.state]; ok {
				line = st.Render(line)
			}
		}
		b.WriteString(line + "\n")
	}
	for i := len(rows) - start; i < tableH; i++ {
		if i == 0 && len(rows) == 0 {
			b.WriteString(dimStyle.Render(truncate("  nothing to show here (Esc to go back, :ns all to clear the namespace)", m.width)) + "\n")
			continue
		}
		b.WriteString("\n")
	}
	for len(detail) < detailH-1 {
		detail = append(detail, "")
	}
	for i := range detail {
		detail[i] = truncate(detail[i], m.width)
	}
	b.WriteString(boxStyle.Width(m.width).Render(strings.Join(detail[:detailH-1], "\n")) + "\n")
	switch m.mode {
	case "filter":
		b.WriteString(truncate("/"+m.input.View(), m.width))
	case "command":
		b.WriteString(truncate(":"+m.input.View(), m.width))
	default:
		b.WriteString(m.keyLine(m.keys.ShortHelp()))
	}
	return b.String()
}

// tooSmall is the message shown instead of the view on a small terminal,
// wrapped and cut to fit it.
func (m Model) tooSmall() string {
	msg := fmt.Sprintf("lbctl health needs at least %d×%d (this terminal is %d×%d). Enlarge it, or use `%s health -o wide`. %s quits.",
		MinWidth, MinHeight, m.width, m.height, buildinfo.Command(), m.keys.Quit.Help().Key)
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	lines := strings.Split(lipgloss.Wrap(msg, m.width, " "), "\n")
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	for i := range lines {
		lines[i] = truncate(strings.TrimRight(lines[i], " "), m.width)
	}
	return strings.Join(lines, "\n")
}

// heading is a column's heading, with the sort direction on the sort column.
func (m Model) heading(i int, c column) string {
	if i != m.sortCol {
		return c.name
	}
	if m.sortDesc {
		return c.name + "↓"
	}
	return c.name + "↑"
}

// layout chooses the columns shown and their widths: each as wide as its
// heading and values, identifiers and prose giving way (to a comfortable
// width first, then less) and the least needed columns left out before
// anything is cut below that. Numbers and states are never cut.
func (m Model) layout(cols []column) (shown []int, widths []int) {
	widths = slices.Clone(m.natural)
	if len(widths) != len(cols) {
		widths = m.naturalWidths(cols, m.view)
	}
	minWidth := func(i int, soft bool) int {
		w := map[colKind][2]int{colID: {11, 22}, colText: {8, 16}, colTail: {6, 12}}[cols[i].kind]
		if cols[i].kind == colFixed {
			return widths[i]
		}
		m := w[0]
		if soft {
			m = w[1]
		}
		m = max(m, cols[i].min)
		return min(widths[i], max(m, columns.Width(m0(cols[i].name))))
	}
	// Columns in the order they are left out.
	var droppable []int
	for i, c := range cols {
		if c.drop > 0 {
			droppable = append(droppable, i)
		}
	}
	sort.SliceStable(droppable, func(a, b int) bool { return cols[droppable[a]].drop > cols[droppable[b]].drop })
	for _, soft := range []bool{true, false} {
		for n := 0; n <= len(droppable); n++ {
			gone := map[int]bool{}
			for _, i := range droppable[:n] {
				gone[i] = true
			}
			shown = shown[:0]
			need := 0
			for i := range cols {
				if !gone[i] {
					shown = append(shown, i)
					need += minWidth(i, soft)
				}
			}
			if need+2*(len(shown)-1) <= m.width || (!soft && n == len(droppable)) {
				kinds := make([]colKind, len(cols))
				for i, c := range cols {
					kinds[i] = c.kind
				}
				return shown, shrink(shown, widths, kinds, func(i int) int { return minWidth(i, soft) }, m.width)
			}
		}
	}
	return shown, widths
}

// naturalWidths are the columns' widths with nothing cut: each as wide as
// its heading and its widest value.
func (m Model) naturalWidths(cols []column, rows []row) []int {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = columns.Width(m.heading(i, c))
	}
	for _, r := range rows {
		for i, c := range r.cells {
			widths[i] = max(widths[i], columns.Width(c))
		}
	}
	return widths
}

// m0 is a heading without its sort mark.
func m0(s string) string { return strings.TrimRight(s, "↑↓") }

// shrink narrows the widest columns, down to their minimum, until the
// shown columns fit in width.
func shrink(shown, widths []int, kinds []colKind, minWidth func(int) int, width int) []int {
	w := append([]int(nil), widths...)
	total := 2 * (len(shown) - 1)
	for _, i := range shown {
		total += w[i]
	}
	for total > width {
		// Prose gives way first, then the widest identifier.
		wi := -1
		for _, i := range shown {
			if w[i] > minWidth(i) && (wi < 0 || kinds[i] == colText && kinds[wi] != colText || kinds[i] == kinds[wi] && w[i] > w[wi]) {
				wi = i
			}
		}
		if wi < 0 {
			break
		}
		w[wi]--
		total--
	}
	return w
}

// fitCell pads s to w cells, shortening it as its column's kind says.
func fitCell(s string, k colKind, w int) string {
	switch k {
	case colID:
		s = shortenID(s, w)
	case colTail:
		if r := []rune(s); len(r) > w {
			s = string(r[len(r)-w:])
		}
	default:
		s = columns.Truncate(s, w)
	}
	return s + strings.Repeat(" ", max(0, w-columns.Width(s)))
}

// shortenID shortens an identifier to w cells so its unique part stays:
// a target's port is kept whole and its IP or instance ID cut in the
// middle ("i-0a…60001:30083"); a host name keeps its first label
// ("ip-10-0-1-17.us-w…"); any other name is cut in the middle, keeping the
// hash at its end ("k8s-teama-…1fc20b13a6").
func shortenID(s string, w int) string {
	if columns.Width(s) <= w {
		return s
	}
	if host, port, ok := strings.Cut(s, ":"); ok && port != "" && !strings.Contains(port, ":") && w > len(port)+3 {
		return columns.Middle(host, w-len(port)-1) + ":" + port
	}
	if strings.Count(s, ".") >= 2 && !strings.ContainsAny(s, ":/") {
		return columns.Truncate(s, w)
	}
	return columns.Middle(s, w)
}

// helpHeight is the height of the key line, or of the full help.
func (m Model) helpHeight() int {
	if m.help.ShowAll {
		return strings.Count(m.help.FullHelpView(m.keys.FullHelp()), "\n") + 1
	}
	return 1
}

// keyLine is the full help when asked for, else one line of keys: the
// bindings that fit, in order, then help and quit, which always show.
func (m Model) keyLine(bindings []key.Binding) string {
	if m.help.ShowAll {
		return m.help.FullHelpView(m.keys.FullHelp())
	}
	tail := []key.Binding{m.keys.Help, m.keys.Quit}
	h := m.help
	h.SetWidth(0) // measure, rather than let it cut
	line := h.ShortHelpView(tail)
	for n := len(bindings); n >= 0; n-- {
		l := h.ShortHelpView(append(slices.Clip(bindings[:n]), tail...))
		if columns.Width(l) <= m.width {
			line = l
			break
		}
	}
	return truncate(line, m.width)
}

func (m Model) renderHeader() string {
	age := "never"
	if !m.updated.IsZero() && m.now != nil {
		age = fmt.Sprintf("%ds ago", int(m.now().Sub(m.updated).Seconds()))
	}
	rate := "-"
	if n := len(m.calls); n >= 2 {
		dt := m.calls[n-1].at.Sub(m.calls[0].at).Seconds()
		if dt > 0 {
			rate = fmt.Sprintf("%.1f/s", float64(m.calls[n-1].calls-m.calls[0].calls)/dt)
		}
	}
	where := ""
	switch {
	case m.parentTG != "":
		where = " of " + columns.Middle(m.parentTG, 32)
	case m.parentALB != "":
		where = " of " + columns.Middle(m.parentALB, 32)
	}
	if m.namespace != "" {
		where += " in " + m.namespace
	}
	filter := ""
	if m.filter != "" {
		op := "/"
		if m.inverse {
			op = "/!"
		}
		filter = " " + op + m.filter
	}
	facts := fitParts([]string{"cluster " + dash(m.header.Cluster), "region " + dash(m.header.Region), "refreshed " + age, "AWS " + rate}, " · ", m.width-15, 1)
	left := headerStyle.Render("lbctl health") + " " + dimStyle.Render(facts)
	// The counts are of what the table lists: its rows (of how many before
	// the filter) and their targets by state.
	c := health.Counts{}
	for _, r := range m.view {
		for st, n := range r.counts {
			c[st] += n
		}
	}
	shown := fmt.Sprint(len(m.view))
	if len(m.view) != m.total {
		shown = fmt.Sprintf("%d of %d", len(m.view), m.total)
	}
	cols := m.columns()
	dir := "↑"
	if m.sortDesc {
		dir = "↓"
	}
	// The parts of the line, least needed last: those that do not fit go.
	parts := []string{
		fmt.Sprintf("%s%s: %s%s", m.level.String(), where, shown, filter),
		fmt.Sprintf("%s %d", stateStyles["healthy"].Render("healthy"), c["healthy"]),
		fmt.Sprintf("%s %d", stateStyles["unhealthy"].Render("unhealthy"), c["unhealthy"]+c["unavailable"]),
		fmt.Sprintf("%s %d", stateStyles["draining"].Render("draining"), c["draining"]),
		fmt.Sprintf("%s %d", stateStyles["initial"].Render("initial"), c["initial"]),
		dimStyle.Render("sort " + cols[min(m.sortCol, len(cols)-1)].name + dir),
	}
	line2 := fitParts(parts, "  ", m.width, 3)
	var banner []string
	if m.lastErr != nil {
		banner = append(banner, "AWS or Kubernetes unavailable, showing the last view: "+m.lastErr.Error())
	}
	if m.kubeDown != "" {
		banner = append(banner, "Kubernetes watch failing, pods as last read: "+m.kubeDown)
	}
	switch {
	case m.lastErr != nil:
	case m.awsDown != "" && m.snap.Count()[health.StateUnknown] > 0:
		banner = append(banner, "AWS unreachable, Kubernetes side only (target health unknown): "+m.awsDown)
	case m.awsDown != "":
		banner = append(banner, "AWS unreachable, target health as last read: "+m.awsDown)
	}
	if len(banner) > 0 {
		line2 = errStyle.Render(truncate(strings.Join(banner, " · "), m.width))
	}
	return truncate(left, m.width) + "\n" + truncate(line2, m.width)
}

// fitParts joins the parts with sep, leaving out the last ones (keeping
// at least keep) rather than cutting one: a number and its unit stay
// whole.
func fitParts(parts []string, sep string, width, keep int) string {
	line := strings.Join(parts, sep)
	for n := len(parts) - 1; n >= keep && columns.Width(line) > width; n-- {
		line = strings.Join(parts[:n], sep)
	}
	return line
}

// eventLines is the events part of the detail pane for the selected pod.
func (m Model) eventLines() []string {
	switch {
	case m.eventsErr != nil:
		return []string{"events: " + m.eventsErr.Error()}
	case m.podEvents == nil:
		return nil
	case len(m.podEvents) == 0:
		return []string{"events: none"}
	}
	now := time.Now
	if m.now != nil {
		now = m.now
	}
	return append([]string{"events:"}, EventLines(m.podEvents, now(), maxEvents)...)
}

func pad(s string, w int) string {
	s = truncate(s, w)
	return s + strings.Repeat(" ", max(0, w-columns.Width(s)))
}

// truncate cuts s, escapes and all, to w cells.
func truncate(s string, w int) string { return columns.Truncate(s, w) }
