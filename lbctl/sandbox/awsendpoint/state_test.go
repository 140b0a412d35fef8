package awsendpoint

import (
	"errors"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
)

func TestDeleteLoadBalancerCascades(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	ctx := t.Context()
	lbArn := *f.lbs[0].LoadBalancerArn
	must(t, e.state.SetTags(lbArn, map[string]string{"a": "b"}))
	must(t, e.state.SetTags(*f.rules[0].RuleArn, map[string]string{"a": "b"}))
	if !e.state.DeleteLoadBalancer(lbArn) {
		t.Fatal("DeleteLoadBalancer reported a missing load balancer")
	}
	if e.state.DeleteLoadBalancer(lbArn) {
		t.Error("second DeleteLoadBalancer reported success")
	}

	_, err := e.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{lbArn}})
	assertCode(t, err, "LoadBalancerNotFound")
	_, err = e.elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{ListenerArns: []string{*f.listeners[0].ListenerArn}})
	assertCode(t, err, "ListenerNotFound")
	_, err = e.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{*f.rules[0].RuleArn}})
	assertCode(t, err, "RuleNotFound")
	_, err = e.elb.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{lbArn}})
	assertCode(t, err, "LoadBalancerNotFound")
	out, err := e.elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: f.lbs[1].LoadBalancerArn})
	must(t, err)
	if len(out.Listeners) != 1 {
		t.Errorf("other load balancer's listeners: %d, want 1", len(out.Listeners))
	}
	tgs, err := e.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	must(t, err)
	for _, tg := range tgs.TargetGroups {
		if len(tg.LoadBalancerArns) != 0 {
			t.Errorf("target group %s still attached to %v", *tg.TargetGroupName, tg.LoadBalancerArns)
		}
	}
	snap := e.state.Snapshot()
	if len(snap.Rules) != 0 || len(snap.Tags) != 0 {
		t.Errorf("rules %v and tags %v survived", snap.Rules, snap.Tags)
	}
}

func TestDeleteOthers(t *testing.T) {
	s := NewState()
	f := newFixture(t, s)
	tgArn := *f.tgs[0].TargetGroupArn
	must(t, s.SetTags(tgArn, map[string]string{"k": "v"}))
	tests := []struct {
		name string
		del  func() bool
	}{
		{"rule", func() bool { return s.DeleteRule(*f.rules[0].RuleArn) }},
		{"listener", func() bool { return s.DeleteListener(*f.listeners[0].ListenerArn) }},
		{"target group", func() bool { return s.DeleteTargetGroup(tgArn) }},
		{"subnet", func() bool { return s.DeleteSubnet(*f.subnets[0].SubnetId) }},
		{"security group", func() bool { return s.DeleteSecurityGroup(*f.sgs[0].GroupId) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.del() {
				t.Fatal("first delete reported a missing object")
			}
			if tt.del() {
				t.Fatal("second delete reported success")
			}
		})
	}
	snap := s.Snapshot()
	if len(snap.Rules) != 0 {
		t.Errorf("rules of the deleted listener survived: %v", snap.Rules)
	}
	if _, ok := snap.TargetHealth[tgArn]; ok {
		t.Error("target health of the deleted target group survived")
	}
	if _, ok := snap.Tags[tgArn]; ok {
		t.Error("tags of the deleted target group survived")
	}
}

func TestStateRejectsDanglingReferences(t *testing.T) {
	s := NewState()
	n := NewNamer(testRegion, testAccount, 3)
	lbArn := n.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, "ghost")
	lArn, err := n.ListenerARN(lbArn)
	must(t, err)
	tgArn := n.TargetGroupARN("ghost")
	tests := []struct {
		name         string
		err          error
		wantNotFound bool
	}{
		{"listener of unknown lb", s.PutListener(elbv2types.Listener{ListenerArn: &lArn, LoadBalancerArn: &lbArn}), true},
		{"rule of unknown listener", s.PutRule(lArn, elbv2types.Rule{RuleArn: aws.String(lArn + "/r")}), true},
		{"target group on unknown lb", s.PutTargetGroup(elbv2types.TargetGroup{TargetGroupArn: &tgArn}, lbArn), true},
		{"health of unknown tg", s.SetTargetHealth(tgArn, nil), true},
		{"tags of unknown resource", s.SetTags(lbArn, map[string]string{"a": "b"}), true},
		{"lb without arn", s.PutLoadBalancer(elbv2types.LoadBalancer{}), false},
		{"listener without arn", s.PutListener(elbv2types.Listener{}), false},
		{"rule without arn", s.PutRule(lArn, elbv2types.Rule{}), false},
		{"tg without arn", s.PutTargetGroup(elbv2types.TargetGroup{}), false},
		{"subnet without id", s.PutSubnet(ec2types.Subnet{}), false},
		{"sg without id", s.PutSecurityGroup(ec2types.SecurityGroup{}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("want an error")
			}
			var nf *NotFoundError
			if got := errors.As(tt.err, &nf); got != tt.wantNotFound {
				t.Errorf("errors.As(%v, *NotFoundError) = %v, want %v", tt.err, got, tt.wantNotFound)
			}
		})
	}
}

func TestStateCopiesInAndOut(t *testing.T) {
	s := NewState()
	n := NewNamer(testRegion, testAccount, 4)
	lb := newLoadBalancer(n, "copy", elbv2types.LoadBalancerSchemeEnumInternal, "vpc-1")
	must(t, s.PutLoadBalancer(lb))
	want := newLoadBalancer(NewNamer(testRegion, testAccount, 4), "copy", elbv2types.LoadBalancerSchemeEnumInternal, "vpc-1")

	*lb.LoadBalancerName = "mutated"
	lb.AvailabilityZones[0].ZoneName = aws.String("mutated")
	snap := s.Snapshot()
	snap.LoadBalancers[0].SecurityGroups[0] = "mutated"
	got, ok := s.LoadBalancer(*want.LoadBalancerArn)
	if !ok {
		t.Fatal("load balancer missing")
	}
	if diff := cmp.Diff(want, got, allSDKTypes()); diff != "" {
		t.Errorf("stored value aliased caller memory (-want +got):\n%s", diff)
	}
}

