package apply

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/plan"
)

func waitMessages(h *harness) []string {
	var out []string
	for _, ev := range h.Events(EventWait) {
		out = append(out, ev.Message)
	}
	return out
}

// polled answers the typed client's gets of one resource from answers, one
// per poll, the last one for good; it counts the polls.
func polled[T runtime.Object](h *harness, resource string, answers ...T) *int {
	n := new(int)
	h.kube.PrependReactor("get", resource, func(clienttesting.Action) (bool, runtime.Object, error) {
		i := min(*n, len(answers)-1)
		*n++
		return true, answers[i], nil
	})
	return n
}

func TestWaitRolloutPollsUntilDone(t *testing.T) {
	h := newHarness(t, nil)
	deploy := func(gen, observed int64, updated, ready int32) *appsv1.Deployment {
		two := int32(2)
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Generation: gen}, Spec: appsv1.DeploymentSpec{Replicas: &two},
			Status: appsv1.DeploymentStatus{ObservedGeneration: observed, Replicas: 2, UpdatedReplicas: updated, ReadyReplicas: ready, AvailableReplicas: ready}}
	}
	polls := polled(h, "deployments",
		deploy(4, 3, 2, 2), // the new generation not observed yet
		deploy(4, 4, 1, 2), // rolling
		deploy(4, 4, 2, 1), // updated, one not ready (its readiness gate)
		deploy(4, 4, 2, 2), // done
	)
	e := New(h.options(fixturePlan(), nil))
	if err := e.waitRollout(context.Background(), refDeploy); err != nil {
		t.Fatal(err)
	}
	if *polls != 4 || h.clock.Sleeps() != 3 {
		t.Errorf("%d polls, %d sleeps; want 4, 3", *polls, h.clock.Sleeps())
	}
	if got := h.clock.Now().Sub(t0); got != 30*time.Second {
		t.Errorf("waited %s of fake time, want 30s", got)
	}
	want := []string{
		"rollout of Deployment shop/web: waiting for the new generation to be observed",
		"rollout of Deployment shop/web: 1 of 2 replicas updated",
		"rollout of Deployment shop/web: 1 of 2 updated replicas ready (readiness gates included)",
	}
	if diff := cmp.Diff(want, waitMessages(h)); diff != "" {
		t.Errorf("wait events (-want +got):\n%s", diff)
	}
}

func ingressWithAddress(dns string) *networkingv1.Ingress {
	in := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "web-ip", Namespace: "shop"}}
	if dns != "" {
		in.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{Hostname: dns}}
	}
	return in
}

func TestWaitIngressAddressUntilTheALBIsActive(t *testing.T) {
	h := newHarness(t, nil)
	polls := polled(h, "ingresses", ingressWithAddress(""), ingressWithAddress(newDNS))
	states := []elbv2types.LoadBalancerStateEnum{"", elbv2types.LoadBalancerStateEnumProvisioning, elbv2types.LoadBalancerStateEnumActive}
	h.elb.OnDescribeLBs = func(n int, _ *elbv2.DescribeLoadBalancersInput) (*elbv2.DescribeLoadBalancersOutput, error) {
		if n == 1 { // the controller has not made it yet
			return &elbv2.DescribeLoadBalancersOutput{}, nil
		}
		lb := activeLB("k8s-shop-9876543210", "K8S-SHOP-9876543210.us-west-2.elb.amazonaws.com") // DNS names compare case-insensitively
		lb.State.Code = states[min(n-1, len(states)-1)]
		return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbv2types.LoadBalancer{lb}}, nil
	}
	e := New(h.options(fixturePlan(), nil))
	if err := e.waitIngressAddress(context.Background(), refCopy); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Ingress shop/web-ip has an active ALB: the controller has not given it an address yet",
		"Ingress shop/web-ip has an active ALB: no ALB answers to " + newDNS + " yet",
		"Ingress shop/web-ip has an active ALB: ALB k8s-shop-9876543210 is provisioning",
	}
	if diff := cmp.Diff(want, waitMessages(h)); diff != "" {
		t.Errorf("wait events (-want +got):\n%s", diff)
	}
	if *polls != 4 || h.clock.Sleeps() != 3 {
		t.Errorf("%d polls, %d sleeps; want 4, 3", *polls, h.clock.Sleeps())
	}
}

