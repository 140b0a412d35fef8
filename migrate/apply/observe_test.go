package apply

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// syncLike makes h's objects what done's are, as a GitOps controller syncing
// the plan's changes would (straight into the store: no client call the
// executor could be blamed for), and stamps the Deployment restarted at.
func syncLike(t *testing.T, done, h *harness, restartedAt time.Time) {
	t.Helper()
	for _, r := range []Ref{refService, refCopy, refDeploy, refOld} {
		gvr := writable[r.Kind]
		want := done.object(r)
		tr := h.dyn.Tracker()
		if want == nil {
			if err := tr.Delete(gvr, r.Namespace, r.Name); err != nil && !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
			continue
		}
		want = want.DeepCopy()
		if r == refDeploy {
			if err := unstructured.SetNestedField(want.Object, restartedAt.UTC().Format(time.RFC3339), "spec", "template", "metadata", "annotations", RestartedAtAnnotation); err != nil {
				t.Fatal(err)
			}
		}
		err := tr.Update(gvr, want, r.Namespace)
		if apierrors.IsNotFound(err) {
			err = tr.Add(want)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestObserveWritesNothingAndWaitsForTheChanges(t *testing.T) {
	ctx := context.Background()
	// What the plan leads to, made by a writing run on a world of its own.
	done := fixtureHarness(t)
	if err := New(done.options(fixturePlan(), fixtureFiles())).Apply(ctx, false); err != nil {
		t.Fatal(err)
	}

	h := fixtureHarness(t)
	opts := h.options(fixturePlan(), fixtureFiles())
	opts.Observe = true
	synced := false
	opts.Sleep = func(ctx context.Context, d time.Duration) error {
		// The other process syncs after the observer has polled twice.
		if !synced && h.clock.Sleeps() == 2 {
			synced = true
			syncLike(t, done, h, h.clock.Now().Add(time.Hour))
		}
		return h.clock.Sleep(ctx, d)
	}
	e := New(opts)
	if err := e.Apply(ctx, false); err != nil {
		t.Fatal(err)
	}
	if !synced {
		t.Fatal("the observer never waited for the other process")
	}
	if w := h.writes(); len(w) != 0 {
		t.Errorf("the observer wrote %v; it must write nothing but its journal", w)
	}
	j := h.journal(e.ID())
	if j.State != StateDone || stepStates(j) != "done,done,done,done" || len(j.Writes) != 0 {
		t.Errorf("journal %s, steps %s, %d writes; want done, every step done, no write", j.State, stepStates(j), len(j.Writes))
	}
	waited := false
	for _, ev := range h.Events(EventWait) {
		if strings.Contains(ev.Message, "(applied by another process): metadata.annotations.alb.ingress.kubernetes.io/target-type is not set yet") {
			waited = true
		}
	}
	if !waited {
		t.Errorf("no wait said what it waited for: %+v", h.Events(EventWait))
	}
	var seen []string
	for _, ev := range h.Events(EventObserved) {
		seen = append(seen, ev.Object)
	}
	if got, want := strings.Join(seen, ","), "Service shop/web,Ingress shop/web-ip,Deployment shop/web,Ingress shop/web"; got != want {
		t.Errorf("observed %s\nwant     %s", got, want)
	}
}

func TestObserveTimesOutWhenNothingSyncs(t *testing.T) {
	h := fixtureHarness(t)
	opts := h.options(fixturePlan(), fixtureFiles())
	opts.Observe = true
	e := New(opts)
	err := e.Apply(context.Background(), false)
	if err == nil || !strings.Contains(err.Error(), "applied by another process") {
		t.Fatalf("Apply = %v, want a timeout naming the wait for the other process", err)
	}
	if w := h.writes(); len(w) != 0 {
		t.Errorf("the observer wrote %v", w)
	}
}

func TestDiffers(t *testing.T) {
	live := map[string]any{
		"metadata": map[string]any{"name": "web", "resourceVersion": "7", "annotations": map[string]any{"a": "1", "b": "2"}},
		"spec": map[string]any{"type": "ClusterIP", "ports": []any{
			map[string]any{"port": int64(80), "protocol": "TCP", "targetPort": int64(8080)},
		}},
	}
	tests := []struct {
		name string
		want map[string]any
		says string
	}{
		{"a subset holds", map[string]any{"metadata": map[string]any{"name": "web", "annotations": map[string]any{"a": "1"}}}, ""},
		{"defaulted list fields are fine, numbers of either kind", map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": 80, "targetPort": 8080}}}}, ""},
		{"server-owned fields are not compared", map[string]any{"metadata": map[string]any{"resourceVersion": "1"}}, ""},
		{"a changed value", map[string]any{"spec": map[string]any{"type": "NodePort"}}, "spec.type is ClusterIP, the plan says NodePort"},
		{"a missing annotation", map[string]any{"metadata": map[string]any{"annotations": map[string]any{"c": "3"}}}, "metadata.annotations.c is not set yet"},
		{"a list of another length", map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": 80}, map[string]any{"port": 443}}}}, "spec.ports has 1 entries, the plan says 2"},
		{"inside a list", map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": 81}}}}, "spec.ports[0].port is 80, the plan says 81"},
	}
	for _, tc := range tests {
		if got := differs(tc.want, live, ""); got != tc.says {
			t.Errorf("%s: differs = %q, want %q", tc.name, got, tc.says)
		}
	}
}
