package awsendpoint

import (
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
)

// filled returns a T with every exported field, at every depth, set to a
// non-zero value derived from its path, so a round trip through the server
// and the SDK's deserializer proves every element name, list and map shape.
func filled[T any]() T {
	var v T
	fill(reflect.ValueOf(&v).Elem(), "x", 0)
	return v
}

func fill(v reflect.Value, path string, depth int) {
	if depth > 10 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		fill(n.Elem(), path, depth+1)
		v.Set(n)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(createdTime()))
			return
		}
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				fill(v.Field(i), path+"."+f.Name, depth+1)
			}
		}
	case reflect.Slice:
		n := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(n.Index(i), path+"["+string(rune('0'+i))+"]", depth+1)
		}
		v.Set(n)
	case reflect.Map:
		n := reflect.MakeMap(v.Type())
		for _, k := range []string{"k1", "k2"} {
			ev := reflect.New(v.Type().Elem()).Elem()
			fill(ev, path+"."+k, depth+1)
			n.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(n)
	case reflect.String:
		v.SetString(path + " <&'\">")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(7 + depth))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

func TestRoundTripEveryField(t *testing.T) {
	e := newEnv(t, envConfig{})
	ctx := t.Context()
	n := NewNamer(testRegion, testAccount, 1)

	lb := filled[elbv2types.LoadBalancer]()
	lb.LoadBalancerArn = aws.String(n.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, "full"))
	must(t, e.state.PutLoadBalancer(lb))

	listener := filled[elbv2types.Listener]()
	listenerArn, err := n.ListenerARN(*lb.LoadBalancerArn)
	must(t, err)
	listener.ListenerArn, listener.LoadBalancerArn = aws.String(listenerArn), lb.LoadBalancerArn
	must(t, e.state.PutListener(listener))

	rule := filled[elbv2types.Rule]()
	ruleArn, err := n.RuleARN(listenerArn)
	must(t, err)
	rule.RuleArn = aws.String(ruleArn)
	must(t, e.state.PutRule(listenerArn, rule))

	tg := filled[elbv2types.TargetGroup]()
	tg.TargetGroupArn = aws.String(n.TargetGroupARN("full"))
	tg.LoadBalancerArns = []string{*lb.LoadBalancerArn}
	must(t, e.state.PutTargetGroup(tg))

	health := []elbv2types.TargetHealthDescription{filled[elbv2types.TargetHealthDescription](), filled[elbv2types.TargetHealthDescription]()}
	health[1].Target.Id = aws.String("second")
	must(t, e.state.SetTargetHealth(*tg.TargetGroupArn, health))

	limits := []elbv2types.Limit{filled[elbv2types.Limit]()}
	e.state.SetAccountLimits(limits)

	subnet := filled[ec2types.Subnet]()
	subnet.SubnetId = aws.String(n.SubnetID())
	must(t, e.state.PutSubnet(subnet))

	sg := filled[ec2types.SecurityGroup]()
	sg.GroupId = aws.String(n.SecurityGroupID())
	must(t, e.state.PutSecurityGroup(sg))

	tests := []struct {
		name string
		want any
		get  func() (any, error)
	}{
		{"LoadBalancer", []elbv2types.LoadBalancer{lb}, func() (any, error) {
			out, err := e.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
			if err != nil {
				return nil, err
			}
			return out.LoadBalancers, nil
		}},
		{"Listener", []elbv2types.Listener{listener}, func() (any, error) {
			out, err := e.elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
			if err != nil {
				return nil, err
			}
			return out.Listeners, nil
		}},
		{"Rule", []elbv2types.Rule{rule}, func() (any, error) {
			out, err := e.elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: &listenerArn})
			if err != nil {
				return nil, err
			}
			return out.Rules, nil
		}},
		{"TargetGroup", []elbv2types.TargetGroup{tg}, func() (any, error) {
			out, err := e.elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
			if err != nil {
				return nil, err
			}
			return out.TargetGroups, nil
		}},
		{"TargetHealthDescription", health, func() (any, error) {
			out, err := e.elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
			if err != nil {
				return nil, err
			}
			return out.TargetHealthDescriptions, nil
		}},
		{"Limit", limits, func() (any, error) {
			out, err := e.elb.DescribeAccountLimits(ctx, &elbv2.DescribeAccountLimitsInput{})
			if err != nil {
				return nil, err
			}
			return out.Limits, nil
		}},
		{"Subnet", []ec2types.Subnet{subnet}, func() (any, error) {
			out, err := e.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
			if err != nil {
				return nil, err
			}
			return out.Subnets, nil
		}},
		{"SecurityGroup", []ec2types.SecurityGroup{sg}, func() (any, error) {
			out, err := e.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
			if err != nil {
				return nil, err
			}
			return out.SecurityGroups, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.get()
			must(t, err)
			if diff := cmp.Diff(tt.want, got, allSDKTypes()); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
