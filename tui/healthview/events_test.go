package healthview

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func event(typ, reason, msg string, count int32, first, last time.Time) corev1.Event {
	return corev1.Event{Type: typ, Reason: reason, Message: msg, Count: count, Source: corev1.EventSource{Component: "kubelet"},
		FirstTimestamp: metav1.NewTime(first), LastTimestamp: metav1.NewTime(last)}
}

func TestEventLines(t *testing.T) {
	now := t0
	evs := []corev1.Event{
		event("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", 3, now.Add(-time.Minute), now.Add(-12*time.Second)),
		event("Normal", "Scheduled", "Successfully assigned team-a/storefront-0", 1, now.Add(-5*time.Minute), now.Add(-5*time.Minute)),
		event("Normal", "Started", "Started container storefront", 1, now.Add(-4*time.Minute), now.Add(-4*time.Minute)),
	}
	got := EventLines(evs, now, 2)
	want := []string{
		"  Normal   Started             4m                kubelet     Started container storefront",
		"  Warning  Unhealthy           12s (x3 over 60s)  kubelet     Readiness probe failed: HTTP probe failed with statuscode: 503",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("event lines, last 2 oldest first (-want +got):\n%s", diff)
	}
}

// The detail pane of a target shows its pod's last events, read once the
// cursor rests on the pod and again at each refresh.
func TestDetailPaneShowsPodEvents(t *testing.T) {
	var asked []string
	src := func(_ context.Context, ns, pod string) ([]corev1.Event, error) {
		asked = append(asked, ns+"/"+pod)
		return []corev1.Event{event("Warning", "Unhealthy", "Readiness probe failed: 503", 2, t0.Add(-time.Minute), t0.Add(-10*time.Second))}, nil
	}
	var m tea.Model = New(context.Background(), nil, Header{}, DefaultKeyMap(), func() time.Time { return t0 }).WithEvents(src)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 40})
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture()})
	if _, cmd := m.Update(eventsDueMsg{}); cmd != nil {
		t.Error("events asked for with no pod selected")
	}
	m, _ = m.Update(press(":"))
	m = typeText(m, "pods")
	m, cmd := m.Update(press("enter"))
	if cmd == nil || m.(Model).eventsKey != "team-a/storefront-0" {
		t.Fatalf("selecting a pod's target does not ask for its events (key %q)", m.(Model).eventsKey)
	}
	m, fetch := m.Update(eventsDueMsg{Key: "team-a/storefront-0"})
	if fetch == nil {
		t.Fatal("no fetch once the cursor rested")
	}
	m, _ = m.Update(fetch())
	if !cmp.Equal(asked, []string{"team-a/storefront-0"}) {
		t.Errorf("events read for %v", asked)
	}
	got := m.(Model).Render()
	if !strings.Contains(got, "events:") || !strings.Contains(got, "Unhealthy") || !strings.Contains(got, "Readiness probe failed: 503") {
		t.Errorf("the detail pane lacks the pod's events:\n%s", got)
	}
	// A stale answer for another pod is dropped.
	m, _ = m.Update(press("j"))
	m, _ = m.Update(PodEventsMsg{Key: "team-a/storefront-0", Events: []corev1.Event{event("Normal", "Stale", "x", 1, t0, t0)}})
	if strings.Contains(m.(Model).Render(), "Stale") {
		t.Error("events of a pod no longer selected are shown")
	}
}
