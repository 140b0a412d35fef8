package healthview

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lbctl/lbctl/lbctl/columns"
	"github.com/lbctl/lbctl/lbctl/health"
)

var ansiRe = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func plain(s string) string { return ansiRe.ReplaceAllString(s, "") }

func screenOf(m tea.Model) string { return plain(m.(Model).Render()) }

// header is the screen's second line: level, scope, filter and counts.
func header(m tea.Model) string { return strings.Split(screenOf(m), "\n")[1] }

// The filter narrows the rows as it is typed; Enter keeps it, Esc clears
// it; the header counts what is listed, of how many.
func TestFilterAsTyped(t *testing.T) {
	m := newModel()
	m, _ = m.Update(press(":"))
	m = typeText(m, "pods")
	m, _ = m.Update(press("enter"))
	if h := header(m); !strings.Contains(h, "targets: 4 ") || !strings.Contains(h, "healthy 2  unhealthy 1  draining 1  initial 0") {
		t.Errorf("header of :pods: %q", h)
	}
	m, _ = m.Update(press("/"))
	m = typeText(m, "store")
	if got := len(m.(Model).view); got != 3 {
		t.Errorf("typing /store, before Enter: %d rows, want the 3 storefront targets", got)
	}
	if h := header(m); !strings.Contains(h, "targets: 3 of 4 /store") || !strings.Contains(h, "healthy 2  unhealthy 1  draining 0") {
		t.Errorf("header while filtering: %q", h)
	}
	m = typeText(m, "front-2")
	if got := len(m.(Model).view); got != 1 {
		t.Errorf("typing /storefront-2: %d rows, want 1", got)
	}
	m, _ = m.Update(press("esc"))
	if mm := m.(Model); len(mm.view) != 4 || mm.filter != "" || mm.mode != "" {
		t.Errorf("esc while typing: %d rows, filter %q, mode %q; want the filter cleared", len(mm.view), mm.filter, mm.mode)
	}
	m, _ = m.Update(press("/"))
	m = typeText(m, "(draining")
	if got := len(m.(Model).view); got != 0 {
		t.Errorf("a half-typed regex matches as text: %d rows, want 0", got)
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	for range len("(draining") - 1 {
		m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	}
	m = typeText(m, "draining")
	m, _ = m.Update(press("enter"))
	if mm := m.(Model); len(mm.view) != 1 || mm.filter != "draining" {
		t.Errorf("enter keeps the filter: %d rows, filter %q", len(mm.view), mm.filter)
	}
	if h := header(m); !strings.Contains(h, "targets: 1 of 4 /draining") || !strings.Contains(h, "healthy 0  unhealthy 0  draining 1") {
		t.Errorf("header after enter: %q", h)
	}
}

// At the load balancer level, the header counts load balancers and their
// targets.
func TestHeaderCountsLevel(t *testing.T) {
	m := newModel()
	if h := header(m); !strings.Contains(h, "load balancers: 2 ") || !strings.Contains(h, "healthy 2  unhealthy 1  draining 1") {
		t.Errorf("header at the top: %q", h)
	}
	m, _ = m.Update(press("enter"))
	if h := header(m); !strings.Contains(h, "target groups of k8s-teama-5e1f: 1 ") || !strings.Contains(h, "healthy 2  unhealthy 1  draining 0") {
		t.Errorf("header inside an ALB: %q", h)
	}
}

func cellsOf(m tea.Model, i int) []string {
	var out []string
	for _, r := range m.(Model).view {
		out = append(out, r.cells[i])
	}
	return out
}

// s moves the sort to the next column, S reverses it, a column's number
// sorts by it and again reverses; numbers sort by value; the heading and
// the header show the column and the direction.
func TestSortReverses(t *testing.T) {
	m := newModel()
	s := fixture()
	for i := range 12 { // a third ALB with 12 healthy targets: 12 sorts after 2 by value, before it as text
		s.Rows = append(s.Rows, health.Row{Namespace: "team-c", Ingress: "big", LoadBalancer: "k8s-teamc-big-1", TargetGroup: "k8s-teamc-big-1", TargetType: "ip",
			Target: fmt.Sprintf("10.1.0.%d:80", i), State: "healthy"})
	}
	m, _ = m.Update(SnapshotMsg{Snapshot: s})
	if got := strings.Join(cellsOf(m, 0), " "); got != "k8s-teama-5e1f k8s-teamb-search-9 k8s-teamc-big-1" {
		t.Errorf("default order: %s", got)
	}
	m, _ = m.Update(press("4")) // HEALTHY
	if got := strings.Join(cellsOf(m, 3), " "); got != "0 2 12" {
		t.Errorf("sorted by HEALTHY: %s", got)
	}
	scr := screenOf(m)
	if !strings.Contains(scr, "HEALTHY↑") || !strings.Contains(header(m), "sort HEALTHY↑") {
		t.Errorf("the sort column is not shown ascending:\n%s", scr)
	}
	m, _ = m.Update(press("4"))
	if got := strings.Join(cellsOf(m, 3), " "); got != "12 2 0" {
		t.Errorf("4 again reverses: %s", got)
	}
	if scr := screenOf(m); !strings.Contains(scr, "HEALTHY↓") || !strings.Contains(header(m), "sort HEALTHY↓") {
		t.Errorf("the sort column is not shown descending:\n%s", scr)
	}
	m, _ = m.Update(press("S"))
	if got := strings.Join(cellsOf(m, 3), " "); got != "0 2 12" {
		t.Errorf("S reverses: %s", got)
	}
	m, _ = m.Update(press("s"))
	if mm := m.(Model); mm.sortCol != 4 || mm.sortDesc {
		t.Errorf("s: column %d desc %v, want the next column ascending", mm.sortCol, mm.sortDesc)
	}
}

// d describes the selected object and y shows its YAML, in a pane over the
// table; Esc goes back to the table.
func TestDescribeAndYAML(t *testing.T) {
	m := newModel()
	m, _ = m.Update(press(":"))
	m = typeText(m, "pods")
	m, _ = m.Update(press("enter"))
	m, _ = m.Update(press("/"))
	m = typeText(m, "Timeout")
	m, _ = m.Update(press("enter"))
	m, _ = m.Update(press("d"))
	scr := screenOf(m)
	for _, want := range []string{"describe target 10.0.3.20:8080", "State:         unhealthy", "Reason:        Target.Timeout",
		"Pod:           team-a/storefront-2", "Zone:          us-west-2c", "Node:          node", "Problems:      pod-ready-target-unhealthy"} {
		if !strings.Contains(scr, want) {
			t.Errorf("describe lacks %q:\n%s", want, scr)
		}
	}
	if strings.Contains(scr, "NAMESPACE↑  TARGET") {
		t.Errorf("the table shows under the describe pane:\n%s", scr)
	}
	m, _ = m.Update(press("y"))
	// The model holds no objects here (no Details): the YAML pane says so.
	if scr := screenOf(m); !strings.Contains(scr, "yaml target 10.0.3.20:8080") || !strings.Contains(scr, "pod team-a/storefront-2: not held by this view") {
		t.Errorf("yaml pane:\n%s", scr)
	}
	m, _ = m.Update(press("esc"))
	if scr := screenOf(m); m.(Model).pane != "" || !strings.Contains(scr, "Target.Timeout") || !strings.Contains(scr, "NAMESPACE↑  TARGET") {
		t.Errorf("esc does not go back to the table:\n%s", scr)
	}
	if m.(Model).filter != "Timeout" {
		t.Errorf("closing the pane cleared the filter")
	}
	// A long describe scrolls.
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 16})
	m, _ = m.Update(press("d"))
	top := screenOf(m)
	m, _ = m.Update(press("j"))
	m, _ = m.Update(press("j"))
	if after := screenOf(m); after == top || !strings.Contains(after, "%") {
		t.Errorf("j does not scroll the describe pane:\n%s\n---\n%s", top, after)
	}
	m, _ = m.Update(press("k"))
	m, _ = m.Update(press("k"))
	if back := screenOf(m); back != top {
		t.Errorf("k does not scroll back:\n%s\n---\n%s", top, back)
	}
	for _, k := range []tea.KeyPressMsg{{Code: tea.KeyPgDown}, {Code: tea.KeySpace, Text: " "}} {
		m, _ = m.Update(k)
		if paged := screenOf(m); paged == top || !strings.Contains(paged, "Problems:") {
			t.Errorf("%s does not page to the end of the describe pane:\n%s", k, paged)
		}
		m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
		if back := screenOf(m); back != top {
			t.Errorf("pgup does not page back:\n%s", back)
		}
	}
}

