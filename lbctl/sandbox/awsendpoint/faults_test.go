package awsendpoint

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/google/go-cmp/cmp"
)

// callFor makes one SDK call of a service and returns its action name.
func callFor(t *testing.T, e *env, service string) (string, error) {
	t.Helper()
	if service == "ec2" {
		_, err := e.ec2.DescribeSubnets(t.Context(), &ec2.DescribeSubnetsInput{})
		return "DescribeSubnets", err
	}
	_, err := e.elb.DescribeLoadBalancers(t.Context(), &elbv2.DescribeLoadBalancersInput{})
	return "DescribeLoadBalancers", err
}

func TestFaultsSurfaceThroughSDK(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		fault      Fault
		service    string
		wantCode   string
		wantStatus int
		wantCalls  int // attempts the SDK made (MaxAttempts 3)
	}{
		{"elbv2 throttled", "DescribeLoadBalancers", Fault{ThrottleFraction: 1}, "elbv2", "Throttling", 400, 3},
		{"ec2 throttled", "DescribeSubnets", Fault{ThrottleFraction: 1}, "ec2", "RequestLimitExceeded", 503, 3},
		{"elbv2 500", "DescribeLoadBalancers", Fault{ServerErrorFraction: 1}, "elbv2", "InternalFailure", 500, 3},
		{"elbv2 503", "DescribeLoadBalancers", Fault{ServerErrorFraction: 1, ServerErrorStatus: 503}, "elbv2", "ServiceUnavailable", 503, 3},
		{"ec2 500", "DescribeSubnets", Fault{ServerErrorFraction: 1}, "ec2", "InternalError", 500, 3},
		{"ec2 503", "DescribeSubnets", Fault{ServerErrorFraction: 1, ServerErrorStatus: 503}, "ec2", "Unavailable", 503, 3},
		{"elbv2 access denied is not retried", "DescribeLoadBalancers", Fault{AccessDenied: true}, "elbv2", "AccessDenied", 403, 1},
		{"ec2 access denied is not retried", "DescribeSubnets", Fault{AccessDenied: true}, "ec2", "UnauthorizedOperation", 403, 1},
		{"wildcard", AllActions, Fault{ThrottleFraction: 1}, "elbv2", "Throttling", 400, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{maxAttempts: 3})
			e.handler.Faults().Set(tt.key, tt.fault)
			action, err := callFor(t, e, tt.service)
			assertCode(t, err, tt.wantCode)
			if got := httpStatus(err); got != tt.wantStatus {
				t.Errorf("HTTP status = %d, want %d", got, tt.wantStatus)
			}
			if got := e.handler.Calls()[action]; got != tt.wantCalls {
				t.Errorf("%s calls = %d, want %d", action, got, tt.wantCalls)
			}
		})
	}
}

// TestFaultFractionsRetriedThrough checks that partial throttling and 5xx
// are absorbed by the SDK's standard retryer.
func TestFaultFractionsRetriedThrough(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
	}{
		{"throttle half", Fault{ThrottleFraction: 0.5}},
		{"mixed", Fault{ThrottleFraction: 0.3, ServerErrorFraction: 0.2, ServerErrorStatus: 503}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{maxAttempts: 20})
			f := newFixture(t, e.state)
			e.handler.Faults().Set("DescribeTargetHealth", tt.fault)
			const calls = 30
			for range calls {
				_, err := e.elb.DescribeTargetHealth(t.Context(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: f.tgs[0].TargetGroupArn})
				must(t, err)
			}
			got := e.handler.Calls()["DescribeTargetHealth"]
			if got <= calls || got >= calls*20 {
				t.Errorf("attempts = %d, want retries beyond %d calls", got, calls)
			}
		})
	}
}

func TestFaultPrecedenceAndClear(t *testing.T) {
	e := newEnv(t, envConfig{})
	faults := e.handler.Faults()
	faults.Set(AllActions, Fault{AccessDenied: true})
	faults.Set("DescribeLoadBalancers", Fault{})
	ctx := t.Context()

	_, err := e.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	assertCode(t, err, "")
	_, err = e.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	assertCode(t, err, "AccessDenied")
	if got, ok := faults.Get("DescribeTargetGroups"); !ok || !got.AccessDenied {
		t.Errorf("Get(DescribeTargetGroups) = %+v, %v; want the wildcard", got, ok)
	}

	faults.Clear(AllActions)
	_, err = e.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	assertCode(t, err, "")

	faults.Set("DescribeTargetGroups", Fault{AccessDenied: true})
	faults.Reset()
	_, err = e.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	assertCode(t, err, "")
}

func TestFaultLatency(t *testing.T) {
	e := newEnv(t, envConfig{})
	const latency = 5 * time.Millisecond
	e.handler.Faults().Set("DescribeSubnets", Fault{Latency: latency})
	start := time.Now()
	_, err := e.ec2.DescribeSubnets(t.Context(), &ec2.DescribeSubnetsInput{})
	must(t, err)
	if elapsed := time.Since(start); elapsed < latency {
		t.Errorf("call took %v, want at least %v", elapsed, latency)
	}
}

func TestFaultsAreDeterministic(t *testing.T) {
	outcomes := func() []faultKind {
		f := NewFaults(rand.New(rand.NewPCG(3, 4)))
		f.Set(AllActions, Fault{ThrottleFraction: 0.3, ServerErrorFraction: 0.3})
		out := make([]faultKind, 50)
		for i := range out {
			_, out[i] = f.roll("DescribeRules")
		}
		return out
	}
	first := outcomes()
	if diff := cmp.Diff(first, outcomes()); diff != "" {
		t.Errorf("same seed, different outcomes (-first +second):\n%s", diff)
	}
	seen := map[faultKind]bool{}
	for _, k := range first {
		seen[k] = true
	}
	if len(seen) != 3 {
		t.Errorf("outcomes %v, want all of none/throttle/5xx", seen)
	}
}

// TestCallCounting is the assertion benchmarks rely on: one
// DescribeTargetHealth per target group.
func TestCallCounting(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	ctx := t.Context()
	e.handler.ResetCalls()
	for _, tg := range f.tgs {
		_, err := e.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
		must(t, err)
	}
	_, err := e.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	must(t, err)
	_, err = e.elb.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{"not-an-arn"}})
	assertCode(t, err, "ValidationError")
	want := map[string]int{"DescribeTargetHealth": len(f.tgs), "DescribeSubnets": 1, "DescribeTags": 1}
	if diff := cmp.Diff(want, e.handler.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	e.handler.ResetCalls()
	if got := e.handler.Calls(); len(got) != 0 {
		t.Errorf("after reset: %v", got)
	}
}
