package awsendpoint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
)

func TestDescribeLoadBalancers(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	lbs := f.lbs
	tests := []struct {
		name     string
		in       elbv2.DescribeLoadBalancersInput
		want     []elbv2types.LoadBalancer
		wantCode string
	}{
		{name: "all", want: lbs},
		{name: "by arns in insertion order", in: elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{*lbs[2].LoadBalancerArn, *lbs[0].LoadBalancerArn}}, want: []elbv2types.LoadBalancer{lbs[0], lbs[2]}},
		{name: "by name", in: elbv2.DescribeLoadBalancersInput{Names: []string{"internal-svc"}}, want: lbs[3:4]},
		{name: "empty arn list means all", in: elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{}}, want: lbs},
		{name: "unknown arn", in: elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{*lbs[0].LoadBalancerArn, f.namer.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, "gone")}}, wantCode: "LoadBalancerNotFound"},
		{name: "unknown name", in: elbv2.DescribeLoadBalancersInput{Names: []string{"gone"}}, wantCode: "LoadBalancerNotFound"},
		{name: "arns and names", in: elbv2.DescribeLoadBalancersInput{Names: []string{"a"}, LoadBalancerArns: []string{*lbs[0].LoadBalancerArn}}, wantCode: "ValidationError"},
		{name: "page size too big", in: elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(401)}, wantCode: "ValidationError"},
		{name: "bad marker", in: elbv2.DescribeLoadBalancersInput{Marker: aws.String("nonsense")}, wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.elb.DescribeLoadBalancers(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.LoadBalancers, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if out.NextMarker != nil {
				t.Errorf("NextMarker = %q, want none", *out.NextMarker)
			}
		})
	}
}

// TestPaginators walks every ELBv2 paginator with a small PageSize and
// checks it yields everything once, in insertion order, in the expected
// number of calls.
func TestPaginators(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	ctx := t.Context()
	extra := elbv2types.Limit{Name: aws.String("extra"), Max: aws.String("1")}
	e.state.SetAccountLimits(append(DefaultAccountLimits(), extra))
	tests := []struct {
		name      string
		action    string
		wantPages int
		want      any
		walk      func() (any, int, error)
	}{
		{"LoadBalancers", "DescribeLoadBalancers", 3, f.lbs, func() (any, int, error) {
			var got []elbv2types.LoadBalancer
			pages := 0
			p := elbv2.NewDescribeLoadBalancersPaginator(e.elb, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, pages, err
				}
				pages++
				got = append(got, out.LoadBalancers...)
			}
			return got, pages, nil
		}},
		{"Listeners", "DescribeListeners", 2, f.listeners[:2], func() (any, int, error) {
			var got []elbv2types.Listener
			pages := 0
			p := elbv2.NewDescribeListenersPaginator(e.elb, &elbv2.DescribeListenersInput{LoadBalancerArn: f.lbs[0].LoadBalancerArn, PageSize: aws.Int32(1)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, pages, err
				}
				pages++
				got = append(got, out.Listeners...)
			}
			return got, pages, nil
		}},
		{"Rules", "DescribeRules", 2, f.rules, func() (any, int, error) {
			var got []elbv2types.Rule
			pages := 0
			p := elbv2.NewDescribeRulesPaginator(e.elb, &elbv2.DescribeRulesInput{ListenerArn: f.listeners[0].ListenerArn, PageSize: aws.Int32(3)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, pages, err
				}
				pages++
				got = append(got, out.Rules...)
			}
			return got, pages, nil
		}},
		{"TargetGroups", "DescribeTargetGroups", 2, f.tgs, func() (any, int, error) {
			var got []elbv2types.TargetGroup
			pages := 0
			p := elbv2.NewDescribeTargetGroupsPaginator(e.elb, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(2)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, pages, err
				}
				pages++
				got = append(got, out.TargetGroups...)
			}
			return got, pages, nil
		}},
		{"AccountLimits", "DescribeAccountLimits", 2, append(DefaultAccountLimits(), extra), func() (any, int, error) {
			var got []elbv2types.Limit
			pages := 0
			p := elbv2.NewDescribeAccountLimitsPaginator(e.elb, &elbv2.DescribeAccountLimitsInput{PageSize: aws.Int32(int32(len(DefaultAccountLimits())))})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, pages, err
				}
				pages++
				got = append(got, out.Limits...)
			}
			return got, pages, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.handler.ResetCalls()
			got, pages, err := tt.walk()
			must(t, err)
			if diff := cmp.Diff(tt.want, got, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", pages, tt.wantPages)
			}
			if calls := e.handler.Calls()[tt.action]; calls != tt.wantPages {
				t.Errorf("%s calls = %d, want %d", tt.action, calls, tt.wantPages)
			}
		})
	}
}

