package healthview

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/lbctl/lbctl/lbctl/health"
)

// AWS down: the banner says why, and whether the rows are the Kubernetes
// side only or target health as last read; it goes once AWS answers.
func TestAWSDownBanner(t *testing.T) {
	m := newModel()
	s := fixture()
	m, _ = m.Update(SnapshotMsg{Snapshot: s, AWSDown: "dial tcp 127.0.0.1:1: connection refused"})
	if got := m.(Model).Render(); !strings.Contains(got, "AWS unreachable, target health as last read: dial tcp") {
		t.Errorf("no last-read banner:\n%s", got)
	}
	for i := range s.Rows {
		s.Rows[i].State, s.Rows[i].Reason = health.StateUnknown, health.ReasonAWSNotRead
	}
	m, _ = m.Update(SnapshotMsg{Snapshot: s, AWSDown: "no AWS credentials found"})
	got := m.(Model).Render()
	if !strings.Contains(got, "AWS unreachable, Kubernetes side only (target health unknown): no AWS credentials found") {
		t.Errorf("no Kubernetes-only banner:\n%s", got)
	}
	if !strings.Contains(got, "k8s-teama-5e1f") {
		t.Errorf("the Kubernetes side is not shown under the banner:\n%s", got)
	}
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture()})
	if got := m.(Model).Render(); strings.Contains(got, "AWS unreachable") {
		t.Errorf("the banner stays after AWS answered:\n%s", got)
	}
}

// The Kubernetes watch failing: a banner says so and why, beside AWS's
// when both are down; it goes once the watch is answered again.
func TestKubeDownBanner(t *testing.T) {
	m := newModel()
	why := "pods since 07:30:01: dial tcp 127.0.0.1:6443: connect: connection refused"
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture(), KubeDown: why})
	got := m.(Model).Render()
	if !strings.Contains(got, "Kubernetes watch failing, pods as last read: "+why) {
		t.Errorf("no Kubernetes banner:\n%s", got)
	}
	if !strings.Contains(got, "k8s-teama-5e1f") {
		t.Errorf("the last view is not shown under the banner:\n%s", got)
	}
	m, _ = m.Update(tea.WindowSizeMsg{Width: 240, Height: 30})
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture(), KubeDown: why, AWSDown: "no AWS credentials found"})
	if got := m.(Model).Render(); !strings.Contains(got, "Kubernetes watch failing") || !strings.Contains(got, "AWS unreachable, target health as last read: no AWS credentials found") {
		t.Errorf("with both down, the banner does not name both:\n%s", got)
	}
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture()})
	if got := m.(Model).Render(); strings.Contains(got, "Kubernetes watch failing") || strings.Contains(got, "AWS unreachable") {
		t.Errorf("the banner stays after the watch was answered:\n%s", got)
	}
}
