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
