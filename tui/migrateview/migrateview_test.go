package migrateview

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
)

func testPlan() *plan.Plan {
	return &plan.Plan{Phases: []plan.Phase{
		{Name: plan.PhasePreflight, Steps: []plan.Step{{Op: plan.OpCheck, Action: "check subnets"}}},
		{Name: plan.PhaseCreate, Steps: []plan.Step{{Op: plan.OpApply, Action: "create the ip-mode copies in new group team-a"}}},
		{Name: plan.PhaseRestart, Steps: []plan.Step{}},
		{Name: plan.PhaseWait, Steps: []plan.Step{{Op: plan.OpWaitHealthy, Action: "wait until group team-a's 3 new target groups are healthy"}}},
	}}
}

func feed(m Model, ev apply.Event) Model {
	nm, _ := m.Update(EventMsg(ev))
	return nm.(Model)
}

func TestProgressFollowsEvents(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m := New("lbctl migrate abc", testPlan(), map[int]bool{0: true}, t0)
	if got := m.Render(); !strings.Contains(got, "1/3 steps") || !strings.Contains(got, "✓ preflight") {
		t.Fatalf("a resumed run shows the journal's done steps:\n%s", got)
	}
	m = feed(m, apply.Event{Time: t0.Add(time.Second), Type: apply.EventStep, Step: 1, Op: plan.OpApply, Message: "create the ip-mode copies in new group team-a"})
	m = feed(m, apply.Event{Time: t0.Add(2 * time.Second), Type: apply.EventWrite, Step: 1, Message: "applied Ingress team-a/cart-ip"})
	m = feed(m, apply.Event{Time: t0.Add(3 * time.Second), Type: apply.EventWait, Step: 1, Message: "Ingress team-a/cart-ip has an active ALB: the controller has not given it an address yet"})
	got := m.Render()
	for _, want := range []string{"step 1 [apply] create the ip-mode copies", "waiting: Ingress team-a/cart-ip has an active ALB", "1 writes", "applied Ingress team-a/cart-ip", "3s"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	m = feed(m, apply.Event{Time: t0.Add(4 * time.Second), Type: apply.EventStepDone, Step: 1})
	m = feed(m, apply.Event{Time: t0.Add(5 * time.Second), Type: apply.EventStep, Step: 2, Op: plan.OpWaitHealthy, Message: "wait"})
	got = m.Render()
	if !strings.Contains(got, "✓ create") || !strings.Contains(got, "✓ restart") {
		t.Errorf("finished and empty phases before the running one are ticked:\n%s", got)
	}
	if strings.Contains(got, "waiting: Ingress") {
		t.Errorf("the last step's wait is still shown:\n%s", got)
	}
	nm, cmd := m.Update(DoneMsg{Err: errors.New("timed out after 10m0s waiting for target groups healthy")})
	if cmd == nil {
		t.Error("the view does not quit when the run ends")
	}
	if got := nm.(Model).Render(); !strings.Contains(got, "stopped: timed out") {
		t.Errorf("the stop reason is not shown:\n%s", got)
	}
}

// Target-group polls draw a sparkline per new target group with the latest
// counts; the verification load shows its error rate, all and last second.
func TestHealthSparklineAndVerification(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m := New("lbctl migrate abc", testPlan(), nil, t0)
	m = feed(m, apply.Event{Time: t0, Type: apply.EventStep, Step: 2, Op: plan.OpWaitHealthy, Message: "wait"})
	for i, c := range []apply.TargetCounts{{Initial: 2}, {Healthy: 1, Initial: 1}, {Healthy: 2}, {Healthy: 2}} {
		m = feed(m, apply.Event{Time: t0.Add(time.Duration(i) * time.Second), Type: apply.EventHealth, Object: "TargetGroup/k8s-teama-cartip-0123456789", Health: &c})
	}
	m = feed(m, apply.Event{Time: t0.Add(5 * time.Second), Type: apply.EventHealth, Object: "TargetGroup/k8s-teama-shopip-9876543210", Health: &apply.TargetCounts{Healthy: 1, Unhealthy: 1}})
	got := m.Render()
	for _, want := range []string{"k8s-teama-cartip-0123456789", "▁▅██", "2 healthy · 0 unhealthy · 0 initial", "k8s-teama-shopip-9876543210", "1 healthy · 1 unhealthy"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "verification load") {
		t.Errorf("a verification line without a verification load:\n%s", got)
	}
	m = feed(m, apply.Event{Time: t0.Add(6 * time.Second), Type: apply.EventVerify, Verify: &apply.VerifyProgress{Requests: 100, Errors: 0, WindowRequests: 50, P99Ms: 3.2}})
	m = feed(m, apply.Event{Time: t0.Add(7 * time.Second), Type: apply.EventVerify, Verify: &apply.VerifyProgress{Requests: 200, Errors: 5, WindowRequests: 50, WindowErrors: 5, P99Ms: 9.9}})
	got = m.Render()
	for _, want := range []string{"verification load errors", "2.50% of 200", "last second 10.0%", "p99 9.9 ms", "▁▂"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	// Samples are not log lines.
	if strings.Contains(got, "verification load: 200 requests") {
		t.Errorf("a sample went to the event log:\n%s", got)
	}
}
