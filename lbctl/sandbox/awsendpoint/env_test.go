package awsendpoint

import (
	"errors"
	"math/rand/v2"
	"reflect"
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
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const (
	testRegion  = "us-west-2"
	testAccount = "123456789012"
)

// env is a running server with real SDK clients pointed at it.
type env struct {
	state   *State
	handler *Handler
	server  *Server
	elb     *elbv2.Client
	ec2     *ec2.Client
}

// envConfig tunes newEnv.
type envConfig struct {
	maxAttempts int // SDK attempts per call; 0 means 3
	opts        Options
	creds       aws.CredentialsProvider
}

// newEnv starts a Handler on a loopback Server and builds the SDK clients
// the way production code does, plus BaseEndpoint.
func newEnv(t *testing.T, c envConfig) *env {
	t.Helper()
	if c.maxAttempts == 0 {
		c.maxAttempts = 3
	}
	if c.opts.Rand == nil {
		c.opts.Rand = rand.New(rand.NewPCG(42, 42))
	}
	if c.creds == nil {
		c.creds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	}
	h := NewHandler(NewState(), c.opts)
	srv, err := Start("", h)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	cfg := aws.Config{
		Region:      testRegion,
		Credentials: c.creds,
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = c.maxAttempts
				o.MaxBackoff = time.Millisecond
				o.RateLimiter = ratelimit.None
			})
		},
	}
	return &env{
		state:   h.State(),
		handler: h,
		server:  srv,
		elb:     elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
		ec2:     ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
	}
}

// sdkOpts compares SDK values, ignoring the unexported noSmithyDocumentSerde
// markers of every struct type reachable from the compared types.
func sdkOpts(samples ...any) cmp.Option {
	seen := map[reflect.Type]bool{}
	var structs []any
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			walk(t.Elem())
		case reflect.Struct:
			if seen[t] || t == reflect.TypeFor[time.Time]() {
				return
			}
			seen[t] = true
			structs = append(structs, reflect.New(t).Elem().Interface())
			for i := range t.NumField() {
				if t.Field(i).IsExported() {
					walk(t.Field(i).Type)
				}
			}
		}
	}
	for _, s := range samples {
		walk(reflect.TypeOf(s))
	}
	return cmpopts.IgnoreUnexported(structs...)
}

// allSDKTypes is every model type the server serves.
func allSDKTypes() cmp.Option {
	return sdkOpts(
		elbv2types.LoadBalancer{}, elbv2types.Listener{}, elbv2types.Rule{}, elbv2types.TargetGroup{},
		elbv2types.TargetHealthDescription{}, elbv2types.TagDescription{}, elbv2types.Limit{},
		ec2types.Subnet{}, ec2types.SecurityGroup{}, ec2types.NetworkInterface{}, ec2types.NetworkInterfacePrivateIpAddress{}, ec2types.GroupIdentifier{},
	)
}

// assertCode fails unless err is an API error with code, and, for the codes
// the SDK models, the SDK's typed exception.
func assertCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want code %s, got %s (%v)", code, ae.ErrorCode(), err)
	}
	typed := true
	switch code {
	case "LoadBalancerNotFound":
		typed = errors.As(err, new(*elbv2types.LoadBalancerNotFoundException))
	case "TargetGroupNotFound":
		typed = errors.As(err, new(*elbv2types.TargetGroupNotFoundException))
	case "ListenerNotFound":
		typed = errors.As(err, new(*elbv2types.ListenerNotFoundException))
	case "RuleNotFound":
		typed = errors.As(err, new(*elbv2types.RuleNotFoundException))
	}
	if !typed {
		t.Fatalf("code %s did not surface as the SDK's typed exception: %T", code, err)
	}
}

// httpStatus returns the HTTP status of an SDK error.
func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixture is a realistic small account: load balancers with listeners,
// rules, target groups with targets, tags, subnets and security groups.
type fixture struct {
	namer     *Namer
	lbs       []elbv2types.LoadBalancer
	listeners []elbv2types.Listener // two per lbs[0], one per lbs[1]
	rules     []elbv2types.Rule     // on listeners[0]
	tgs       []elbv2types.TargetGroup
	health    []elbv2types.TargetHealthDescription // of tgs[0]
	subnets   []ec2types.Subnet
	sgs       []ec2types.SecurityGroup
	vpcs      []string
}

// createdTime is the fixture objects' creation time, at the millisecond
// precision AWS timestamps have.
func createdTime() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 123e6, time.UTC) }

