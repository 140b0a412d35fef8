package awsapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
)

type world struct {
	h     *awsendpoint.Handler
	elb   *elbv2.Client
	ec2   *ec2.Client
	url   string
	lbARN string
	tgs   []string
}

// newWorld fills the endpoint with one cluster's ALB (2 listeners), another
// cluster's ALB, and n target groups of which the first has targets.
func newWorld(t *testing.T, nTG int) *world {
	t.Helper()
	h := awsendpoint.NewHandler(awsendpoint.NewState(), awsendpoint.Options{Rand: rand.New(rand.NewPCG(1, 2))})
	srv, err := awsendpoint.Start("", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg := aws.Config{
		Region:      "us-west-2",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff, o.RateLimiter = 10, time.Millisecond, ratelimit.None
			})
		},
	}
	w := &world{
		h:   h,
		url: srv.URL,
		elb: elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
		ec2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
	}
	n := awsendpoint.NewNamer("us-west-2", "123456789012", 7)
	st := h.State()
	vpc := n.VpcID()
	for i, az := range []string{"us-west-2a", "us-west-2b"} {
		must(t, st.PutSubnet(ec2types.Subnet{SubnetId: aws.String(fmt.Sprintf("subnet-%d", i)), AvailabilityZone: aws.String(az), VpcId: aws.String(vpc),
			CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i)), AvailableIpAddressCount: aws.Int32(int32(200 - i*195))}))
	}
	mkLB := func(name, cluster string) string {
		arn := n.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, name)
		must(t, st.PutLoadBalancer(elbv2types.LoadBalancer{
			LoadBalancerArn: aws.String(arn), LoadBalancerName: aws.String(name), Type: elbv2types.LoadBalancerTypeEnumApplication,
			Scheme: elbv2types.LoadBalancerSchemeEnumInternetFacing, VpcId: aws.String(vpc),
			DNSName:           aws.String(n.LoadBalancerDNSName(elbv2types.LoadBalancerTypeEnumApplication, elbv2types.LoadBalancerSchemeEnumInternetFacing, name)),
			AvailabilityZones: []elbv2types.AvailabilityZone{{SubnetId: aws.String("subnet-0"), ZoneName: aws.String("us-west-2a")}},
		}))
		must(t, st.SetTags(arn, map[string]string{"elbv2.k8s.aws/cluster": cluster, "ingress.k8s.aws/stack": "shop/web"}))
		return arn
	}
	w.lbARN = mkLB("k8s-shop-web-0123456789", "prod")
	mkLB("k8s-other-app-9876543210", "staging")
	for _, port := range []int32{443, 80} {
		l, err := n.ListenerARN(w.lbARN)
		must(t, err)
		must(t, st.PutListener(elbv2types.Listener{ListenerArn: aws.String(l), LoadBalancerArn: aws.String(w.lbARN), Port: aws.Int32(port), Protocol: elbv2types.ProtocolEnumHttp}))
		for _, prio := range []string{"default", "10", "2"} {
			r, err := n.RuleARN(l)
			must(t, err)
			rule := elbv2types.Rule{RuleArn: aws.String(r), Priority: aws.String(prio), IsDefault: aws.Bool(prio == "default"),
				Actions: []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse}}}
			if prio != "default" {
				rule.Conditions = []elbv2types.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: []string{"/" + prio + "/*"}}}}
			}
			must(t, st.PutRule(l, rule))
		}
	}
	for i := range nTG {
		name := fmt.Sprintf("k8s-shop-web%02d-0123456789", i)
		arn := n.TargetGroupARN(name)
		must(t, st.PutTargetGroup(elbv2types.TargetGroup{TargetGroupArn: aws.String(arn), TargetGroupName: aws.String(name),
			TargetType: elbv2types.TargetTypeEnumInstance, Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(30080), VpcId: aws.String(vpc),
			HealthCheckPath: aws.String("/healthz"), Matcher: &elbv2types.Matcher{HttpCode: aws.String("200")}}, w.lbARN))
		must(t, st.SetTags(arn, map[string]string{"elbv2.k8s.aws/cluster": "prod", "ingress.k8s.aws/stack": "shop/web"}))
		w.tgs = append(w.tgs, arn)
	}
	must(t, st.SetTargetHealth(w.tgs[0], []elbv2types.TargetHealthDescription{
		{Target: &elbv2types.TargetDescription{Id: aws.String("i-b"), Port: aws.Int32(30080)}, TargetHealth: &elbv2types.TargetHealth{State: elbv2types.TargetHealthStateEnumUnhealthy, Reason: elbv2types.TargetHealthReasonEnumTimeout, Description: aws.String("Request timed out")}},
		{Target: &elbv2types.TargetDescription{Id: aws.String("i-a"), Port: aws.Int32(30080), AvailabilityZone: aws.String("us-west-2a")}, TargetHealth: &elbv2types.TargetHealth{State: elbv2types.TargetHealthStateEnumHealthy}},
	}))
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func prodOnly(tags map[string]string) bool { return tags["elbv2.k8s.aws/cluster"] == "prod" }

