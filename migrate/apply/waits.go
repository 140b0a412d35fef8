package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/plan"
)

// until polls cond until it holds, reporting the condition it waits on
// whenever that changes; it gives up after WaitTimeout.
func (e *Executor) until(ctx context.Context, what string, cond func(ctx context.Context) (ok bool, why string, err error)) error {
	deadline := e.o.Now().Add(e.o.WaitTimeout)
	last := ""
	for {
		ok, why, err := cond(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if why != last {
			e.emit(Event{Type: EventWait, Message: what + ": " + why})
			last = why
		}
		if e.o.Now().After(deadline) {
			return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("timed out after %s waiting for %s: %s", e.o.WaitTimeout, what, why),
				fmt.Sprintf("see %[1]s health; continue with %[1]s migrate resume or undo with %[1]s migrate rollback", buildinfo.Command()), nil)
		}
		if err := e.o.Sleep(ctx, e.o.Poll); err != nil {
			return fmt.Errorf("%w: waiting for %s", exitcode.ErrInterrupted, what)
		}
	}
}

func awsCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// loadBalancers lists every load balancer by DNS name.
func (e *Executor) loadBalancers(ctx context.Context) (map[string]elbv2types.LoadBalancer, error) {
	out := map[string]elbv2types.LoadBalancer{}
	p := elbv2.NewDescribeLoadBalancersPaginator(e.o.ELB, &elbv2.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeLoadBalancers: %w", err)
		}
		for _, lb := range page.LoadBalancers {
			out[strings.ToLower(aws.ToString(lb.DNSName))] = lb
		}
	}
	return out, nil
}

// waitIngressAddress waits until the Ingress has an address and its ALB is
// active.
func (e *Executor) waitIngressAddress(ctx context.Context, r Ref) error {
	return e.until(ctx, r.String()+" has an active ALB", func(ctx context.Context) (bool, string, error) {
		in, err := e.o.Kube.NetworkingV1().Ingresses(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", fmt.Errorf("read %s: %w", r, err)
		}
		st := in.Status.LoadBalancer.Ingress
		if len(st) == 0 || st[0].Hostname == "" {
			return false, "the controller has not given it an address yet", nil
		}
		lbs, err := e.loadBalancers(ctx)
		if err != nil {
			return false, "", err
		}
		lb, ok := lbs[strings.ToLower(st[0].Hostname)]
		if !ok {
			return false, "no ALB answers to " + st[0].Hostname + " yet", nil
		}
		if lb.State != nil && lb.State.Code != elbv2types.LoadBalancerStateEnumActive {
			return false, fmt.Sprintf("ALB %s is %s", aws.ToString(lb.LoadBalancerName), lb.State.Code), nil
		}
		return true, "", nil
	})
}

func (e *Executor) waitGoneObject(ctx context.Context, r Ref) error {
	return e.until(ctx, r.String()+" is gone", func(ctx context.Context) (bool, string, error) {
		cur, err := e.get(ctx, r)
		if err != nil {
			return false, "", err
		}
		return cur == nil, "still terminating", nil
	})
}

// waitRollout waits as kubectl rollout status does: the new generation
// observed, every replica updated, ready (readiness gates included) and
// available, and no old replica left.
func (e *Executor) waitRollout(ctx context.Context, r Ref) error {
	return e.until(ctx, "rollout of "+r.String(), func(ctx context.Context) (bool, string, error) {
		d, err := e.o.Kube.AppsV1().Deployments(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		if err != nil {
			return false, "", fmt.Errorf("read %s: %w", r, err)
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		s := d.Status
		switch {
		case s.ObservedGeneration < d.Generation:
			return false, "waiting for the new generation to be observed", nil
		case s.UpdatedReplicas < want:
			return false, fmt.Sprintf("%d of %d replicas updated", s.UpdatedReplicas, want), nil
		case s.Replicas > s.UpdatedReplicas:
			return false, fmt.Sprintf("%d old replicas pending termination", s.Replicas-s.UpdatedReplicas), nil
		case s.ReadyReplicas < want || s.AvailableReplicas < want:
			return false, fmt.Sprintf("%d of %d updated replicas ready (readiness gates included)", s.ReadyReplicas, want), nil
		}
		return true, "", nil
	})
}

// tgHealth reads the targets of target groups; a missing group is reported
// in missing.
type tgState struct {
	name                                     string
	healthy, unhealthy, initial, draining, n int
}

func (t tgState) String() string {
	var parts []string
	for _, p := range []struct {
		n int
		s string
	}{{t.healthy, "healthy"}, {t.initial, "initial"}, {t.unhealthy, "unhealthy"}, {t.draining, "draining"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.s))
		}
	}
	if len(parts) == 0 {
		return t.name + ": no targets"
	}
	return t.name + ": " + strings.Join(parts, ", ")
}