// At 80×24 and 200×50: exactly the terminal's lines, none wider, borders
// full width, the key line last with help and quit; identifiers shortened
// in the middle keep their unique end; numeric columns as wide as their
// values or heading.
func TestLayoutFits(t *testing.T) {
	s := fixture()
	ready := true
	for i := range 3 {
		s.Rows = append(s.Rows, health.Row{Namespace: "team-cart", Ingress: "cart", LoadBalancer: "k8s-teama-shared-7a6b5c4d3e", TargetGroup: "k8s-teamcart-cart-1fc20b13a6",
			TargetType: "instance", Target: fmt.Sprintf("i-0a1b2c3d4e5f6000%d:30083", i), State: "healthy", Reason: "",
			Node: fmt.Sprintf("ip-10-0-%d-17.us-west-2.compute.internal", i), Zone: "us-west-2a", PodReady: &ready})
	}
	for _, size := range []struct{ w, h int }{{80, 24}, {200, 50}} {
		m := newModel()
		m, _ = m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
		m, _ = m.Update(SnapshotMsg{Snapshot: s})
		for _, view := range []string{"alb", "tg", "pods"} {
			m, _ = m.Update(press(":"))
			m = typeText(m, view)
			m, _ = m.Update(press("enter"))
			scr := screenOf(m)
			lines := strings.Split(scr, "\n")
			if len(lines) != size.h {
				t.Errorf("%dx%d :%s: %d lines, want %d:\n%s", size.w, size.h, view, len(lines), size.h, scr)
			}
			for i, l := range lines {
				if w := columns.Width(l); w > size.w {
					t.Errorf("%dx%d :%s: line %d is %d wide: %q", size.w, size.h, view, i+1, w, l)
				}
				if strings.HasPrefix(l, "─") && columns.Width(l) != size.w {
					t.Errorf("%dx%d :%s: border line %d is %d wide", size.w, size.h, view, i+1, columns.Width(l))
				}
			}
			if last := lines[len(lines)-1]; !strings.Contains(last, "? help") || !strings.Contains(last, "q quit") {
				t.Errorf("%dx%d :%s: key line %q", size.w, size.h, view, last)
			}
			switch view {
			case "alb":
				for _, hd := range []string{"INGS ", "TGS "} {
					if !strings.Contains(lines[2], hd) {
						t.Errorf("%dx%d: numeric heading %q wider than its values: %q", size.w, size.h, hd, lines[2])
					}
				}
			case "pods":
				if !strings.Contains(scr, "0001:30083") || !strings.Contains(scr, "i-0") {
					t.Errorf("%dx%d: an instance target is not shortened in the middle:\n%s", size.w, size.h, scr)
				}
				if !strings.Contains(scr, "b13a6") || !strings.Contains(scr, "ip-10-0-") || size.w == 200 && !strings.Contains(scr, "ip-10-0-1-17.us-west-2.compute.internal") {
					t.Errorf("%dx%d: the target group's hash or the node's first label is lost:\n%s", size.w, size.h, scr)
				}
				if !strings.Contains(lines[2], "NAMESPACE") || !strings.Contains(lines[2], "TARGET GROUP") {
					t.Errorf("%dx%d: :pods lacks NAMESPACE or TARGET GROUP: %q", size.w, size.h, lines[2])
				}
			}
		}
	}
}