func newLoadBalancer(n *Namer, name string, scheme elbv2types.LoadBalancerSchemeEnum, vpc string) elbv2types.LoadBalancer {
	zone, _ := CanonicalHostedZoneID(n.Region(), elbv2types.LoadBalancerTypeEnumApplication)
	return elbv2types.LoadBalancer{
		LoadBalancerArn:       aws.String(n.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, name)),
		LoadBalancerName:      aws.String(name),
		DNSName:               aws.String(n.LoadBalancerDNSName(elbv2types.LoadBalancerTypeEnumApplication, scheme, name)),
		CanonicalHostedZoneId: aws.String(zone),
		CreatedTime:           aws.Time(createdTime()),
		Scheme:                scheme,
		Type:                  elbv2types.LoadBalancerTypeEnumApplication,
		IpAddressType:         elbv2types.IpAddressTypeIpv4,
		VpcId:                 aws.String(vpc),
		State:                 &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnumActive},
		SecurityGroups:        []string{"sg-0123456789abcdef0"},
		AvailabilityZones: []elbv2types.AvailabilityZone{
			{ZoneName: aws.String("us-west-2a"), SubnetId: aws.String("subnet-0aaa"), LoadBalancerAddresses: []elbv2types.LoadBalancerAddress{}},
			{ZoneName: aws.String("us-west-2b"), SubnetId: aws.String("subnet-0bbb")},
		},
	}
}

