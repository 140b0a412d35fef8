package apply

import (
	"context"
	"slices"
	"strings"
	"testing"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/lbctl/lbctl/migrate/plan"
)

// migrated runs the fixture plan to the end, then forgets the calls it
// made; the new ALB is gone once the copy is, as the controller would do.
func migrated(t *testing.T) (*harness, *plan.Plan) {
	t.Helper()
	h := fixtureHarness(t)
	p := fixturePlan()
	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	h.dyn.ClearActions()
	h.elb.LBs = []elbv2types.LoadBalancer{activeLB("k8s-shop-web-0123456789", oldDNS)}
	h.mu.Lock()
	h.events = nil
	h.mu.Unlock()
	return h, p
}

func rollbackObjects(h *harness) []string {
	var out []string
	for _, ev := range h.Events(EventRollback) {
		out = append(out, ev.Object)
	}
	return out
}

func TestRollbackRestoresEveryWriteNewestFirst(t *testing.T) {
	h, p := migrated(t)
	e := New(h.options(p, fixtureFiles()))
	if err := e.Rollback(context.Background(), ""); err != nil {
		t.Fatal(err)
	}

	// Newest first, the restart last: re-create the deleted Ingress, delete
	// the copy lbctl created, put the Service back, then the Deployment.
	want := []string{
		"create ingresses shop/web",
		"delete ingresses shop/web-ip",
		"update services shop/web",
		"update deployments shop/web",
	}
	if diff := cmp.Diff(want, h.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Ingress shop/web", "Ingress shop/web-ip", "Service shop/web", "Deployment shop/web"}, rollbackObjects(h)); diff != "" {
		t.Errorf("rollback events (-want +got):\n%s", diff)
	}

	old := h.object(refOld)
	if old == nil {
		t.Fatal("the old Ingress was not re-created")
	}
	if old.GetUID() != "" || old.GetResourceVersion() != "" {
		t.Errorf("re-created with the old uid %q / resourceVersion %q", old.GetUID(), old.GetResourceVersion())
	}
	if diff := cmp.Diff(map[string]string{"alb.ingress.kubernetes.io/target-type": "instance"}, old.GetAnnotations()); diff != "" {
		t.Errorf("re-created annotations (-want +got):\n%s", diff)
	}
	if _, ok := old.Object["spec"].(map[string]any)["defaultBackend"]; !ok {
		t.Error("re-created without its spec")
	}
	if h.object(refCopy) != nil {
		t.Error("the copy lbctl created is still there")
	}
	svc := h.object(refService)
	if diff := cmp.Diff(map[string]string{"team": "shop"}, svc.GetAnnotations()); diff != "" {
		t.Errorf("Service annotations (-want +got):\n%s", diff)
	}
	if ip, _, _ := unstructured.NestedString(svc.Object, "spec", "clusterIP"); ip != "10.100.0.10" {
		t.Errorf("Service clusterIP %q, want it kept", ip)
	}
	if at := restartedAt(t, h.object(refDeploy)); at != "" {
		t.Errorf("Deployment still has restartedAt %q", at)
	}

	j := h.journal(e.ID())
	if j.State != StateRolledBack || j.Message != "every write restored" {
		t.Errorf("journal %s %q", j.State, j.Message)
	}
	if got := stepStates(j); got != "pending,pending,pending,pending" {
		t.Errorf("steps %s", got)
	}
	for _, s := range j.Steps {
		if s.Start != nil || s.End != nil {
			t.Errorf("step %d keeps its times", s.Index)
		}
	}
	if len(j.Writes) != 0 || len(j.Restarts) != 0 {
		t.Errorf("journal keeps %d writes, restarts %v", len(j.Writes), j.Restarts)
	}
	// The ALB the migration created was checked gone, by name.
	if !slices.Contains(h.elb.Calls(), "DescribeLoadBalancers k8s-shop-9876543210") {
		t.Errorf("the created ALB was not checked: calls %v", h.elb.Calls())
	}

	// Rolled back, the plan can be applied again from the start.
	h.dyn.ClearActions()
	h.elb.LBs = append(h.elb.LBs, activeLB("k8s-shop-9876543210", newDNS))
	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if n := len(h.writes()); n != 4 {
		t.Errorf("apply after rollback made %d writes, want 4", n)
	}
}