func (e *Executor) health(ctx context.Context, arn, name string) (tgState, error) {
	out, err := e.o.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		return tgState{}, fmt.Errorf("DescribeTargetHealth %s: %w", name, err)
	}
	st := tgState{name: name}
	for _, d := range out.TargetHealthDescriptions {
		st.n++
		if d.TargetHealth == nil {
			continue
		}
		switch d.TargetHealth.State {
		case elbv2types.TargetHealthStateEnumHealthy:
			st.healthy++
		case elbv2types.TargetHealthStateEnumInitial:
			st.initial++
		case elbv2types.TargetHealthStateEnumDraining:
			st.draining++
		default:
			st.unhealthy++
		}
	}
	e.emit(Event{Type: EventHealth, Object: "TargetGroup/" + name, Message: st.String(),
		Health: &TargetCounts{Healthy: st.healthy, Unhealthy: st.unhealthy, Initial: st.initial, Draining: st.draining}})
	return st, nil
}

// waitHealthyStep waits until each target group of the step exists and
// every target that is not draining is healthy (at least one).
func (e *Executor) waitHealthyStep(ctx context.Context, st plan.Step) error {
	var names []string
	for _, o := range st.Objects {
		if o.Kind == "TargetGroup" {
			names = append(names, o.Name)
		}
	}
	sort.Strings(names)
	return e.until(ctx, "target groups "+strings.Join(names, ", ")+" healthy", func(ctx context.Context) (bool, string, error) {
		for _, n := range names {
			out, err := e.o.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{n}})
			if awsCode(err) == "TargetGroupNotFound" {
				if why, err := e.controllerContradicts(ctx, n); err != nil || why != "" {
					if err == nil {
						err = exitcode.New(exitcode.CheckFailed, why,
							"the plan was made on a model the controller does not share (doctor's controller/model check says where; give plan --controller-args); to wait anyway: "+buildinfo.Command()+" migrate resume --accept-controller-model", nil)
					}
					return false, "", err
				}
				return false, n + " does not exist yet", nil
			}
			if err != nil {
				return false, "", fmt.Errorf("DescribeTargetGroups %s: %w", n, err)
			}
			for _, tg := range out.TargetGroups {
				h, err := e.health(ctx, aws.ToString(tg.TargetGroupArn), n)
				if err != nil {
					return false, "", err
				}
				if h.healthy == 0 || h.unhealthy > 0 || h.initial > 0 {
					return false, h.String(), nil
				}
			}
		}
		return true, "", nil
	})
}

// verifyGone waits until the load balancers and target groups are deleted.
func (e *Executor) verifyGone(ctx context.Context, objs []topology.ObjectRef) error {
	if len(objs) == 0 {
		return nil
	}
	return e.until(ctx, "the old load balancers and target groups are deleted", func(ctx context.Context) (bool, string, error) {
		for _, o := range objs {
			var err error
			switch o.Kind {
			case "LoadBalancer":
				_, err = e.o.ELB.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{o.Name}})
				if awsCode(err) == "LoadBalancerNotFound" {
					continue
				}
			case "TargetGroup":
				_, err = e.o.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{Names: []string{o.Name}})
				if awsCode(err) == "TargetGroupNotFound" {
					continue
				}
			default:
				continue
			}
			if err != nil {
				return false, "", fmt.Errorf("describe %s %s: %w", o.Kind, o.Name, err)
			}
			return false, o.Kind + " " + o.Name + " still exists", nil
		}
		return true, "", nil
	})
}

// verifyMoved checks that every copy is in ip mode and has an address.
func (e *Executor) verifyMoved(ctx context.Context, st plan.Step) error {
	var bad []string
	for _, o := range st.Objects {
		if o.Kind != "Ingress" {
			continue
		}
		in, err := e.o.Kube.NetworkingV1().Ingresses(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s: %v", o, err))
			continue
		}
		if tt := in.Annotations[lbc.Key(lbc.SuffixTargetType)]; tt != "ip" {
			bad = append(bad, fmt.Sprintf("%s has target-type %q", o, tt))
		}
		if len(in.Status.LoadBalancer.Ingress) == 0 {
			bad = append(bad, o.String()+" has no address")
		}
	}
	if len(bad) > 0 {
		return exitcode.New(exitcode.CheckFailed, "not every Ingress moved: "+strings.Join(bad, "; "), "see "+buildinfo.Command()+" scan", nil)
	}
	return nil
}

