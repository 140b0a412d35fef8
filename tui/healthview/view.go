package healthview

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
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

// Render returns the screen as text (the golden tests read it).
func (m Model) Render() string {
	if m.width < MinWidth || m.height < MinHeight {
		return fmt.Sprintf("lbctl health needs at least %d×%d (this terminal is %d×%d).\nEnlarge it, or use `%s health -o wide`. q quits.", MinWidth, MinHeight, m.width, m.height, buildinfo.Command())
	}
	var b strings.Builder
	b.WriteString(m.renderHeader() + "\n")
	rows := m.view
	cols := m.columns()
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	for _, r := range rows {
		for i, c := range r.cells {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	// Shrink the widest column until the table fits.
	for sum(widths)+2*len(widths) > m.width {
		wi := 0
		for i, w := range widths {
			if w > widths[wi] {
				wi = i
			}
		}
		if widths[wi] <= 6 {
			break
		}
		widths[wi]--
	}
	var hdr []string
	for i, c := range cols {
		name := c
		if i == m.sortCol {
			name += "↑"
		}
		hdr = append(hdr, pad(name, widths[i]))
	}
	b.WriteString(colStyle.Render(strings.Join(hdr, "  ")) + "\n")
	var detail []string
	if m.cursor < len(rows) {
		detail = append(detail, rows[m.cursor].detail...)
		if rows[m.cursor].pod != "" && rows[m.cursor].pod == m.eventsKey {
			detail = append(detail, m.eventLines()...)
		}
	}
	helpH := 1
	if m.help.ShowAll {
		helpH = 4
	}
	// The pane grows for a pod's events, up to a third of the screen.
	detailH := max(4, min(len(detail)+1, m.height/3))
	tableH := m.height - 3 - detailH - helpH - 1
	start := 0
	if m.cursor >= tableH {
		start = m.cursor - tableH + 1
	}
	for i := start; i < len(rows) && i < start+tableH; i++ {
		r := rows[i]
		var cells []string
		for j, c := range r.cells {
			cells = append(cells, pad(c, widths[j]))
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
			b.WriteString(dimStyle.Render("  nothing to show here (Esc to go back, :ns all to clear the namespace)") + "\n")
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
		b.WriteString("/" + m.input.View())
	case "command":
		b.WriteString(":" + m.input.View())
	default:
		b.WriteString(m.help.View(m.keys))
	}
	return b.String()
}

func (m Model) renderHeader() string {
	c := m.snap.Count()
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
	where := m.level.String()
	if m.parentALB != "" {
		where += " of " + m.parentALB
	}
	if m.parentTG != "" {
		where += " of " + m.parentTG
	}
	if m.namespace != "" {
		where += " in " + m.namespace
	}
	if m.filter != "" {
		op := "/"
		if m.inverse {
			op = "/!"
		}
		where += " " + op + m.filter
	}
	left := headerStyle.Render("lbctl health") + " " + dimStyle.Render(fmt.Sprintf("cluster %s · region %s · refreshed %s · AWS %s", dash(m.header.Cluster), dash(m.header.Region), age, rate))
	counts := fmt.Sprintf("%s %d  %s %d  %s %d  %s %d",
		stateStyles["healthy"].Render("healthy"), c["healthy"], stateStyles["unhealthy"].Render("unhealthy"), c["unhealthy"]+c["unavailable"],
		stateStyles["draining"].Render("draining"), c["draining"], stateStyles["initial"].Render("initial"), c["initial"])
	line2 := where + "   " + counts
	var banner []string
	if m.lastErr != nil {
		banner = append(banner, "AWS or Kubernetes unavailable, showing the last view: "+m.lastErr.Error())
	}
	if m.kubeDown != "" {
		banner = append(banner, "Kubernetes watch failing, pods as last read: "+m.kubeDown)
	}
	switch {
	case m.lastErr != nil:
	case m.awsDown != "" && c[health.StateUnknown] > 0:
		banner = append(banner, "AWS unreachable, Kubernetes side only (target health unknown): "+m.awsDown)
	case m.awsDown != "":
		banner = append(banner, "AWS unreachable, target health as last read: "+m.awsDown)
	}
	if len(banner) > 0 {
		line2 = errStyle.Render(truncate(strings.Join(banner, " · "), m.width))
	}
	return left + "\n" + line2
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

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

func pad(s string, w int) string {
	s = truncate(s, w)
	return s + strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s)))
}

func truncate(s string, w int) string {
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	r := []rune(s)
	if w <= 1 {
		return string(r[:w])
	}
	return string(r[:w-1]) + "…"
}
