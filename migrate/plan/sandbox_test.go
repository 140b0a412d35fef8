package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// TestSandboxDefaultScenario plans the sandbox's default world: two teams,
// six apps, each on its own ALB in instance mode. team-b/api is internal
// and so cannot join its internet-facing teammates: the plan splits it into
// its own group, deterministically, and says why.
func TestSandboxDefaultScenario(t *testing.T) {
	plan := func() *Plan {
		objs, err := scenarios.Load("default")
		if err != nil {
			t.Fatal(err)
		}
		d := lbc.DefaultDefaults()
		d.ClusterName = "sandbox"
		return Build(topology.Build(objs, nil, topology.Options{Defaults: d}), Options{})
	}
	p := plan()
	got := map[string][]string{}
	for _, g := range p.Groups {
		for _, m := range g.Members {
			got[g.Name+" "+g.Scheme] = append(got[g.Name+" "+g.Scheme], m.Namespace+"/"+m.Name+"→"+m.Ingress)
		}
	}
	want := map[string][]string{
		"team-a internet-facing":   {"team-a/cart→cart-ip", "team-a/checkout→checkout-ip", "team-a/storefront→storefront-ip"},
		"team-b internet-facing":   {"team-b/recommendations→recommendations-ip", "team-b/search→search-ip"},
		"team-b-internal internal": {"team-b/api→api-ip"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	parts := findingsWith(p, CodeGroupPartition)
	if len(parts) != 1 || parts[0].Objects[len(parts[0].Objects)-1].Name != "api" {
		t.Errorf("want one partition finding naming team-b/api, got %+v", parts)
	}
	if p.HasErrors() {
		t.Errorf("no error expected: %+v", p.Findings)
	}
	e := p.Estimates
	if e.ALBsBefore != 6 || e.ALBsAfter != 3 || e.IngressesMoved != 6 || e.BackendsToIP != 6 {
		t.Errorf("estimates = %+v", e)
	}
	// team-a is labelled already; team-b gets the label in phase 2.
	if st := p.Phases[1].Steps[0]; len(st.Objects) != 1 || st.Objects[0].Name != "team-b" {
		t.Errorf("first create step = %+v", st)
	}
	if string(planJSON(t, plan())) != string(planJSON(t, p)) {
		t.Error("the plan is not deterministic")
	}
}

// TestEveryStepHasAnOp: migrate apply executes by Op, so no step may lack
// one, and shift steps carry their weight.
func TestEveryStepHasAnOp(t *testing.T) {
	objs, err := scenarios.Load("default")
	if err != nil {
		t.Fatal(err)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = "sandbox"
	p := Build(topology.Build(objs, nil, topology.Options{Defaults: d}), Options{Steps: []int{25, 100}})
	known := map[string]bool{OpCheck: true, OpApply: true, OpDelete: true, OpRestart: true, OpWaitHealthy: true, OpManual: true, OpVerifyGone: true, OpVerifyMoved: true}
	var weights []int
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if !known[st.Op] {
				t.Errorf("phase %s step %q has op %q", ph.Name, st.Action, st.Op)
			}
			if (st.Op == OpApply || st.Op == OpDelete) && st.Manifest == "" {
				t.Errorf("phase %s step %q writes without a manifest", ph.Name, st.Action)
			}
			if ph.Name == PhaseShift {
				weights = append(weights, st.Weight)
			}
		}
	}
	if diff := cmp.Diff([]int{25, 100, 25, 100, 25, 100}, weights); diff != "" {
		t.Errorf("shift weights (-want +got):\n%s", diff)
	}
	if len(p.Inputs) != 6+6+1 {
		t.Errorf("inputs = %d, want 6 Ingresses, 6 Services and 1 namespace: %+v", len(p.Inputs), p.Inputs)
	}
}
