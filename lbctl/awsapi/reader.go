package awsapi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"
)

// ELBv2API is the part of the ELBv2 client the reader calls.
type ELBv2API interface {
	DescribeLoadBalancers(context.Context, *elbv2.DescribeLoadBalancersInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
	DescribeListeners(context.Context, *elbv2.DescribeListenersInput, ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error)
	DescribeRules(context.Context, *elbv2.DescribeRulesInput, ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error)
	DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error)
	DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	DescribeTags(context.Context, *elbv2.DescribeTagsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error)
	DescribeAccountLimits(context.Context, *elbv2.DescribeAccountLimitsInput, ...func(*elbv2.Options)) (*elbv2.DescribeAccountLimitsOutput, error)
}

// EC2API is the part of the EC2 client the reader calls.
type EC2API interface {
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	DescribeNetworkInterfaces(context.Context, *ec2.DescribeNetworkInterfacesInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error)
}

// ACMAPI is the part of the ACM client the reader calls: the certificates
// the controller discovers by host when an Ingress names none.
type ACMAPI interface {
	ListCertificates(context.Context, *acm.ListCertificatesInput, ...func(*acm.Options)) (*acm.ListCertificatesOutput, error)
	DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
}

var (
	_ ELBv2API = (*elbv2.Client)(nil)
	_ EC2API   = (*ec2.Client)(nil)
	_ ACMAPI   = (*acm.Client)(nil)
)

// TagsPerCall is DescribeTags' limit of resource ARNs per request.
const TagsPerCall = 20

// Reader reads one region's load-balancing state.
type Reader struct {
	ELB ELBv2API
	// EC2 may be nil: subnets are then not read.
	EC2 EC2API
	// ACM may be nil: certificates are then not read.
	ACM ACMAPI
	// Route53 may be nil: hosted zones are then not read.
	Route53 Route53API
	// Network reads (with EC2) the instances InstanceIDs names (the nodes')
	// with their network interfaces, and the security groups of their VPCs
	// and the load balancers': what plan's security-group check judges.
	Network     bool
	InstanceIDs []string
	// BranchENIIDs are network interfaces to read by ID with Network: the
	// branch interfaces pods with security groups of their own hold (their
	// vpc.amazonaws.com/pod-eni annotation), which the controller resolves
	// before the nodes' interfaces.
	BranchENIIDs []string
	// Limiter paces every call (nil: no pacing); the SDK's retryer handles
	// throttling that still happens.
	Limiter *rate.Limiter
	// Concurrency bounds calls in flight (default 8).
	Concurrency int
	// Keep selects the load balancers and target groups to read by their
	// tags (nil keeps all); e.g. those the controller made for one cluster.
	Keep func(tags map[string]string) bool
	// SkipTargetHealth leaves target health unread (the health view polls it).
	SkipTargetHealth bool

	mu    sync.Mutex
	calls map[string]int
	probs []Problem
}

