package awsendpoint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/lbctl/lbctl/lbctl/awsapi"
)

// Load fills the state from lbctl's own view of an AWS account (what
// awsapi.Reader returns), so a fixture written as JSON — or a state read from
// one endpoint — can be served again. Reading it back through the SDK gives
// the same awsapi.State (tests hold that).
func (s *State) Load(st *awsapi.State) error {
	for _, sn := range st.Subnets {
		if err := s.PutSubnet(ec2types.Subnet{
			SubnetId: aws.String(sn.ID), AvailabilityZone: aws.String(sn.Zone), VpcId: aws.String(sn.VpcID),
			CidrBlock: aws.String(sn.CIDR), AvailableIpAddressCount: aws.Int32(sn.AvailableIPs), Tags: ec2Tags(sn.Tags),
		}); err != nil {
			return err
		}
	}
	for _, lb := range st.LoadBalancers {
		typ := elbv2types.LoadBalancerTypeEnum(lb.Type)
		if typ == "" {
			typ = elbv2types.LoadBalancerTypeEnumApplication
		}
		out := elbv2types.LoadBalancer{
			LoadBalancerArn: aws.String(lb.ARN), LoadBalancerName: aws.String(lb.Name), DNSName: aws.String(lb.DNSName),
			Scheme: elbv2types.LoadBalancerSchemeEnum(lb.Scheme), Type: typ, VpcId: aws.String(lb.VpcID),
			IpAddressType: elbv2types.IpAddressType(lb.IPAddressType),
		}
		if lb.State != "" {
			out.State = &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnum(lb.State)}
		}
		for i, sn := range lb.Subnets {
			az := elbv2types.AvailabilityZone{SubnetId: aws.String(sn)}
			if i < len(lb.Zones) {
				az.ZoneName = aws.String(lb.Zones[i])
			}
			out.AvailabilityZones = append(out.AvailabilityZones, az)
		}
		if err := s.PutLoadBalancer(out); err != nil {
			return fmt.Errorf("load balancer %s: %w", lb.Name, err)
		}
		if err := s.SetTags(lb.ARN, lb.Tags); err != nil {
			return err
		}
	}
	// Target groups before rules: rules forward to them.
	for _, tg := range st.TargetGroups {
		out := elbv2types.TargetGroup{
			TargetGroupArn: aws.String(tg.ARN), TargetGroupName: aws.String(tg.Name),
			TargetType: elbv2types.TargetTypeEnum(tg.TargetType), Protocol: elbv2types.ProtocolEnum(tg.Protocol),
			Port: aws.Int32(tg.Port), VpcId: aws.String(tg.VpcID),
			HealthCheckProtocol: elbv2types.ProtocolEnum(tg.HealthCheck.Protocol), HealthCheckPort: nonEmpty(tg.HealthCheck.Port),
			HealthCheckPath: nonEmpty(tg.HealthCheck.Path), HealthCheckIntervalSeconds: nonZero(tg.HealthCheck.IntervalSeconds),
			HealthCheckTimeoutSeconds: nonZero(tg.HealthCheck.TimeoutSeconds), HealthyThresholdCount: nonZero(tg.HealthCheck.HealthyThreshold),
			UnhealthyThresholdCount: nonZero(tg.HealthCheck.UnhealthyThreshold),
		}
		if tg.ProtocolVersion != "" {
			out.ProtocolVersion = aws.String(tg.ProtocolVersion)
		}
		if tg.HealthCheck.Matcher != "" {
			out.Matcher = &elbv2types.Matcher{HttpCode: aws.String(tg.HealthCheck.Matcher)}
		}
		if err := s.PutTargetGroup(out, tg.LoadBalancerARNs...); err != nil {
			return fmt.Errorf("target group %s: %w", tg.Name, err)
		}
		if err := s.SetTags(tg.ARN, tg.Tags); err != nil {
			return err
		}
		var th []elbv2types.TargetHealthDescription
		for _, t := range tg.Targets {
			d := elbv2types.TargetHealthDescription{
				Target:       &elbv2types.TargetDescription{Id: aws.String(t.ID), Port: aws.Int32(t.Port), AvailabilityZone: nonEmpty(t.Zone)},
				TargetHealth: &elbv2types.TargetHealth{State: elbv2types.TargetHealthStateEnum(t.State), Reason: elbv2types.TargetHealthReasonEnum(t.Reason), Description: nonEmpty(t.Description)},
			}
			th = append(th, d)
		}
		if err := s.SetTargetHealth(tg.ARN, th); err != nil {
			return err
		}
	}
	for _, lb := range st.LoadBalancers {
		for _, l := range lb.Listeners {
			if err := s.PutListener(elbv2types.Listener{ListenerArn: aws.String(l.ARN), LoadBalancerArn: aws.String(lb.ARN),
				Port: aws.Int32(l.Port), Protocol: elbv2types.ProtocolEnum(l.Protocol)}); err != nil {
				return fmt.Errorf("listener %s: %w", l.ARN, err)
			}
			for _, r := range l.Rules {
				if err := s.PutRule(l.ARN, sdkRule(r)); err != nil {
					return fmt.Errorf("rule %s: %w", r.ARN, err)
				}
			}
		}
	}
	for _, c := range st.Certificates {
		if err := s.PutCertificate(acmtypes.CertificateDetail{CertificateArn: aws.String(c.ARN), SubjectAlternativeNames: c.Domains,
			DomainName: nonEmpty(firstOf(c.Domains)), Status: acmtypes.CertificateStatusIssued, Type: acmtypes.CertificateTypeAmazonIssued}); err != nil {
			return err
		}
	}
	if len(st.Limits) > 0 {
		names := make([]string, 0, len(st.Limits))
		for n := range st.Limits {
			names = append(names, n)
		}
		sort.Strings(names)
		var limits []elbv2types.Limit
		for _, n := range names {
			limits = append(limits, elbv2types.Limit{Name: aws.String(n), Max: aws.String(st.Limits[n])})
		}
		s.SetAccountLimits(limits)
	}
	return nil
}

func sdkRule(r awsapi.Rule) elbv2types.Rule {
	out := elbv2types.Rule{RuleArn: aws.String(r.ARN), Priority: aws.String(r.Priority), IsDefault: aws.Bool(r.IsDefault)}
	if len(r.Hosts) > 0 {
		out.Conditions = append(out.Conditions, elbv2types.RuleCondition{Field: aws.String("host-header"), HostHeaderConfig: &elbv2types.HostHeaderConditionConfig{Values: r.Hosts}})
	}
	if len(r.Paths) > 0 {
		out.Conditions = append(out.Conditions, elbv2types.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: r.Paths}})
	}
	action := elbv2types.Action{Type: elbv2types.ActionTypeEnum(r.Action), Order: aws.Int32(1)}
	if action.Type == "" {
		action.Type = elbv2types.ActionTypeEnumForward
	}
	if strings.EqualFold(string(action.Type), string(elbv2types.ActionTypeEnumForward)) && len(r.Forward) > 0 {
		fc := &elbv2types.ForwardActionConfig{}
		for _, f := range r.Forward {
			fc.TargetGroups = append(fc.TargetGroups, elbv2types.TargetGroupTuple{TargetGroupArn: aws.String(f.ARN), Weight: aws.Int32(f.Weight)})
		}
		action.ForwardConfig = fc
	}
	out.Actions = []elbv2types.Action{action}
	return out
}

func ec2Tags(m map[string]string) []ec2types.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []ec2types.Tag
	for _, k := range keys {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func nonZero(n int32) *int32 {
	if n == 0 {
		return nil
	}
	return aws.Int32(n)
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
