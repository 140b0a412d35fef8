package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/plan"
)

// TestDryRunWaitsForNothing: with --dry-run=server every write is sent as a
// dry run and says so, and each wait is reported as what it would wait for
// and skipped (nothing it waits for was made), so the run takes no time.
func TestDryRunWaitsForNothing(t *testing.T) {
	h := fixtureHarness(t)
	p := fixturePlan()
	p.Phases[1].Steps = append(p.Phases[1].Steps, plan.Step{Op: plan.OpWaitHealthy, Action: "wait for the new target groups",
		WaitFor: "target group k8s-shop-web-ip healthy", Objects: []topology.ObjectRef{{Kind: "TargetGroup", Name: "k8s-shop-web-ip"}}})
	p.Phases[3].Steps = append(p.Phases[3].Steps, plan.Step{Op: plan.OpVerifyGone, Action: "the old ALB is deleted",
		Objects: []topology.ObjectRef{{Kind: "LoadBalancer", Name: "k8s-shop-web-0123456789"}}})
	o := h.options(p, fixtureFiles())
	o.DryRun = true
	if err := New(o).Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if h.clock.Sleeps() != 0 {
		t.Errorf("a dry run slept %d times", h.clock.Sleeps())
	}
	for _, c := range h.elb.Calls() {
		if c == "DescribeTargetGroups" || c == "DescribeTargetHealth" {
			t.Errorf("a dry run polled AWS (%s) for objects it never made", c)
		}
	}
	var waits, writes []string
	for _, ev := range h.Events(EventWait) {
		waits = append(waits, ev.Message)
	}
	for _, ev := range h.Events(EventWrite) {
		writes = append(writes, ev.Message)
	}
	if len(waits) != 2 || !strings.Contains(waits[0], "dry run: would wait for target group k8s-shop-web-ip healthy") || !strings.Contains(waits[1], "k8s-shop-web-0123456789") {
		t.Errorf("wait events %q", waits)
	}
	for _, w := range writes {
		if strings.HasPrefix(w, "applied ") {
			t.Errorf("a dry-run write reads like a real one: %q", w)
		}
	}
}