// TestRollbackWaitsForTheCreatedALB: the rollback is not done while an ALB
// the migration created is still there.
func TestRollbackWaitsForTheCreatedALB(t *testing.T) {
	h, p := migrated(t)
	var byName []string
	h.elb.OnDescribeLBs = func(n int, in *elbv2.DescribeLoadBalancersInput) (*elbv2.DescribeLoadBalancersOutput, error) {
		if len(in.Names) == 0 {
			return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbv2types.LoadBalancer{activeLB("k8s-shop-web-0123456789", oldDNS)}}, nil
		}
		byName = append(byName, in.Names...)
		if len(byName) < 3 {
			lb := activeLB(in.Names[0], newDNS)
			return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbv2types.LoadBalancer{lb}}, nil
		}
		return nil, notFound("LoadBalancerNotFound")
	}
	e := New(h.options(p, fixtureFiles()))
	if err := e.Rollback(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"k8s-shop-9876543210", "k8s-shop-9876543210", "k8s-shop-9876543210"}, byName); diff != "" {
		t.Errorf("ALBs asked for (-want +got):\n%s", diff)
	}
	if h.clock.Sleeps() != 2 {
		t.Errorf("%d polls slept, want 2", h.clock.Sleeps())
	}
	var waits []string
	for _, ev := range h.Events(EventWait) {
		waits = append(waits, ev.Message)
	}
	if diff := cmp.Diff([]string{"the old load balancers and target groups are deleted: LoadBalancer k8s-shop-9876543210 still exists"}, waits); diff != "" {
		t.Errorf("wait events (-want +got):\n%s", diff)
	}
	if j := h.journal(e.ID()); j.State != StateRolledBack {
		t.Errorf("journal %s", j.State)
	}
}

// TestRollbackStopsAtAFailedRestore: the restores before the failure are
// recorded, the journal says why it stopped, and the next rollback
// restores only what is left.
func TestRollbackStopsAtAFailedRestore(t *testing.T) {
	h, p := migrated(t)
	failOnce(&h.dyn.Fake, "update", "services", "web", forbidden("web"))
	e := New(h.options(p, fixtureFiles()))
	err := e.Rollback(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "restore Service shop/web") {
		t.Fatalf("err = %v, want the Service's restore error", err)
	}
	want := []string{
		"create ingresses shop/web",
		"delete ingresses shop/web-ip",
		"update services shop/web", // refused
	}
	if diff := cmp.Diff(want, h.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	j := h.journal(e.ID())
	if j.State != StateRollingBack || !strings.Contains(j.Message, "restore Service shop/web") {
		t.Errorf("journal %s %q, want rolling-back with the error", j.State, j.Message)
	}
	wantWrites := append([]writeView(nil), fullWrites...)
	wantWrites[1].Restored, wantWrites[3].Restored = true, true
	if diff := cmp.Diff(wantWrites, viewWrites(j.Writes)); diff != "" {
		t.Errorf("journal writes (-want +got):\n%s", diff)
	}
	if got := stepStates(j); got != "done,done,done,done" {
		t.Errorf("steps %s, want untouched until the rollback ends", got)
	}
	if n := len(h.Events(EventStopped)); n != 1 {
		t.Errorf("%d stopped events, want 1", n)
	}

	// Apply refuses a half rolled back migration.
	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), true); err == nil || !strings.Contains(err.Error(), "being rolled back") {
		t.Errorf("apply during a rollback: %v", err)
	}

	h.dyn.ClearActions()
	if err := New(h.options(p, fixtureFiles())).Rollback(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"update services shop/web", "update deployments shop/web"}, h.writes()); diff != "" {
		t.Errorf("writes of the second rollback (-want +got):\n%s", diff)
	}
	if j := h.journal(e.ID()); j.State != StateRolledBack || len(j.Writes) != 0 {
		t.Errorf("journal %s with %d writes", j.State, len(j.Writes))
	}
}

func TestRollbackToAPhaseKeepsItsWrites(t *testing.T) {
	h, p := migrated(t)
	e := New(h.options(p, fixtureFiles()))
	if err := e.Rollback(context.Background(), plan.PhaseCreate); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"create ingresses shop/web", "update deployments shop/web"}, h.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	j := h.journal(e.ID())
	if j.State != StateStopped || j.Message != "rolled back to after phase create" {
		t.Errorf("journal %s %q", j.State, j.Message)
	}
	if got := stepStates(j); got != "done,done,pending,pending" {
		t.Errorf("steps %s", got)
	}
	if diff := cmp.Diff(fullWrites[:2], viewWrites(j.Writes)); diff != "" {
		t.Errorf("journal writes (-want +got):\n%s", diff)
	}
	if h.object(refCopy) == nil {
		t.Error("the copy of phase create was removed")
	}
	if slices.Contains(h.elb.Calls(), "DescribeLoadBalancers k8s-shop-9876543210") {
		t.Error("a partial rollback waited for the ALB phase create made")
	}
}