func TestReadJoinsOneClusterAndCountsCalls(t *testing.T) {
	w := newWorld(t, 25)
	r := &awsapi.Reader{ELB: w.elb, EC2: w.ec2, Keep: prodOnly}
	st, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.LoadBalancers) != 1 || st.LoadBalancers[0].ARN != w.lbARN {
		t.Fatalf("load balancers = %+v, want only the prod one", st.LoadBalancers)
	}
	lb := st.LoadBalancers[0]
	var ports []int32
	var prios []string
	for _, l := range lb.Listeners {
		ports = append(ports, l.Port)
		for _, r := range l.Rules {
			prios = append(prios, r.Priority)
		}
	}
	if diff := cmp.Diff([]int32{80, 443}, ports); diff != "" {
		t.Errorf("listener ports (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2", "10", "default", "2", "10", "default"}, prios); diff != "" {
		t.Errorf("rule order (-want +got):\n%s", diff)
	}
	if len(st.TargetGroups) != 25 {
		t.Fatalf("target groups = %d, want 25", len(st.TargetGroups))
	}
	wantTargets := []awsapi.Target{
		{ID: "i-a", Port: 30080, Zone: "us-west-2a", State: "healthy"},
		{ID: "i-b", Port: 30080, State: "unhealthy", Reason: "Target.Timeout", Description: "Request timed out"},
	}
	if diff := cmp.Diff(wantTargets, st.TargetGroupByARN(w.tgs[0]).Targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if got := len(st.Subnets); got != 2 || st.Subnets[1].AvailableIPs != 5 {
		t.Errorf("subnets = %+v", st.Subnets)
	}
	if st.Limits["application-load-balancers"] == "" {
		t.Errorf("limits = %v, want application-load-balancers", st.Limits)
	}
	calls := w.h.Calls()
	// One DescribeTargetHealth per kept target group; tags batched 20 ARNs a
	// call over 2 load balancers + 25 target groups.
	if calls["DescribeTargetHealth"] != 25 {
		t.Errorf("DescribeTargetHealth calls = %d, want 25", calls["DescribeTargetHealth"])
	}
	if calls["DescribeTags"] != 2 {
		t.Errorf("DescribeTags calls = %d, want 2", calls["DescribeTags"])
	}
	if len(st.Problems) != 0 {
		t.Errorf("problems = %+v", st.Problems)
	}
}

func TestReadSurvivesThrottling(t *testing.T) {
	w := newWorld(t, 10)
	w.h.Faults().Set(awsendpoint.AllActions, awsendpoint.Fault{ThrottleFraction: 0.3})
	st, err := (&awsapi.Reader{ELB: w.elb, EC2: w.ec2, Keep: prodOnly}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) != 0 || len(st.TargetGroups) != 10 || len(st.TargetGroupByARN(w.tgs[0]).Targets) != 2 {
		t.Fatalf("with 30%% throttling: problems %+v, %d target groups", st.Problems, len(st.TargetGroups))
	}
	// Which calls the dice throttle depends on goroutine order, so compare
	// the total against an unfaulted read of the same world: every
	// throttled call is one more call.
	base := newWorld(t, 10)
	if _, err := (&awsapi.Reader{ELB: base.elb, EC2: base.ec2, Keep: prodOnly}).Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	total := func(calls map[string]int) (n int) {
		for _, c := range calls {
			n += c
		}
		return n
	}
	if got, unfaulted := total(w.h.Calls()), total(base.h.Calls()); got <= unfaulted {
		t.Errorf("calls with 30%% throttling = %d, without = %d: expected retried calls", got, unfaulted)
	}
}

func TestReadRecordsAccessDenied(t *testing.T) {
	w := newWorld(t, 3)
	w.h.Faults().Set("DescribeSubnets", awsendpoint.Fault{AccessDenied: true})
	w.h.Faults().Set("DescribeTargetHealth", awsendpoint.Fault{AccessDenied: true})
	st, err := (&awsapi.Reader{ELB: w.elb, EC2: w.ec2, Keep: prodOnly}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, p := range st.Problems {
		got[p.Action+"/"+p.Code]++
	}
	want := map[string]int{"DescribeSubnets/UnauthorizedOperation": 1, "DescribeTargetHealth/AccessDenied": 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("problems (-want +got):\n%s", diff)
	}
	if len(st.LoadBalancers) != 1 {
		t.Errorf("load balancers still read: %d", len(st.LoadBalancers))
	}
}
