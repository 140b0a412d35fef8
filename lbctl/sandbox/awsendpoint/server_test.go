package awsendpoint

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
)

func TestUnknownAction(t *testing.T) {
	e := newEnv(t, envConfig{})
	_, err := e.elb.DescribeSSLPolicies(t.Context(), &elbv2.DescribeSSLPoliciesInput{})
	assertCode(t, err, "InvalidAction")
	if got := httpStatus(err); got != 400 {
		t.Errorf("elbv2 status = %d, want 400", got)
	}
	_, err = e.ec2.DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{})
	assertCode(t, err, "InvalidAction")
	if got := httpStatus(err); got != 400 {
		t.Errorf("ec2 status = %d, want 400", got)
	}
}

func TestAuthorizationHeader(t *testing.T) {
	tests := []struct {
		name     string
		allow    bool
		wantCode string
	}{
		{"anonymous rejected", false, "MissingAuthenticationToken"},
		{"anonymous allowed", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{creds: aws.AnonymousCredentials{}, opts: Options{AllowAnonymous: tt.allow}})
			_, err := e.elb.DescribeLoadBalancers(t.Context(), &elbv2.DescribeLoadBalancersInput{})
			assertCode(t, err, tt.wantCode)
			_, err = e.ec2.DescribeSubnets(t.Context(), &ec2.DescribeSubnetsInput{})
			assertCode(t, err, tt.wantCode)
		})
	}
}

func TestStartListensOnLoopbackOnly(t *testing.T) {
	tests := []struct {
		addr    string
		wantErr bool
	}{
		{"", false},
		{"127.0.0.1:0", false},
		{"localhost:0", false},
		{":0", true},
		{"0.0.0.0:0", true},
		{"192.0.2.1:0", true},
		{"example.com:0", true},
		{"no-port", true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			s, err := Start(tt.addr, NewHandler(nil, Options{}))
			if tt.wantErr {
				if err == nil {
					_ = s.Close()
					t.Fatalf("Start(%q) succeeded, want an error", tt.addr)
				}
				return
			}
			must(t, err)
			must(t, s.Close())
			must(t, s.Close()) // idempotent
		})
	}
}

// TestEndpointFromEnvironment points an SDK configured the production way
// (config.LoadDefaultConfig) at the server through AWS_ENDPOINT_URL.
func TestEndpointFromEnvironment(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	dir := t.TempDir()
	t.Setenv("AWS_ENDPOINT_URL", e.server.URL)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_REGION", testRegion)
	cfg, err := config.LoadDefaultConfig(t.Context(),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")))
	must(t, err)
	lbs, err := elbv2.NewFromConfig(cfg).DescribeLoadBalancers(t.Context(), &elbv2.DescribeLoadBalancersInput{})
	must(t, err)
	if len(lbs.LoadBalancers) != len(f.lbs) {
		t.Errorf("got %d load balancers, want %d", len(lbs.LoadBalancers), len(f.lbs))
	}
	subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(t.Context(), &ec2.DescribeSubnetsInput{})
	must(t, err)
	if len(subnets.Subnets) != len(f.subnets) {
		t.Errorf("got %d subnets, want %d", len(subnets.Subnets), len(f.subnets))
	}
}

// TestConcurrentMutationWhileServing is meant for -race: writers churn the
// State and the fault set while SDK clients describe.
func TestConcurrentMutationWhileServing(t *testing.T) {
	e := newEnv(t, envConfig{maxAttempts: 5})
	f := newFixture(t, e.state)
	ctx := t.Context()
	const rounds = 40
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	wg.Go(func() {
		for i := range rounds {
			name := fmt.Sprintf("churn-%d", i)
			lb := newLoadBalancer(f.namer, name, elbv2types.LoadBalancerSchemeEnumInternal, f.vpcs[0])
			if err := e.state.PutLoadBalancer(lb); err != nil {
				errs <- err
				return
			}
			lArn, _ := f.namer.ListenerARN(*lb.LoadBalancerArn)
			if err := e.state.PutListener(elbv2types.Listener{ListenerArn: &lArn, LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
				errs <- err
				return
			}
			rArn, _ := f.namer.RuleARN(lArn)
			if err := e.state.PutRule(lArn, elbv2types.Rule{RuleArn: &rArn}); err != nil {
				errs <- err
				return
			}
			if err := e.state.SetTags(*lb.LoadBalancerArn, map[string]string{"round": name}); err != nil {
				errs <- err
				return
			}
			f.health[0].TargetHealth.State = elbv2types.TargetHealthStateEnumInitial // mutating our copy is safe
			if err := e.state.SetTargetHealth(*f.tgs[0].TargetGroupArn, f.health); err != nil {
				errs <- err
				return
			}
			if err := e.state.PutTargetGroup(f.tgs[1], *lb.LoadBalancerArn); err != nil {
				errs <- err
				return
			}
			if i%2 == 0 {
				e.state.DeleteLoadBalancer(*lb.LoadBalancerArn)
			}
			_ = e.state.PutSubnet(ec2types.Subnet{SubnetId: aws.String(f.namer.SubnetID()), VpcId: aws.String(f.vpcs[1])})
			e.handler.Faults().Set("DescribeRules", Fault{ThrottleFraction: 0.2})
			_ = e.state.Snapshot()
			_ = e.handler.Calls()
		}
	})
	for range 3 {
		wg.Go(func() {
			for range rounds {
				if _, err := e.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(3)}); err != nil {
					errs <- err
					return
				}
				if _, err := e.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: f.listeners[0].ListenerArn}); err != nil {
					errs <- err
					return
				}
				if _, err := e.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: f.tgs[0].TargetGroupArn}); err != nil {
					errs <- err
					return
				}
				if _, err := e.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{}); err != nil {
					errs <- err
					return
				}
				if _, err := e.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("vpc-id", f.vpcs[1])}}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var ae smithy.APIError
		if errors.As(err, &ae) && ae.ErrorCode() == "Throttling" {
			continue // 0.2^5 per call: possible, and not what this test is about
		}
		t.Error(err)
	}
}
