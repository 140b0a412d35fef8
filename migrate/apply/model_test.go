package apply

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/plan"
)

// TestWaitStopsWhenTheControllerBuildsOtherTargetGroups: the plan waits
// for target group k8s-shop-web-ip, but the controller's own model of the
// group (its dry-run-plan annotation) has another: the wait stops at once
// instead of waiting out its timeout, unless told to accept that.
func TestWaitStopsWhenTheControllerBuildsOtherTargetGroups(t *testing.T) {
	model := `{"id":"shop","resources":{"AWS::ElasticLoadBalancingV2::TargetGroup":{"shop/web-ip-web:http":{"spec":{"name":"k8s-shop-web-0ther0ther"}}}}}`
	copyIng := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-ip", Annotations: map[string]string{lbc.PlanAnnotation: model}}}
	p := fixturePlan()
	p.Groups = []plan.Group{{Name: "shop", Members: []plan.Member{{Namespace: "shop", Name: "web", Ingress: "web-ip"}}}}
	p.Replacements = append(p.Replacements, plan.Replacement{Phase: plan.PhaseCreate, Action: plan.Create, Kind: "TargetGroup", Name: "k8s-shop-web-ip", Group: "shop"})
	st := plan.Step{Op: plan.OpWaitHealthy, Objects: []topology.ObjectRef{{Kind: "TargetGroup", Name: "k8s-shop-web-ip"}}}

	h := newHarness(t, []runtime.Object{copyIng})
	h.elb.OnDescribeTGs = func(int, *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error) {
		return nil, notFound("TargetGroupNotFound")
	}
	err := New(h.options(p, nil)).waitHealthyStep(context.Background(), st)
	var ee *exitcode.Error
	if !errors.As(err, &ee) || ee.Code != exitcode.CheckFailed || !strings.Contains(err.Error(), "k8s-shop-web-0ther0ther") || !strings.Contains(err.Error(), "never exist") {
		t.Fatalf("err = %v, want a check failure naming the controller's target group", err)
	}
	if h.clock.Sleeps() != 0 {
		t.Errorf("slept %d times before stopping", h.clock.Sleeps())
	}

	h = newHarness(t, []runtime.Object{copyIng})
	h.elb.OnDescribeTGs = func(int, *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error) {
		return nil, notFound("TargetGroupNotFound")
	}
	o := h.options(p, nil)
	o.AcceptControllerModel, o.WaitTimeout = true, 30*time.Second
	err = New(o).waitHealthyStep(context.Background(), st)
	if err == nil || strings.Contains(err.Error(), "never exist") || h.clock.Sleeps() == 0 {
		t.Errorf("--accept-controller-model: err = %v after %d sleeps, want the wait to run out", err, h.clock.Sleeps())
	}

	// Without the annotation (the controller does not write its model) the
	// wait goes on as before.
	h = newHarness(t, []runtime.Object{&networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-ip"}}})
	h.elb.OnDescribeTGs = func(int, *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error) {
		return nil, notFound("TargetGroupNotFound")
	}
	o = h.options(p, nil)
	o.WaitTimeout = 30 * time.Second
	if err := New(o).waitHealthyStep(context.Background(), st); err == nil || h.clock.Sleeps() == 0 {
		t.Errorf("no model: err = %v after %d sleeps, want the wait to run out", err, h.clock.Sleeps())
	}
}