// TestPaginationWhileMutating checks that a marker survives objects being
// added and removed between pages: nothing repeats and nothing that existed
// throughout is skipped.
func TestPaginationWhileMutating(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	ctx := t.Context()
	p := elbv2.NewDescribeLoadBalancersPaginator(e.elb, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
	var got []string
	for page := 0; p.HasMorePages(); page++ {
		out, err := p.NextPage(ctx)
		must(t, err)
		for _, lb := range out.LoadBalancers {
			got = append(got, *lb.LoadBalancerName)
		}
		if page == 0 {
			e.state.DeleteLoadBalancer(*f.lbs[2].LoadBalancerArn) // first of the next page
			must(t, e.state.PutLoadBalancer(newLoadBalancer(f.namer, "late", elbv2types.LoadBalancerSchemeEnumInternal, f.vpcs[0])))
		}
	}
	want := []string{"k8s-web-a", "k8s-web-b", "internal-svc", "k8s-extra", "late"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDescribeListeners(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	tests := []struct {
		name     string
		in       elbv2.DescribeListenersInput
		want     []elbv2types.Listener
		wantCode string
	}{
		{name: "by load balancer", in: elbv2.DescribeListenersInput{LoadBalancerArn: f.lbs[0].LoadBalancerArn}, want: f.listeners[:2]},
		{name: "load balancer without listeners", in: elbv2.DescribeListenersInput{LoadBalancerArn: f.lbs[4].LoadBalancerArn}, want: []elbv2types.Listener{}},
		{name: "by arns", in: elbv2.DescribeListenersInput{ListenerArns: []string{*f.listeners[2].ListenerArn, *f.listeners[0].ListenerArn}}, want: []elbv2types.Listener{f.listeners[0], f.listeners[2]}},
		{name: "unknown load balancer", in: elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(f.namer.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, "gone"))}, wantCode: "LoadBalancerNotFound"},
		{name: "unknown listener", in: elbv2.DescribeListenersInput{ListenerArns: []string{*f.listeners[0].ListenerArn + "0"}}, wantCode: "ListenerNotFound"},
		{name: "neither", wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.elb.DescribeListeners(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.Listeners, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// withCertificates puts an HTTPS listener on the fixture's load balancer
// without listeners: a default certificate and two listener certificates.
func withCertificates(t *testing.T, e *env, f *fixture) (elbv2types.Listener, []string) {
	t.Helper()
	arns := []string{certARN(1), certARN(2), certARN(3)}
	arn, err := f.namer.ListenerARN(*f.lbs[4].LoadBalancerArn)
	must(t, err)
	l := elbv2types.Listener{ListenerArn: aws.String(arn), LoadBalancerArn: f.lbs[4].LoadBalancerArn, Port: aws.Int32(443),
		Protocol: elbv2types.ProtocolEnumHttps, SslPolicy: aws.String("ELBSecurityPolicy-TLS13-1-2-2021-06"),
		Certificates: []elbv2types.Certificate{{CertificateArn: aws.String(arns[0])},
			{CertificateArn: aws.String(arns[1]), IsDefault: aws.Bool(false)}, {CertificateArn: aws.String(arns[2]), IsDefault: aws.Bool(false)}}}
	must(t, e.state.PutListener(l))
	return l, arns
}

// TestDescribeListenersShowsTheDefaultCertificate: as in AWS, a listener's
// Certificates in DescribeListeners are its default certificate only.
func TestDescribeListenersShowsTheDefaultCertificate(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	l, arns := withCertificates(t, e, f)
	out, err := e.elb.DescribeListeners(t.Context(), &elbv2.DescribeListenersInput{LoadBalancerArn: f.lbs[4].LoadBalancerArn})
	must(t, err)
	want := l
	want.Certificates = []elbv2types.Certificate{{CertificateArn: aws.String(arns[0])}}
	if diff := cmp.Diff([]elbv2types.Listener{want}, out.Listeners, allSDKTypes()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if stored, _ := e.state.Listener(*l.ListenerArn); len(stored.Certificates) != 3 {
		t.Errorf("the stored listener lost its listener certificates: %v", stored.Certificates)
	}
}

func TestDescribeListenerCertificates(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	l, arns := withCertificates(t, e, f)
	cert := func(arn string, isDefault bool) elbv2types.Certificate {
		return elbv2types.Certificate{CertificateArn: aws.String(arn), IsDefault: aws.Bool(isDefault)}
	}
	all := []elbv2types.Certificate{cert(arns[0], true), cert(arns[1], false), cert(arns[2], false)}
	tests := []struct {
		name     string
		in       elbv2.DescribeListenerCertificatesInput
		want     []elbv2types.Certificate
		wantCode string
	}{
		{name: "default first, then the listener certificates", in: elbv2.DescribeListenerCertificatesInput{ListenerArn: l.ListenerArn}, want: all},
		// A default stored with IsDefault true (as the fixture's) is the default too.
		{name: "default marked", in: elbv2.DescribeListenerCertificatesInput{ListenerArn: f.listeners[1].ListenerArn},
			want: []elbv2types.Certificate{cert(*f.listeners[1].Certificates[0].CertificateArn, true)}},
		{name: "HTTP listener", in: elbv2.DescribeListenerCertificatesInput{ListenerArn: f.listeners[0].ListenerArn}, want: []elbv2types.Certificate{}},
		{name: "unknown listener", in: elbv2.DescribeListenerCertificatesInput{ListenerArn: aws.String(*l.ListenerArn + "0")}, wantCode: "ListenerNotFound"},
		{name: "page size too big", in: elbv2.DescribeListenerCertificatesInput{ListenerArn: l.ListenerArn, PageSize: aws.Int32(401)}, wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.elb.DescribeListenerCertificates(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.Certificates, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// Paged by hand (the SDK has no paginator for it): one per page.
	var got []elbv2types.Certificate
	in := &elbv2.DescribeListenerCertificatesInput{ListenerArn: l.ListenerArn, PageSize: aws.Int32(1)}
	for pages := 1; ; pages++ {
		out, err := e.elb.DescribeListenerCertificates(t.Context(), in)
		must(t, err)
		got = append(got, out.Certificates...)
		if out.NextMarker == nil {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		in.Marker = out.NextMarker
	}
	if diff := cmp.Diff(all, got, allSDKTypes()); diff != "" {
		t.Errorf("paged (-want +got):\n%s", diff)
	}
}

// TestIssuedCertificates: what the controller's discovery sees is what
// ListCertificates lists for status ISSUED by default.
func TestIssuedCertificates(t *testing.T) {
	s := NewState()
	for i, c := range []acmtypes.CertificateDetail{
		{DomainName: aws.String("*.a.example.com"), Status: acmtypes.CertificateStatusIssued},
		{DomainName: aws.String("*.b.example.com"), Status: acmtypes.CertificateStatusPendingValidation},
		{DomainName: aws.String("*.c.example.com"), Status: acmtypes.CertificateStatusIssued, KeyAlgorithm: acmtypes.KeyAlgorithmEcPrime256v1},
		{DomainName: aws.String("*.d.example.com"), Status: acmtypes.CertificateStatusIssued, KeyAlgorithm: acmtypes.KeyAlgorithmRsa2048},
	} {
		c.CertificateArn = aws.String(certARN(i + 1))
		must(t, s.PutCertificate(c))
	}
	var got []string
	for _, c := range s.IssuedCertificates() {
		got = append(got, *c.CertificateArn+" "+strings.Join(c.SubjectAlternativeNames, ","))
	}
	want := []string{certARN(1) + " *.a.example.com", certARN(4) + " *.d.example.com"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDescribeRules(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	tests := []struct {
		name     string
		in       elbv2.DescribeRulesInput
		want     []elbv2types.Rule
		wantCode string
	}{
		{name: "by listener", in: elbv2.DescribeRulesInput{ListenerArn: f.listeners[0].ListenerArn}, want: f.rules},
		{name: "listener without rules", in: elbv2.DescribeRulesInput{ListenerArn: f.listeners[1].ListenerArn}, want: []elbv2types.Rule{}},
		{name: "by arns", in: elbv2.DescribeRulesInput{RuleArns: []string{*f.rules[3].RuleArn, *f.rules[1].RuleArn}}, want: []elbv2types.Rule{f.rules[1], f.rules[3]}},
		{name: "unknown listener", in: elbv2.DescribeRulesInput{ListenerArn: aws.String(*f.listeners[0].ListenerArn + "0")}, wantCode: "ListenerNotFound"},
		{name: "unknown rule", in: elbv2.DescribeRulesInput{RuleArns: []string{*f.rules[0].RuleArn + "0"}}, wantCode: "RuleNotFound"},
		{name: "neither", wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.elb.DescribeRules(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.Rules, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeTargetGroups(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	tests := []struct {
		name     string
		in       elbv2.DescribeTargetGroupsInput
		want     []elbv2types.TargetGroup
		wantCode string
	}{
		{name: "all", want: f.tgs},
		{name: "by load balancer", in: elbv2.DescribeTargetGroupsInput{LoadBalancerArn: f.lbs[0].LoadBalancerArn}, want: f.tgs},
		{name: "load balancer without target groups", in: elbv2.DescribeTargetGroupsInput{LoadBalancerArn: f.lbs[1].LoadBalancerArn}, want: []elbv2types.TargetGroup{}},
		{name: "by arns", in: elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{*f.tgs[1].TargetGroupArn}}, want: f.tgs[1:2]},
		{name: "by names", in: elbv2.DescribeTargetGroupsInput{Names: []string{"k8s-default-canary-80", "k8s-default-web-80"}}, want: []elbv2types.TargetGroup{f.tgs[0], f.tgs[2]}},
		{name: "unknown arn", in: elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{f.namer.TargetGroupARN("gone")}}, wantCode: "TargetGroupNotFound"},
		{name: "unknown name", in: elbv2.DescribeTargetGroupsInput{Names: []string{"gone"}}, wantCode: "TargetGroupNotFound"},
		{name: "unknown load balancer", in: elbv2.DescribeTargetGroupsInput{LoadBalancerArn: aws.String(f.namer.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, "gone"))}, wantCode: "LoadBalancerNotFound"},
		{name: "two selectors", in: elbv2.DescribeTargetGroupsInput{LoadBalancerArn: f.lbs[0].LoadBalancerArn, Names: []string{"x"}}, wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.elb.DescribeTargetGroups(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.TargetGroups, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeTargetHealth(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	notRegistered := elbv2types.TargetHealthDescription{
		Target: &elbv2types.TargetDescription{Id: aws.String("10.9.9.9"), Port: aws.Int32(80)},
		TargetHealth: &elbv2types.TargetHealth{
			State:       elbv2types.TargetHealthStateEnumUnused,
			Reason:      elbv2types.TargetHealthReasonEnumNotRegistered,
			Description: aws.String("Target is not registered to the target group"),
		},
	}
	tests := []struct {
		name     string
		in       elbv2.DescribeTargetHealthInput
		want     []elbv2types.TargetHealthDescription
		wantCode string
	}{
		{name: "all targets", in: elbv2.DescribeTargetHealthInput{TargetGroupArn: f.tgs[0].TargetGroupArn}, want: f.health},
		{name: "no targets registered", in: elbv2.DescribeTargetHealthInput{TargetGroupArn: f.tgs[1].TargetGroupArn}, want: []elbv2types.TargetHealthDescription{}},
		{name: "chosen targets", in: elbv2.DescribeTargetHealthInput{
			TargetGroupArn: f.tgs[0].TargetGroupArn,
			Targets: []elbv2types.TargetDescription{
				{Id: aws.String("10.0.2.11"), Port: aws.Int32(8080)},
				{Id: aws.String("10.9.9.9"), Port: aws.Int32(80)},
				{Id: aws.String("10.0.1.10")},
			},
		}, want: []elbv2types.TargetHealthDescription{f.health[1], notRegistered, f.health[0]}},
		{name: "unknown target group", in: elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.namer.TargetGroupARN("gone"))}, wantCode: "TargetGroupNotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.elb.DescribeTargetHealth(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.TargetHealthDescriptions, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeTags(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	lbArn, tgArn, lArn, rArn := *f.lbs[0].LoadBalancerArn, *f.tgs[0].TargetGroupArn, *f.listeners[0].ListenerArn, *f.rules[0].RuleArn
	must(t, e.state.SetTags(lbArn, map[string]string{"elbv2.k8s.aws/cluster": "sandbox", "ingress.k8s.aws/stack": "default/web"}))
	must(t, e.state.SetTags(tgArn, map[string]string{"service.k8s.aws/resource": "web"}))
	many := make([]string, 0, 21)
	for i := range 21 {
		arn := f.namer.TargetGroupARN(fmt.Sprintf("tg-%d", i))
		must(t, e.state.PutTargetGroup(elbv2types.TargetGroup{TargetGroupArn: aws.String(arn)}))
		many = append(many, arn)
	}
	tag := func(k, v string) elbv2types.Tag { return elbv2types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	tests := []struct {
		name     string
		arns     []string
		want     []elbv2types.TagDescription
		wantCode string
	}{
		{name: "mixed resources in request order", arns: []string{tgArn, lbArn, lArn, rArn}, want: []elbv2types.TagDescription{
			{ResourceArn: aws.String(tgArn), Tags: []elbv2types.Tag{tag("service.k8s.aws/resource", "web")}},
			{ResourceArn: aws.String(lbArn), Tags: []elbv2types.Tag{tag("elbv2.k8s.aws/cluster", "sandbox"), tag("ingress.k8s.aws/stack", "default/web")}},
			{ResourceArn: aws.String(lArn), Tags: []elbv2types.Tag{}},
			{ResourceArn: aws.String(rArn), Tags: []elbv2types.Tag{}},
		}},
		{name: "twenty is the limit", arns: many[:20], want: func() []elbv2types.TagDescription {
			var out []elbv2types.TagDescription
			for _, a := range many[:20] {
				out = append(out, elbv2types.TagDescription{ResourceArn: aws.String(a), Tags: []elbv2types.Tag{}})
			}
			return out
		}()},
		{name: "twenty-one", arns: many, wantCode: "ValidationError"},
		{name: "empty list", arns: []string{}, wantCode: "ValidationError"},
		{name: "unknown load balancer", arns: []string{lbArn, lbArn + "0"}, wantCode: "LoadBalancerNotFound"},
		{name: "unknown target group", arns: []string{tgArn + "0"}, wantCode: "TargetGroupNotFound"},
		{name: "unknown listener", arns: []string{lArn + "0"}, wantCode: "ListenerNotFound"},
		{name: "unknown rule", arns: []string{rArn + "0"}, wantCode: "RuleNotFound"},
		{name: "not an elbv2 arn", arns: []string{"arn:aws:ec2:us-west-2:123456789012:subnet/subnet-1"}, wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.elb.DescribeTags(t.Context(), &elbv2.DescribeTagsInput{ResourceArns: tt.arns})
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.TagDescriptions, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeAccountLimits(t *testing.T) {
	e := newEnv(t, envConfig{})
	out, err := e.elb.DescribeAccountLimits(t.Context(), &elbv2.DescribeAccountLimitsInput{})
	must(t, err)
	if diff := cmp.Diff(DefaultAccountLimits(), out.Limits, allSDKTypes()); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	custom := []elbv2types.Limit{{Name: aws.String("application-load-balancers"), Max: aws.String("3")}}
	e.state.SetAccountLimits(custom)
	out, err = e.elb.DescribeAccountLimits(t.Context(), &elbv2.DescribeAccountLimitsInput{})
	must(t, err)
	if diff := cmp.Diff(custom, out.Limits, allSDKTypes()); diff != "" {
		t.Errorf("custom (-want +got):\n%s", diff)
	}
}