func newFixture(t *testing.T, s *State) *fixture {
	t.Helper()
	n := NewNamer(testRegion, testAccount, 7)
	f := &fixture{namer: n, vpcs: []string{n.VpcID(), n.VpcID()}}
	for i, name := range []string{"k8s-web-a", "k8s-web-b", "k8s-api", "internal-svc", "k8s-extra"} {
		scheme := elbv2types.LoadBalancerSchemeEnumInternetFacing
		if i == 3 {
			scheme = elbv2types.LoadBalancerSchemeEnumInternal
		}
		lb := newLoadBalancer(n, name, scheme, f.vpcs[i%2])
		must(t, s.PutLoadBalancer(lb))
		f.lbs = append(f.lbs, lb)
	}
	for i, port := range []int32{80, 443, 80} {
		lb := f.lbs[i/2]
		arn, err := n.ListenerARN(*lb.LoadBalancerArn)
		must(t, err)
		l := elbv2types.Listener{
			ListenerArn:     aws.String(arn),
			LoadBalancerArn: lb.LoadBalancerArn,
			Port:            aws.Int32(port),
			Protocol:        elbv2types.ProtocolEnumHttp,
			DefaultActions: []elbv2types.Action{{
				Type: elbv2types.ActionTypeEnumFixedResponse,
				FixedResponseConfig: &elbv2types.FixedResponseActionConfig{
					StatusCode: aws.String("404"), ContentType: aws.String("text/plain"), MessageBody: aws.String("not found"),
				},
			}},
		}
		if port == 443 {
			l.Protocol = elbv2types.ProtocolEnumHttps
			l.SslPolicy = aws.String("ELBSecurityPolicy-TLS13-1-2-2021-06")
			l.Certificates = []elbv2types.Certificate{{CertificateArn: aws.String("arn:aws:acm:us-west-2:123456789012:certificate/abc"), IsDefault: aws.Bool(true)}}
		}
		must(t, s.PutListener(l))
		f.listeners = append(f.listeners, l)
	}
	for _, name := range []string{"k8s-default-web-80", "k8s-default-api-8080", "k8s-default-canary-80"} {
		tg := elbv2types.TargetGroup{
			TargetGroupArn:             aws.String(n.TargetGroupARN(name)),
			TargetGroupName:            aws.String(name),
			Protocol:                   elbv2types.ProtocolEnumHttp,
			Port:                       aws.Int32(80),
			VpcId:                      aws.String(f.vpcs[0]),
			TargetType:                 elbv2types.TargetTypeEnumIp,
			HealthCheckEnabled:         aws.Bool(true),
			HealthCheckPath:            aws.String("/healthz"),
			HealthCheckPort:            aws.String("traffic-port"),
			HealthCheckProtocol:        elbv2types.ProtocolEnumHttp,
			HealthCheckIntervalSeconds: aws.Int32(15),
			HealthCheckTimeoutSeconds:  aws.Int32(5),
			HealthyThresholdCount:      aws.Int32(2),
			UnhealthyThresholdCount:    aws.Int32(2),
			Matcher:                    &elbv2types.Matcher{HttpCode: aws.String("200-399")},
			IpAddressType:              elbv2types.TargetGroupIpAddressTypeEnumIpv4,
			ProtocolVersion:            aws.String("HTTP1"),
		}
		must(t, s.PutTargetGroup(tg, *f.lbs[0].LoadBalancerArn))
		tg.LoadBalancerArns = []string{*f.lbs[0].LoadBalancerArn}
		f.tgs = append(f.tgs, tg)
	}
	f.rules = fixtureRules(t, n, f.listeners[0], f.tgs)
	for _, r := range f.rules {
		must(t, s.PutRule(*f.listeners[0].ListenerArn, r))
	}
	f.health = []elbv2types.TargetHealthDescription{
		{
			Target:          &elbv2types.TargetDescription{Id: aws.String("10.0.1.10"), Port: aws.Int32(8080), AvailabilityZone: aws.String("us-west-2a")},
			HealthCheckPort: aws.String("8080"),
			TargetHealth:    &elbv2types.TargetHealth{State: elbv2types.TargetHealthStateEnumHealthy},
		},
		{
			Target:          &elbv2types.TargetDescription{Id: aws.String("10.0.2.11"), Port: aws.Int32(8080), AvailabilityZone: aws.String("us-west-2b")},
			HealthCheckPort: aws.String("8080"),
			TargetHealth: &elbv2types.TargetHealth{
				State:       elbv2types.TargetHealthStateEnumUnhealthy,
				Reason:      elbv2types.TargetHealthReasonEnumFailedHealthChecks,
				Description: aws.String("Health checks failed with these codes: [502]"),
			},
		},
		{
			Target:          &elbv2types.TargetDescription{Id: aws.String("10.0.3.12"), Port: aws.Int32(8080), AvailabilityZone: aws.String("us-west-2c")},
			HealthCheckPort: aws.String("8080"),
			TargetHealth: &elbv2types.TargetHealth{
				State:       elbv2types.TargetHealthStateEnumDraining,
				Reason:      elbv2types.TargetHealthReasonEnumDeregistrationInProgress,
				Description: aws.String("Target deregistration is in progress"),
			},
		},
	}
	must(t, s.SetTargetHealth(*f.tgs[0].TargetGroupArn, f.health))
	for i := range 7 {
		id := n.SubnetID()
		az := []string{"us-west-2a", "us-west-2b", "us-west-2c"}[i%3]
		sn := ec2types.Subnet{
			SubnetId:                    aws.String(id),
			SubnetArn:                   aws.String(n.SubnetARN(id)),
			VpcId:                       aws.String(f.vpcs[i%2]),
			AvailabilityZone:            aws.String(az),
			AvailabilityZoneId:          aws.String("usw2-az" + string(rune('1'+i%3))),
			CidrBlock:                   aws.String("10.0." + string(rune('0'+i)) + ".0/24"),
			AvailableIpAddressCount:     aws.Int32(250),
			DefaultForAz:                aws.Bool(false),
			MapPublicIpOnLaunch:         aws.Bool(i%2 == 0),
			OwnerId:                     aws.String(testAccount),
			State:                       ec2types.SubnetStateAvailable,
			Ipv6CidrBlockAssociationSet: []ec2types.SubnetIpv6CidrBlockAssociation{},
			Tags: []ec2types.Tag{
				{Key: aws.String("Name"), Value: aws.String("subnet-" + az)},
				{Key: aws.String("kubernetes.io/role/elb"), Value: aws.String("1")},
			},
		}
		if i%2 == 1 {
			sn.Tags[1].Key = aws.String("kubernetes.io/role/internal-elb")
		}
		must(t, s.PutSubnet(sn))
		f.subnets = append(f.subnets, sn)
	}
	for i, name := range []string{"k8s-web", "k8s-shared", "default"} {
		id := n.SecurityGroupID()
		sg := ec2types.SecurityGroup{
			GroupId:          aws.String(id),
			GroupName:        aws.String(name),
			Description:      aws.String("managed by lbctl"),
			VpcId:            aws.String(f.vpcs[i%2]),
			OwnerId:          aws.String(testAccount),
			SecurityGroupArn: aws.String(n.SecurityGroupARN(id)),
			IpPermissions:    []ec2types.IpPermission{},
			Tags:             []ec2types.Tag{{Key: aws.String("elbv2.k8s.aws/cluster"), Value: aws.String("sandbox")}},
		}
		if i == 0 {
			sg.IpPermissions = []ec2types.IpPermission{{
				IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
				IpRanges:         []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("https")}},
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-0peer"), UserId: aws.String(testAccount)}},
			}}
			sg.IpPermissionsEgress = []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
		}
		must(t, s.PutSecurityGroup(sg))
		f.sgs = append(f.sgs, sg)
	}
	return f
}