func TestWaitIngressAddressTimesOut(t *testing.T) {
	h := newHarness(t, nil)
	polls := polled(h, "ingresses", ingressWithAddress(""))
	e := New(h.options(fixturePlan(), nil)) // WaitTimeout 1m, Poll 10s
	start := time.Now()
	err := e.waitIngressAddress(context.Background(), refCopy)
	var xe *exitcode.Error
	if !errors.As(err, &xe) || xe.Code != exitcode.CheckFailed {
		t.Fatalf("err = %v, want a failed check", err)
	}
	if want := "timed out after 1m0s waiting for Ingress shop/web-ip has an active ALB: the controller has not given it an address yet"; xe.Msg != want {
		t.Errorf("message %q\nwant %q", xe.Msg, want)
	}
	// Polls at 0s, 10s … 70s: the first past the deadline gives up.
	if *polls != 8 || h.clock.Sleeps() != 7 {
		t.Errorf("%d polls, %d sleeps; want 8, 7", *polls, h.clock.Sleeps())
	}
	if n := len(waitMessages(h)); n != 1 {
		t.Errorf("%d wait events for one unchanged reason, want 1", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the wait took %s of real time", d)
	}
	if calls := h.elb.Calls(); len(calls) != 0 {
		t.Errorf("ELB read before the Ingress had an address: %v", calls)
	}
}

func TestUntilStopsWhenSleepIsInterrupted(t *testing.T) {
	h := newHarness(t, nil)
	polled(h, "ingresses", ingressWithAddress(""))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := New(h.options(fixturePlan(), nil))
	err := e.waitIngressAddress(ctx, refCopy)
	if !errors.Is(err, exitcode.ErrInterrupted) {
		t.Errorf("err = %v, want ErrInterrupted", err)
	}
}

func TestWaitHealthyStep(t *testing.T) {
	h := newHarness(t, nil)
	tgARN := "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/k8s-shop-web-ip/1"
	h.elb.OnDescribeTGs = func(n int, in *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error) {
		if n == 1 {
			return nil, notFound("TargetGroupNotFound")
		}
		return &elbv2.DescribeTargetGroupsOutput{TargetGroups: []elbv2types.TargetGroup{{TargetGroupArn: aws.String(tgARN), TargetGroupName: aws.String(in.Names[0])}}}, nil
	}
	target := func(s elbv2types.TargetHealthStateEnum) elbv2types.TargetHealthDescription {
		return elbv2types.TargetHealthDescription{TargetHealth: &elbv2types.TargetHealth{State: s}}
	}
	rounds := [][]elbv2types.TargetHealthDescription{
		{target(elbv2types.TargetHealthStateEnumInitial), target(elbv2types.TargetHealthStateEnumInitial)},
		{target(elbv2types.TargetHealthStateEnumHealthy), target(elbv2types.TargetHealthStateEnumUnhealthy)},
		{target(elbv2types.TargetHealthStateEnumHealthy), target(elbv2types.TargetHealthStateEnumHealthy), target(elbv2types.TargetHealthStateEnumDraining)},
	}
	h.elb.OnHealth = func(n int, in *elbv2.DescribeTargetHealthInput) (*elbv2.DescribeTargetHealthOutput, error) {
		if aws.ToString(in.TargetGroupArn) != tgARN {
			t.Errorf("health of %s", aws.ToString(in.TargetGroupArn))
		}
		return &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: rounds[min(n-1, len(rounds)-1)]}, nil
	}
	e := New(h.options(fixturePlan(), nil))
	st := plan.Step{Op: plan.OpWaitHealthy, Objects: []topology.ObjectRef{{Kind: "TargetGroup", Name: "k8s-shop-web-ip"}, {Kind: "Ingress", Namespace: "shop", Name: "web-ip"}}}
	if err := e.waitHealthyStep(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"target groups k8s-shop-web-ip healthy: k8s-shop-web-ip does not exist yet",
		"target groups k8s-shop-web-ip healthy: k8s-shop-web-ip: 2 initial",
		"target groups k8s-shop-web-ip healthy: k8s-shop-web-ip: 1 healthy, 1 unhealthy",
	}
	if diff := cmp.Diff(want, waitMessages(h)); diff != "" {
		t.Errorf("wait events (-want +got):\n%s", diff)
	}
	var health []TargetCounts
	for _, ev := range h.Events(EventHealth) {
		health = append(health, *ev.Health)
	}
	wantHealth := []TargetCounts{{Initial: 2}, {Healthy: 1, Unhealthy: 1}, {Healthy: 2, Draining: 1}}
	if diff := cmp.Diff(wantHealth, health); diff != "" {
		t.Errorf("health events (-want +got):\n%s", diff)
	}
	if h.clock.Sleeps() != 3 {
		t.Errorf("%d sleeps, want 3", h.clock.Sleeps())
	}
}