func TestRePutKeepsPosition(t *testing.T) {
	s := NewState()
	n := NewNamer(testRegion, testAccount, 5)
	var lbs []elbv2types.LoadBalancer
	for _, name := range []string{"a", "b", "c"} {
		lb := newLoadBalancer(n, name, elbv2types.LoadBalancerSchemeEnumInternal, "vpc-1")
		must(t, s.PutLoadBalancer(lb))
		lbs = append(lbs, lb)
	}
	lbs[0].State = &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnumFailed}
	must(t, s.PutLoadBalancer(lbs[0]))
	if diff := cmp.Diff(lbs, s.Snapshot().LoadBalancers, allSDKTypes()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLookups(t *testing.T) {
	s := NewState()
	f := newFixture(t, s)
	if _, ok := s.Listener(*f.listeners[1].ListenerArn); !ok {
		t.Error("Listener not found")
	}
	r, l, ok := s.Rule(*f.rules[2].RuleArn)
	if !ok || l != *f.listeners[0].ListenerArn || *r.Priority != "30" {
		t.Errorf("Rule = %v, %q, %v", r.Priority, l, ok)
	}
	if tg, ok := s.TargetGroup(*f.tgs[2].TargetGroupArn); !ok || *tg.TargetGroupName != "k8s-default-canary-80" {
		t.Errorf("TargetGroup = %v, %v", tg.TargetGroupName, ok)
	}
	if _, ok := s.LoadBalancer("arn:nope"); ok {
		t.Error("LoadBalancer found a missing ARN")
	}
}

func TestNamer(t *testing.T) {
	n := NewNamer(testRegion, testAccount, 9)
	lb := n.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, "web")
	nlb := n.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumNetwork, "tcp")
	listener, err := n.ListenerARN(lb)
	must(t, err)
	rule, err := n.RuleARN(listener)
	must(t, err)
	_, err = n.ListenerARN(listener)
	if err == nil {
		t.Error("ListenerARN accepted a listener ARN")
	}
	_, err = n.RuleARN(lb)
	if err == nil {
		t.Error("RuleARN accepted a load balancer ARN")
	}
	const prefix = `^arn:aws:elasticloadbalancing:us-west-2:123456789012:`
	tests := []struct {
		name, got, pattern string
	}{
		{"alb arn", lb, prefix + `loadbalancer/app/web/[0-9a-f]{16}$`},
		{"nlb arn", nlb, prefix + `loadbalancer/net/tcp/[0-9a-f]{16}$`},
		{"listener arn", listener, prefix + `listener/app/web/[0-9a-f]{16}/[0-9a-f]{16}$`},
		{"rule arn", rule, prefix + `listener-rule/app/web/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`},
		{"tg arn", n.TargetGroupARN("k8s-tg"), prefix + `targetgroup/k8s-tg/[0-9a-f]{16}$`},
		{"public alb dns", n.LoadBalancerDNSName(elbv2types.LoadBalancerTypeEnumApplication, elbv2types.LoadBalancerSchemeEnumInternetFacing, "Web"), `^web-[0-9]{10}\.us-west-2\.elb\.amazonaws\.com$`},
		{"internal alb dns", n.LoadBalancerDNSName(elbv2types.LoadBalancerTypeEnumApplication, elbv2types.LoadBalancerSchemeEnumInternal, "web"), `^internal-web-[0-9]{10}\.us-west-2\.elb\.amazonaws\.com$`},
		{"nlb dns", n.LoadBalancerDNSName(elbv2types.LoadBalancerTypeEnumNetwork, elbv2types.LoadBalancerSchemeEnumInternetFacing, "tcp"), `^tcp-[0-9a-f]{16}\.elb\.us-west-2\.amazonaws\.com$`},
		{"gateway dns", n.LoadBalancerDNSName(elbv2types.LoadBalancerTypeEnumGateway, "", "gw"), `^$`},
		{"subnet", n.SubnetID(), `^subnet-[0-9a-f]{17}$`},
		{"sg", n.SecurityGroupID(), `^sg-[0-9a-f]{17}$`},
		{"vpc", n.VpcID(), `^vpc-[0-9a-f]{17}$`},
		{"subnet arn", n.SubnetARN("subnet-1"), `^arn:aws:ec2:us-west-2:123456789012:subnet/subnet-1$`},
		{"sg arn", n.SecurityGroupARN("sg-1"), `^arn:aws:ec2:us-west-2:123456789012:security-group/sg-1$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !regexp.MustCompile(tt.pattern).MatchString(tt.got) {
				t.Errorf("%q does not match %s", tt.got, tt.pattern)
			}
		})
	}
	if a, b := NewNamer(testRegion, testAccount, 1).SubnetID(), NewNamer(testRegion, testAccount, 1).SubnetID(); a != b {
		t.Errorf("same seed gave %s and %s", a, b)
	}
	if zone, ok := CanonicalHostedZoneID("us-west-2", elbv2types.LoadBalancerTypeEnumApplication); !ok || zone != "Z1H1FL5HABSF5" {
		t.Errorf("CanonicalHostedZoneID = %q, %v", zone, ok)
	}
	if _, ok := CanonicalHostedZoneID("mars-1", elbv2types.LoadBalancerTypeEnumApplication); ok {
		t.Error("CanonicalHostedZoneID knows mars-1")
	}
}