// fixtureRules returns a listener's rules covering every condition and
// action shape a controller writes.
func fixtureRules(t *testing.T, n *Namer, l elbv2types.Listener, tgs []elbv2types.TargetGroup) []elbv2types.Rule {
	t.Helper()
	arn := func() *string {
		a, err := n.RuleARN(*l.ListenerArn)
		must(t, err)
		return aws.String(a)
	}
	return []elbv2types.Rule{
		{
			RuleArn: arn(), Priority: aws.String("10"), IsDefault: aws.Bool(false),
			Conditions: []elbv2types.RuleCondition{
				{Field: aws.String("host-header"), HostHeaderConfig: &elbv2types.HostHeaderConditionConfig{Values: []string{"www.example.com", "*.example.org"}}},
				{Field: aws.String("path-pattern"), PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: []string{"/api/*"}}},
			},
			Actions: []elbv2types.Action{{
				Type:  elbv2types.ActionTypeEnumForward,
				Order: aws.Int32(1),
				ForwardConfig: &elbv2types.ForwardActionConfig{
					TargetGroups: []elbv2types.TargetGroupTuple{
						{TargetGroupArn: tgs[0].TargetGroupArn, Weight: aws.Int32(90)},
						{TargetGroupArn: tgs[2].TargetGroupArn, Weight: aws.Int32(10)},
					},
					TargetGroupStickinessConfig: &elbv2types.TargetGroupStickinessConfig{Enabled: aws.Bool(true), DurationSeconds: aws.Int32(3600)},
				},
			}},
		},
		{
			RuleArn: arn(), Priority: aws.String("20"), IsDefault: aws.Bool(false),
			Conditions: []elbv2types.RuleCondition{
				{Field: aws.String("http-header"), HttpHeaderConfig: &elbv2types.HttpHeaderConditionConfig{HttpHeaderName: aws.String("X-Canary"), Values: []string{"true"}}},
				{Field: aws.String("query-string"), QueryStringConfig: &elbv2types.QueryStringConditionConfig{Values: []elbv2types.QueryStringKeyValuePair{
					{Key: aws.String("version"), Value: aws.String("v2")},
					{Value: aws.String("beta")},
				}}},
			},
			Actions: []elbv2types.Action{{
				Type:           elbv2types.ActionTypeEnumForward,
				TargetGroupArn: tgs[1].TargetGroupArn,
				ForwardConfig: &elbv2types.ForwardActionConfig{TargetGroups: []elbv2types.TargetGroupTuple{
					{TargetGroupArn: tgs[1].TargetGroupArn, Weight: aws.Int32(1)},
				}},
			}},
		},
		{
			RuleArn: arn(), Priority: aws.String("30"), IsDefault: aws.Bool(false),
			Conditions: []elbv2types.RuleCondition{
				{Field: aws.String("path-pattern"), Values: []string{"/old/*"}, PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: []string{"/old/*"}}},
			},
			Actions: []elbv2types.Action{{
				Type: elbv2types.ActionTypeEnumRedirect,
				RedirectConfig: &elbv2types.RedirectActionConfig{
					Protocol: aws.String("HTTPS"), Port: aws.String("443"), Host: aws.String("#{host}"),
					Path: aws.String("/new/#{path}"), Query: aws.String("#{query}"), StatusCode: elbv2types.RedirectActionStatusCodeEnumHttp301,
				},
			}},
		},
		{
			RuleArn: arn(), Priority: aws.String("default"), IsDefault: aws.Bool(true),
			Conditions: []elbv2types.RuleCondition{},
			Actions: []elbv2types.Action{{
				Type: elbv2types.ActionTypeEnumFixedResponse,
				FixedResponseConfig: &elbv2types.FixedResponseActionConfig{
					StatusCode: aws.String("503"), ContentType: aws.String("application/json"), MessageBody: aws.String(`{"error":"<unavailable> & \"retry\""}`),
				},
			}},
		},
	}
}
