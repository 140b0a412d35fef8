package healthview

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// openPane opens the describe or YAML view of the selected row.
func (m *Model) openPane(kind string) {
	if m.cursor >= len(m.view) {
		return
	}
	m.pane, m.paneLevel, m.paneRow = kind, m.level, m.view[m.cursor]
	m.viewport.SetYOffset(0)
}

// updatePane handles keys while the describe or YAML view is open: Esc
// goes back to the table, the describe and YAML keys switch between the
// two, the rest scroll.
func (m Model) updatePane(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Back):
		m.pane = ""
		return m, nil
	case key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		return m, nil
	case key.Matches(msg, m.keys.Describe):
		m.pane = "describe"
		m.viewport.SetYOffset(0)
		return m, nil
	case key.Matches(msg, m.keys.YAML):
		m.pane = "yaml"
		m.viewport.SetYOffset(0)
		return m, nil
	}
	var cmd tea.Cmd
	m.viewport, cmd = m.viewport.Update(msg)
	return m, cmd
}

// paneTitle names what the pane shows.
func (m Model) paneTitle() string {
	kind := [...]string{"load balancer", "target group", "target"}[m.paneLevel]
	return fmt.Sprintf("%s %s %s", m.pane, kind, m.paneName())
}

// paneName is the pane's object as a person names it.
func (m Model) paneName() string {
	if m.paneLevel == LevelTarget {
		return m.paneRow.target.Target
	}
	return m.paneRow.key
}

// paneLines is the content of the pane from what the last snapshot holds.
func (m Model) paneLines() []string {
	if m.paneLevel == LevelTarget {
		// The row as it is now, when the target is still there.
		r := m.paneRow.target
		for _, s := range m.snap.Rows {
			if s.Key() == r.Key() {
				r = s
			}
		}
		if m.pane == "describe" {
			return m.details.DescribeTarget(r)
		}
		return yamlLines(m.details.TargetYAML(r))
	}
	name := m.paneRow.key
	switch {
	case m.pane == "describe" && m.paneLevel == LevelALB:
		return m.details.DescribeLoadBalancer(name, m.snap.Rows)
	case m.pane == "describe":
		return m.details.DescribeTargetGroup(name, m.snap.Rows)
	case m.paneLevel == LevelALB:
		return yamlLines(m.details.LoadBalancerYAML(name))
	}
	return yamlLines(m.details.TargetGroupYAML(name))
}

func yamlLines(s string, err error) []string {
	if err != nil {
		return []string{err.Error()}
	}
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

// fillPane sizes the pane to the terminal and fills it, keeping the
// scroll position.
func (m *Model) fillPane() {
	off := m.viewport.YOffset()
	m.viewport.SetWidth(m.width)
	m.viewport.SetHeight(max(1, m.height-4-m.helpHeight()))
	m.viewport.SoftWrap = true
	m.viewport.SetContentLines(m.paneLines())
	m.viewport.SetYOffset(off)
}

// renderPane is the describe or YAML view: the header, a title with the
// scroll position, the content and the key line.
func (m Model) renderPane(b *strings.Builder) {
	pos := ""
	if m.viewport.TotalLineCount() > m.viewport.Height() {
		pos = fmt.Sprintf("  %d%%", int(m.viewport.ScrollPercent()*100))
	}
	title := boxStyle.Width(m.width).Render(truncate(m.paneTitle()+pos, m.width))
	b.WriteString(title + "\n")
	lines := strings.Split(m.viewport.View(), "\n")
	for len(lines) < m.viewport.Height() {
		lines = append(lines, "")
	}
	b.WriteString(strings.Join(lines[:m.viewport.Height()], "\n") + "\n")
	b.WriteString(m.keyLine([]key.Binding{m.keys.Back, m.keys.Up, m.keys.Down, m.keys.Describe, m.keys.YAML, pageKeys}))
}

var pageKeys = key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "page"))