// Read reads load balancers, listeners, rules, target groups with their
// health, tags, account limits, issued ACM certificates and the subnets of
// the load balancers' VPCs.
// API errors (access denied, throttling past retries) become Problems in the
// returned state; other errors (no network, no credentials, cancellation)
// are returned.
func (r *Reader) Read(ctx context.Context) (*State, error) {
	r.calls = map[string]int{}
	r.probs = nil
	st := &State{}

	lbs, err := r.loadBalancers(ctx)
	if err != nil {
		return nil, err
	}
	tgs, err := r.targetGroups(ctx)
	if err != nil {
		return nil, err
	}
	arns := make([]string, 0, len(lbs)+len(tgs))
	for _, lb := range lbs {
		arns = append(arns, lb.ARN)
	}
	for _, tg := range tgs {
		arns = append(arns, tg.ARN)
	}
	tags, err := r.tags(ctx, arns)
	if err != nil {
		return nil, err
	}
	for _, lb := range lbs {
		lb.Tags = tags[lb.ARN]
		if r.Keep == nil || r.Keep(lb.Tags) {
			st.LoadBalancers = append(st.LoadBalancers, lb)
		}
	}
	for _, tg := range tgs {
		tg.Tags = tags[tg.ARN]
		if r.Keep == nil || r.Keep(tg.Tags) {
			st.TargetGroups = append(st.TargetGroups, tg)
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.concurrency())
	for i := range st.LoadBalancers {
		lb := &st.LoadBalancers[i]
		g.Go(func() error { return r.listeners(gctx, lb) })
	}
	if !r.SkipTargetHealth {
		for i := range st.TargetGroups {
			tg := &st.TargetGroups[i]
			g.Go(func() error { return r.targetHealth(gctx, tg) })
		}
	}
	g.Go(func() error {
		lim, err := r.limits(gctx)
		st.Limits = lim
		return err
	})
	if r.ACM != nil {
		g.Go(func() error {
			certs, ok, err := r.certificates(gctx)
			st.Certificates, st.CertificatesRead = certs, ok
			return err
		})
	}
	if r.Route53 != nil {
		g.Go(func() error {
			zones, ok, err := r.hostedZones(gctx)
			st.HostedZones, st.HostedZonesRead = zones, ok
			return err
		})
	}
	if r.EC2 != nil && r.Network {
		g.Go(func() error {
			var err error
			st.Instances, err = r.instances(gctx)
			return err
		})
		if len(r.BranchENIIDs) > 0 {
			g.Go(func() error {
				var err error
				st.BranchENIs, err = r.branchENIs(gctx)
				st.BranchENIsRead = err == nil && !r.refused("DescribeNetworkInterfaces")
				return err
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if r.EC2 != nil {
		vpcs := vpcsOf(st)
		subnets, err := r.subnets(ctx, vpcs)
		if err != nil {
			return nil, err
		}
		st.Subnets = subnets
		if r.Network {
			if st.SecurityGroups, err = r.securityGroups(ctx, vpcs); err != nil {
				return nil, err
			}
			st.NetworkRead = !r.refused("DescribeInstances") && !r.refused("DescribeSecurityGroups")
		}
	}
	st.Calls = r.calls
	st.Problems = r.probs
	sort.Slice(st.Problems, func(i, j int) bool {
		if st.Problems[i].Action != st.Problems[j].Action {
			return st.Problems[i].Action < st.Problems[j].Action
		}
		return st.Problems[i].Resource < st.Problems[j].Resource
	})
	return st, nil
}

// TargetHealth reads the health of one target group's targets: the one call
// the health view makes per target group per refresh.
func (r *Reader) TargetHealth(ctx context.Context, tgARN string) ([]Target, error) {
	if err := r.before(ctx, "DescribeTargetHealth"); err != nil {
		return nil, err
	}
	out, err := r.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})
	if err != nil {
		return nil, fmt.Errorf("describe target health of %s: %w", tgARN, err)
	}
	return convertTargets(out.TargetHealthDescriptions), nil
}

func (r *Reader) concurrency() int {
	if r.Concurrency > 0 {
		return r.Concurrency
	}
	return 8
}

// before counts a call and waits for the rate limiter.
func (r *Reader) before(ctx context.Context, action string) error {
	r.mu.Lock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[action]++
	r.mu.Unlock()
	if r.Limiter != nil {
		return r.Limiter.Wait(ctx)
	}
	return nil
}

// problem records an API error and reports whether it was one (and so was
// absorbed); other errors are returned to stop the read.
func (r *Reader) problem(action, resource string, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("%s %s: %w", action, resource, err)
	}
	r.mu.Lock()
	r.probs = append(r.probs, Problem{Action: action, Code: ae.ErrorCode(), Message: ae.ErrorMessage(), Resource: resource})
	r.mu.Unlock()
	return nil
}

func (r *Reader) loadBalancers(ctx context.Context) ([]LoadBalancer, error) {
	var out []LoadBalancer
	p := elbv2.NewDescribeLoadBalancersPaginator(r.ELB, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(400)})
	for p.HasMorePages() {
		if err := r.before(ctx, "DescribeLoadBalancers"); err != nil {
			return nil, err
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, r.problem("DescribeLoadBalancers", "", err)
		}
		for _, lb := range page.LoadBalancers {
			if lb.Type != elbv2types.LoadBalancerTypeEnumApplication {
				continue
			}
			l := LoadBalancer{
				ARN: aws.ToString(lb.LoadBalancerArn), Name: aws.ToString(lb.LoadBalancerName),
				DNSName: aws.ToString(lb.DNSName), Scheme: string(lb.Scheme), Type: string(lb.Type),
				VpcID: aws.ToString(lb.VpcId), IPAddressType: string(lb.IpAddressType),
				Created: lb.CreatedTime,
			}
			if lb.State != nil {
				l.State = string(lb.State.Code)
			}
			for _, az := range lb.AvailabilityZones {
				l.Subnets = append(l.Subnets, aws.ToString(az.SubnetId))
				l.Zones = append(l.Zones, aws.ToString(az.ZoneName))
			}
			out = append(out, l)
		}
	}
	return out, nil
}

func (r *Reader) targetGroups(ctx context.Context) ([]TargetGroup, error) {
	var out []TargetGroup
	p := elbv2.NewDescribeTargetGroupsPaginator(r.ELB, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(400)})
	for p.HasMorePages() {
		if err := r.before(ctx, "DescribeTargetGroups"); err != nil {
			return nil, err
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, r.problem("DescribeTargetGroups", "", err)
		}
		for _, tg := range page.TargetGroups {
			t := TargetGroup{
				ARN: aws.ToString(tg.TargetGroupArn), Name: aws.ToString(tg.TargetGroupName),
				TargetType: string(tg.TargetType), Protocol: string(tg.Protocol),
				ProtocolVersion: aws.ToString(tg.ProtocolVersion), Port: aws.ToInt32(tg.Port),
				VpcID: aws.ToString(tg.VpcId), LoadBalancerARNs: tg.LoadBalancerArns,
				HealthCheck: HealthCheck{
					Protocol: string(tg.HealthCheckProtocol), Port: aws.ToString(tg.HealthCheckPort),
					Path: aws.ToString(tg.HealthCheckPath), IntervalSeconds: aws.ToInt32(tg.HealthCheckIntervalSeconds),
					TimeoutSeconds: aws.ToInt32(tg.HealthCheckTimeoutSeconds), HealthyThreshold: aws.ToInt32(tg.HealthyThresholdCount),
					UnhealthyThreshold: aws.ToInt32(tg.UnhealthyThresholdCount),
				},
				Targets: []Target{},
			}
			if tg.Matcher != nil {
				t.HealthCheck.Matcher = aws.ToString(tg.Matcher.HttpCode)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// tags reads tags in batches of TagsPerCall, concurrently.
func (r *Reader) tags(ctx context.Context, arns []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(arns))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.concurrency())
	for start := 0; start < len(arns); start += TagsPerCall {
		batch := arns[start:min(start+TagsPerCall, len(arns))]
		g.Go(func() error {
			if err := r.before(gctx, "DescribeTags"); err != nil {
				return err
			}
			res, err := r.ELB.DescribeTags(gctx, &elbv2.DescribeTagsInput{ResourceArns: batch})
			if err != nil {
				return r.problem("DescribeTags", strings.Join(batch[:1], ""), err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, d := range res.TagDescriptions {
				m := make(map[string]string, len(d.Tags))
				for _, t := range d.Tags {
					m[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				out[aws.ToString(d.ResourceArn)] = m
			}
			return nil
		})
	}
	return out, g.Wait()
}

func (r *Reader) listeners(ctx context.Context, lb *LoadBalancer) error {
	p := elbv2.NewDescribeListenersPaginator(r.ELB, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lb.ARN), PageSize: aws.Int32(400)})
	for p.HasMorePages() {
		if err := r.before(ctx, "DescribeListeners"); err != nil {
			return err
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return r.problem("DescribeListeners", lb.ARN, err)
		}
		for _, l := range page.Listeners {
			lb.Listeners = append(lb.Listeners, Listener{ARN: aws.ToString(l.ListenerArn), Port: aws.ToInt32(l.Port), Protocol: string(l.Protocol)})
		}
	}
	sort.Slice(lb.Listeners, func(i, j int) bool { return lb.Listeners[i].Port < lb.Listeners[j].Port })
	for i := range lb.Listeners {
		if err := r.rules(ctx, &lb.Listeners[i]); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reader) rules(ctx context.Context, l *Listener) error {
	in := &elbv2.DescribeRulesInput{ListenerArn: aws.String(l.ARN), PageSize: aws.Int32(400)}
	for {
		if err := r.before(ctx, "DescribeRules"); err != nil {
			return err
		}
		page, err := r.ELB.DescribeRules(ctx, in)
		if err != nil {
			return r.problem("DescribeRules", l.ARN, err)
		}
		for _, rule := range page.Rules {
			l.Rules = append(l.Rules, convertRule(rule))
		}
		if aws.ToString(page.NextMarker) == "" {
			break
		}
		in.Marker = page.NextMarker
	}
	SortRules(l.Rules)
	return nil
}

// SortRules orders rules by numeric priority, the default rule last.
func SortRules(rules []Rule) {
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].IsDefault != rules[j].IsDefault {
			return !rules[i].IsDefault
		}
		pi, pj := priority(rules[i].Priority), priority(rules[j].Priority)
		return pi < pj
	})
}

func priority(p string) int {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return 1 << 30
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func convertRule(rule elbv2types.Rule) Rule {
	out := Rule{ARN: aws.ToString(rule.RuleArn), Priority: aws.ToString(rule.Priority), IsDefault: aws.ToBool(rule.IsDefault)}
	for _, c := range rule.Conditions {
		switch aws.ToString(c.Field) {
		case "host-header":
			if c.HostHeaderConfig != nil {
				out.Hosts = append(out.Hosts, c.HostHeaderConfig.Values...)
			} else {
				out.Hosts = append(out.Hosts, c.Values...)
			}
		case "path-pattern":
			if c.PathPatternConfig != nil {
				out.Paths = append(out.Paths, c.PathPatternConfig.Values...)
			} else {
				out.Paths = append(out.Paths, c.Values...)
			}
		}
	}
	for _, a := range rule.Actions {
		if out.Action == "" {
			out.Action = string(a.Type)
		}
		if a.Type != elbv2types.ActionTypeEnumForward {
			continue
		}
		if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
			for _, t := range a.ForwardConfig.TargetGroups {
				out.Forward = append(out.Forward, WeightedTargetGroup{ARN: aws.ToString(t.TargetGroupArn), Weight: aws.ToInt32(t.Weight)})
			}
		} else if a.TargetGroupArn != nil {
			out.Forward = append(out.Forward, WeightedTargetGroup{ARN: aws.ToString(a.TargetGroupArn), Weight: 1})
		}
	}
	return out
}

func (r *Reader) targetHealth(ctx context.Context, tg *TargetGroup) error {
	targets, err := r.TargetHealth(ctx, tg.ARN)
	if err != nil {
		return r.problem("DescribeTargetHealth", tg.ARN, err)
	}
	tg.Targets = targets
	return nil
}

func convertTargets(in []elbv2types.TargetHealthDescription) []Target {
	out := make([]Target, 0, len(in))
	for _, d := range in {
		t := Target{}
		if d.Target != nil {
			t.ID, t.Port, t.Zone = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port), aws.ToString(d.Target.AvailabilityZone)
		}
		if d.TargetHealth != nil {
			t.State, t.Reason, t.Description = string(d.TargetHealth.State), string(d.TargetHealth.Reason), aws.ToString(d.TargetHealth.Description)
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Port < out[j].Port
	})
	return out
}

func (r *Reader) limits(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	in := &elbv2.DescribeAccountLimitsInput{}
	for {
		if err := r.before(ctx, "DescribeAccountLimits"); err != nil {
			return nil, err
		}
		page, err := r.ELB.DescribeAccountLimits(ctx, in)
		if err != nil {
			return out, r.problem("DescribeAccountLimits", "", err)
		}
		for _, l := range page.Limits {
			out[aws.ToString(l.Name)] = aws.ToString(l.Max)
		}
		if aws.ToString(page.NextMarker) == "" {
			return out, nil
		}
		in.Marker = page.NextMarker
	}
}

// certificates lists the issued certificates as the controller's discovery
// does (ListCertificates with status ISSUED, ACM's default key types) with
// their names: the summary's when complete, else DescribeCertificate's. ok
// is false when ACM refused, so callers know discovery cannot be predicted.
func (r *Reader) certificates(ctx context.Context) (out []Certificate, ok bool, err error) {
	in := &acm.ListCertificatesInput{CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusIssued}, MaxItems: aws.Int32(1000)}
	var more []int
	for {
		if err := r.before(ctx, "ListCertificates"); err != nil {
			return nil, false, err
		}
		page, err := r.ACM.ListCertificates(ctx, in)
		if err != nil {
			return nil, false, r.problem("ListCertificates", "", err)
		}
		for _, c := range page.CertificateSummaryList {
			domains := append([]string(nil), c.SubjectAlternativeNameSummaries...)
			if d := aws.ToString(c.DomainName); d != "" && !slices.Contains(domains, d) {
				domains = append(domains, d)
			}
			if aws.ToBool(c.HasAdditionalSubjectAlternativeNames) {
				more = append(more, len(out))
			}
			out = append(out, Certificate{ARN: aws.ToString(c.CertificateArn), Domains: domains})
		}
		if aws.ToString(page.NextToken) == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.concurrency())
	failed := make([]bool, len(out))
	for _, i := range more {
		c := &out[i]
		g.Go(func() error {
			if err := r.before(gctx, "DescribeCertificate"); err != nil {
				return err
			}
			res, err := r.ACM.DescribeCertificate(gctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(c.ARN)})
			if err != nil {
				failed[i] = true
				return r.problem("DescribeCertificate", c.ARN, err)
			}
			if res.Certificate != nil {
				c.Domains = append([]string(nil), res.Certificate.SubjectAlternativeNames...)
				if d := aws.ToString(res.Certificate.DomainName); d != "" && !slices.Contains(c.Domains, d) {
					c.Domains = append(c.Domains, d)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, false, err
	}
	if slices.Contains(failed, true) {
		return nil, false, nil
	}
	for i := range out {
		sort.Strings(out[i].Domains)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out, true, nil
}

// vpcsOf lists the VPCs of the load balancers and of the instances read.
func vpcsOf(st *State) []string {
	var out []string
	for _, lb := range st.LoadBalancers {
		out = append(out, lb.VpcID)
	}
	for _, in := range st.Instances {
		out = append(out, in.VpcID)
	}
	sort.Strings(out)
	out = slices.Compact(out)
	if len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	return out
}

// refused says whether a call of the action was recorded as a problem.
func (r *Reader) refused(action string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.probs, func(p Problem) bool { return p.Action == action })
}

func (r *Reader) subnets(ctx context.Context, vpcs []string) ([]Subnet, error) {
	if len(vpcs) == 0 {
		return nil, nil
	}
	var out []Subnet
	p := ec2.NewDescribeSubnetsPaginator(r.EC2, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: vpcs}},
	}, func(o *ec2.DescribeSubnetsPaginatorOptions) { o.Limit = 1000 })
	_, err := pages(ctx, r, "DescribeSubnets", strings.Join(vpcs, ","), p.HasMorePages,
		func(ctx context.Context) (*ec2.DescribeSubnetsOutput, error) { return p.NextPage(ctx) },
		func(page *ec2.DescribeSubnetsOutput) {
			for _, s := range page.Subnets {
				out = append(out, Subnet{ID: aws.ToString(s.SubnetId), Zone: aws.ToString(s.AvailabilityZone), VpcID: aws.ToString(s.VpcId),
					CIDR: aws.ToString(s.CidrBlock), AvailableIPs: aws.ToInt32(s.AvailableIpAddressCount), Tags: ec2Tags(s.Tags)})
			}
		})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