// The too-small message fits the terminal.
func TestTooSmallFits(t *testing.T) {
	for _, size := range []struct{ w, h int }{{20, 5}, {69, 24}, {80, 15}, {10, 2}} {
		m := newModel()
		m, _ = m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
		scr := screenOf(m)
		lines := strings.Split(scr, "\n")
		if size.w == 69 && !strings.Contains(scr, "q quits.") {
			t.Errorf("%dx%d: the message does not say how to quit:\n%s", size.w, size.h, scr)
		}
		if len(lines) > size.h || size.h >= 5 && !strings.Contains(scr, "needs") {
			t.Errorf("%dx%d: %d lines:\n%s", size.w, size.h, len(lines), scr)
		}
		for _, l := range lines {
			if columns.Width(l) > size.w {
				t.Errorf("%dx%d: line %q is wider", size.w, size.h, l)
			}
		}
	}
}

// The detail pane wraps its prose rather than cutting it at 80 columns.
func TestDetailWraps(t *testing.T) {
	m := newModel()
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = m.Update(press(":"))
	m = typeText(m, "pods")
	m, _ = m.Update(press("enter"))
	m, _ = m.Update(press("/"))
	m = typeText(m, "Timeout")
	m, _ = m.Update(press("enter"))
	scr := screenOf(m)
	pane := scr[strings.LastIndex(scr, "───"):]
	text := strings.Join(strings.Fields(pane), " ")
	if !strings.Contains(text, "problem: the pod is Ready but the ALB finds its target unhealthy (security group? health-check path or port?)") {
		t.Errorf("the problem is cut, not wrapped:\n%s", scr)
	}
	if lines := strings.Split(scr, "\n"); len(lines) != 24 {
		t.Errorf("%d lines, want 24", len(lines))
	}
}

// A header line too long for the terminal leaves out whole parts, last
// first, rather than cutting a number from its unit.
func TestHeaderDropsWholeParts(t *testing.T) {
	m := newModel()
	s := fixture()
	m, _ = m.Update(SnapshotMsg{Snapshot: s, Calls: 2})
	s.Time = s.Time.Add(10 * time.Second)
	m, _ = m.Update(SnapshotMsg{Snapshot: s, Calls: 174})
	wide := strings.Split(screenOf(m), "\n")[0]
	if !strings.Contains(wide, "AWS 17.2/s") {
		t.Fatalf("the call rate at 120 columns: %q", wide)
	}
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	mm := m.(Model)
	mm.header.Cluster = "production-eu-central-1"
	m = mm
	first := strings.Split(screenOf(m), "\n")[0]
	if strings.Contains(first, "…") || strings.Contains(first, "AWS") || !strings.Contains(first, "cluster production-eu-central-1 · region us-west-2") || columns.Width(first) > 80 {
		t.Errorf("line 1 at 80 columns: %q, want the call rate left out whole", first)
	}
}
