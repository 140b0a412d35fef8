package health

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

func snap(rows ...Row) Snapshot { return Snapshot{Time: time.Unix(0, 0), Rows: rows} }

func TestDiff(t *testing.T) {
	prev := snap(Row{TargetGroup: "tg", Target: "a:1", State: "healthy"}, Row{TargetGroup: "tg", Target: "b:1", State: "healthy"})
	cur := snap(Row{TargetGroup: "tg", Target: "a:1", State: "unhealthy", Reason: "Target.Timeout"}, Row{TargetGroup: "tg", Target: "c:1", State: "initial"})
	got := Diff(prev, cur)
	want := []Event{
		{Time: cur.Time, TargetGroup: "tg", Target: "a:1", From: "healthy", To: "unhealthy", Reason: "Target.Timeout"},
		{Time: cur.Time, TargetGroup: "tg", Target: "c:1", From: "", To: "initial"},
		{Time: cur.Time, TargetGroup: "tg", Target: "b:1", From: "healthy", To: "gone"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if len(Diff(cur, cur)) != 0 {
		t.Error("no change should give no events")
	}
}

func TestFailingAndHealthy(t *testing.T) {
	s := snap(Row{Target: "a", State: "healthy"}, Row{Target: "b", State: "draining"}, Row{Target: "c", State: "initial"})
	for _, tc := range []struct {
		f    FailOn
		want int
	}{{FailUnhealthy, 0}, {FailDraining, 1}, {FailAny, 2}} {
		if got := len(s.Failing(tc.f)); got != tc.want {
			t.Errorf("Failing(%s) = %d, want %d", tc.f, got, tc.want)
		}
	}
	if s.Healthy() {
		t.Error("an initial target is not healthy yet")
	}
	if !snap(Row{State: "healthy"}, Row{State: "draining"}).Healthy() {
		t.Error("healthy plus draining is healthy (draining finishes on its own)")
	}
	if snap().Healthy() {
		t.Error("no targets is not healthy")
	}
}

func TestGroupProblems(t *testing.T) {
	rows := []Row{
		{Target: "a", Zone: "z1", State: "healthy"},
		{Target: "b", Zone: "z2", State: "unhealthy"},
		{Target: "c", Zone: "z2", State: "unhealthy"},
	}
	markGroupProblems(rows)
	if len(rows[0].Problems) != 0 || rows[1].Problems[0] != ProblemZoneDown {
		t.Errorf("zone problems: %+v", rows)
	}
	down := []Row{{Target: "a", State: "unhealthy"}, {Target: "b", State: "draining"}}
	markGroupProblems(down)
	if len(down[0].Problems) != 1 || down[0].Problems[0] != ProblemFailOpen || len(down[1].Problems) != 0 {
		t.Errorf("fail open: %+v", down)
	}
}

// Without AWS, the rows are the backends' pods with their Kubernetes side
// and state unknown.
func TestKubeOnlyRows(t *testing.T) {
	objs, err := kube.ReadFiles([]string{"testdata/kube-only.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = "prod"
	s := Build(topology.Build(objs, nil, topology.Options{Defaults: d}), time.Unix(0, 0), nil)
	var got []string
	for _, r := range s.Rows {
		if r.LoadBalancer == "" || r.TargetGroup == "" || r.TargetType != "ip" {
			t.Errorf("row lacks the predicted load balancer, target group or type: %+v", r)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %s ready=%v", r.Target, r.State, r.Reason, r.Pod, r.Zone, *r.PodReady))
	}
	want := []string{
		"10.0.1.20 unknown AWS.NotRead shop-1 us-west-2a ready=true",
		"10.0.1.21 unknown AWS.NotRead shop-2 us-west-2a ready=false",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if s.Healthy() || len(s.Failing(FailUnhealthy)) != 0 {
		t.Errorf("unknown targets are neither healthy nor failing unhealthy: %v", s.Count())
	}
}