// soak watches a traffic step for the soak time: the new path's target
// groups must keep a healthy target and the verification load (if any)
// must pass; otherwise the step's writes are undone and the migration
// stops.
func (e *Executor) soak(ctx context.Context, i int, s stepRef) error {
	d := e.o.Soak
	if d == 0 {
		if pd, err := time.ParseDuration(e.o.Plan.Settings.Soak); err == nil {
			d = pd
		}
	}
	e.emit(Event{Type: EventWait, Phase: s.name, Step: i, Message: fmt.Sprintf("soak %s at %d%% on the new path", d, s.step.Weight)})
	vctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var verr chan error
	if e.o.Verify != nil {
		verr = make(chan error, 1)
		go func() {
			summary, err := e.o.Verify(vctx, s.step, d, func(p VerifyProgress) {
				e.emit(Event{Type: EventVerify, Phase: s.name, Step: i, Verify: &p,
					Message: fmt.Sprintf("verification load: %d requests, %d errors", p.Requests, p.Errors)})
			})
			if summary != "" {
				e.emit(Event{Type: EventWait, Phase: s.name, Step: i, Message: "verification load: " + summary})
			}
			verr <- err
		}()
	}
	end := e.o.Now().Add(d)
	var bad string
	for bad == "" {
		var err error
		if bad, err = e.newPathUnhealthy(ctx, s.step); err != nil {
			return err
		}
		if bad != "" || !e.o.Now().Before(end) {
			break
		}
		select {
		case err := <-verr:
			if err != nil {
				bad = "verification load: " + err.Error()
			}
			verr = nil
		default:
		}
		if bad != "" {
			break
		}
		if err := e.o.Sleep(ctx, min(e.o.Poll, time.Until(end)+time.Millisecond)); err != nil {
			return fmt.Errorf("%w: during the soak of step %d", exitcode.ErrInterrupted, i)
		}
	}
	if bad == "" && verr != nil {
		cancel()
		if err := <-verr; err != nil && !errors.Is(err, context.Canceled) {
			bad = "verification load: " + err.Error()
		}
	}
	if bad == "" {
		return nil
	}
	if e.o.Observe {
		return e.observedBreach(i, s.step.Weight, bad)
	}
	if err := e.undoStep(ctx, i); err != nil {
		return fmt.Errorf("the new path is unhealthy (%s) and undoing step %d failed: %w", bad, i, err)
	}
	return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("the new path is unhealthy at %d%% (%s); step %d was undone, traffic is back where it was", s.step.Weight, bad, i),
		fmt.Sprintf("fix the new targets (%[1]s health), then %[1]s migrate resume", buildinfo.Command()), nil)
}

// newPathUnhealthy says what is wrong with the target groups of the ALBs
// of the step's copies: one without a healthy target.
func (e *Executor) newPathUnhealthy(ctx context.Context, st plan.Step) (string, error) {
	lbs, err := e.loadBalancers(ctx)
	if err != nil {
		return "", err
	}
	seen := map[string]bool{}
	for _, o := range st.Objects {
		if o.Kind != "Ingress" {
			continue
		}
		in, err := e.o.Kube.NetworkingV1().Ingresses(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
		if err != nil || len(in.Status.LoadBalancer.Ingress) == 0 || in.Annotations[plan.AnnotationMigratedFrom] == "" {
			continue
		}
		lb, ok := lbs[strings.ToLower(in.Status.LoadBalancer.Ingress[0].Hostname)]
		if !ok || seen[aws.ToString(lb.LoadBalancerArn)] {
			continue
		}
		seen[aws.ToString(lb.LoadBalancerArn)] = true
		out, err := e.o.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn})
		if err != nil {
			return "", fmt.Errorf("DescribeTargetGroups: %w", err)
		}
		for _, tg := range out.TargetGroups {
			if tg.TargetType != elbv2types.TargetTypeEnumIp {
				continue
			}
			h, err := e.health(ctx, aws.ToString(tg.TargetGroupArn), aws.ToString(tg.TargetGroupName))
			if err != nil {
				return "", err
			}
			if h.healthy == 0 {
				return h.String(), nil
			}
		}
	}
	return "", nil
}
