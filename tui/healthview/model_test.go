package healthview

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/health"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func fixture() health.Snapshot {
	ready := true
	s := health.Snapshot{Time: t0}
	for i, st := range []string{"healthy", "healthy", "unhealthy"} {
		s.Rows = append(s.Rows, health.Row{Namespace: "team-a", Ingress: "storefront", LoadBalancer: "k8s-teama-5e1f", Rule: "80:1 storefront/*",
			TargetGroup: "k8s-teama-storefro-1", TargetType: "ip", Target: fmt.Sprintf("10.0.%d.20:8080", i+1), State: st,
			Zone: fmt.Sprintf("us-west-2%c", 'a'+i), Pod: fmt.Sprintf("storefront-%d", i), Node: "node", PodReady: &ready, Gate: "True"})
	}
	s.Rows[2].Reason, s.Rows[2].Problems = "Target.Timeout", []string{health.ProblemReadyButUnhealthy}
	s.Rows = append(s.Rows, health.Row{Namespace: "team-b", Ingress: "search", LoadBalancer: "k8s-teamb-search-9", TargetGroup: "k8s-teamb-search-2",
		TargetType: "instance", Target: "i-0a:30083", State: "draining", Reason: "Target.DeregistrationInProgress", Node: "node-b"})
	return s
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

func typeText(m tea.Model, s string) tea.Model {
	for _, r := range s {
		m, _ = m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return m
}

func newModel() tea.Model {
	var m tea.Model = New(context.Background(), nil, Header{Cluster: "prod", Region: "us-west-2"}, DefaultKeyMap(), func() time.Time { return t0.Add(3 * time.Second) })
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture(), Calls: 2})
	return m
}

func TestDrillFilterJump(t *testing.T) {
	m := newModel()
	if got := len(m.(Model).view); got != 2 {
		t.Fatalf("ALB rows = %d, want 2", got)
	}
	m, _ = m.Update(press("enter")) // into k8s-teama-5e1f (sorted first)
	m, _ = m.Update(press("enter")) // into its target group
	mm := m.(Model)
	if mm.level != LevelTarget || len(mm.view) != 3 {
		t.Fatalf("drill down: level %v, %d rows", mm.level, len(mm.view))
	}
	m, _ = m.Update(press("/"))
	m = typeText(m, "Time.ut")
	m, _ = m.Update(press("enter"))
	if rows := m.(Model).view; len(rows) != 1 || rows[0].cells[2] != "unhealthy" {
		t.Fatalf("regex filter Time.ut: %+v", rows)
	}
	m, _ = m.Update(press("/"))
	m = typeText(m, "!Timeout")
	m, _ = m.Update(press("enter"))
	if rows := m.(Model).view; len(rows) != 2 {
		t.Fatalf("inverse filter !Timeout: %+v", rows)
	}
	m, _ = m.Update(press("esc")) // clears the filter
	m, _ = m.Update(press("esc")) // back to target groups
	if m.(Model).level != LevelTargetGroup {
		t.Fatalf("esc: level %v", m.(Model).level)
	}
	m, _ = m.Update(press(":"))
	m = typeText(m, "pods")
	m, _ = m.Update(press("enter"))
	if mm := m.(Model); mm.level != LevelTarget || len(mm.view) != 4 {
		t.Fatalf(":pods lists every target: level %v rows %d", mm.level, len(mm.view))
	}
	m, _ = m.Update(press(":"))
	m = typeText(m, "ns team-b")
	m, _ = m.Update(press("enter"))
	if rows := m.(Model).view; len(rows) != 1 || rows[0].cells[2] != "draining" {
		t.Fatalf(":ns team-b: %+v", rows)
	}
	if _, cmd := m.Update(press("q")); cmd == nil {
		t.Error("q does not quit")
	}
}

func TestSparklineAndHistory(t *testing.T) {
	m := newModel()
	for _, healthy := range []int{3, 1} {
		s := fixture()
		for i := range s.Rows[:3] {
			if i < healthy {
				s.Rows[i].State = "healthy"
			} else {
				s.Rows[i].State = "unhealthy"
			}
		}
		m, _ = m.Update(SnapshotMsg{Snapshot: s})
	}
	if got := m.(Model).history["k8s-teama-storefro-1"]; !cmp.Equal(got, []int{2, 3, 1}) {
		t.Errorf("history = %v", got)
	}
	if got := Sparkline([]int{0, 1, 2, 3}, 3); got != "▁▃▅█" {
		t.Errorf("sparkline = %q", got)
	}
}

func TestGoldenViews(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 48}, {40, 10}} {
		name := filepath.Join("testdata", fmt.Sprintf("health-%dx%d.golden", size.w, size.h))
		t.Run(name, func(t *testing.T) {
			m := newModel()
			m, _ = m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
			m, _ = m.Update(press("enter"))
			m, _ = m.Update(press("enter"))
			got := m.(Model).Render()
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(name, []byte(got), 0o644)
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (go test -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("view differs (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkRender5000 renders a view of 5,000 targets (target ≤ 10 ms a frame).
func BenchmarkRender5000(b *testing.B) {
	s := health.Snapshot{Time: t0}
	for i := range 5000 {
		s.Rows = append(s.Rows, health.Row{Namespace: "ns", Ingress: "app", LoadBalancer: fmt.Sprintf("alb-%d", i/100), TargetGroup: fmt.Sprintf("tg-%d", i/10),
			TargetType: "ip", Target: fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250), State: "healthy", Pod: fmt.Sprintf("pod-%d", i), Zone: "us-west-2a"})
	}
	var m tea.Model = New(context.Background(), nil, Header{}, DefaultKeyMap(), func() time.Time { return t0 })
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	m, _ = m.Update(SnapshotMsg{Snapshot: s})
	m, _ = m.Update(press(":"))
	m = typeText(m, "pods")
	m, _ = m.Update(press("enter"))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.(Model).Render()
	}
}
