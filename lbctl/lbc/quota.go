package lbc

import "strconv"

// Limits are the ELBv2 quotas a migration plan must fit in, per account and
// region. Values come from DescribeAccountLimits when the caller has them
// (LimitsFromAWS), else from AWS's documented defaults (DefaultLimits).
type Limits struct {
	// ALBsPerRegion: application-load-balancers.
	ALBsPerRegion int
	// TargetGroupsPerRegion: target-groups.
	TargetGroupsPerRegion int
	// ListenersPerALB: listeners-per-application-load-balancer.
	ListenersPerALB int
	// RulesPerALB (excluding default rules): rules-per-application-load-balancer.
	// The controller does not split a group that exceeds it.
	RulesPerALB int
	// TargetGroupsPerALB: target-groups-per-application-load-balancer.
	TargetGroupsPerALB int
	// TargetGroupsPerAction: target-groups-per-action-on-application-load-balancer.
	TargetGroupsPerAction int
	// CertificatesPerALB (excluding the default): certificates-per-application-load-balancer.
	CertificatesPerALB int
	// TargetsPerALB: targets-per-application-load-balancer.
	TargetsPerALB int
	// TargetsPerTargetGroup: targets-per-target-group.
	TargetsPerTargetGroup int
	// ConditionValuesPerRule: condition-values-per-alb-rule (a Prefix path
	// alone uses two: "/foo" and "/foo/*").
	ConditionValuesPerRule int
	// ConditionWildcardsPerRule: condition-wildcards-per-alb-rule.
	ConditionWildcardsPerRule int
}

// DefaultLimits returns AWS's default quotas for Application Load Balancers.
func DefaultLimits() Limits {
	return Limits{
		ALBsPerRegion:             50,
		TargetGroupsPerRegion:     3000,
		ListenersPerALB:           50,
		RulesPerALB:               100,
		TargetGroupsPerALB:        100,
		TargetGroupsPerAction:     5,
		CertificatesPerALB:        25,
		TargetsPerALB:             1000,
		TargetsPerTargetGroup:     1000,
		ConditionValuesPerRule:    5,
		ConditionWildcardsPerRule: 5,
	}
}

// AWS DescribeAccountLimits limit names for Application Load Balancers.
const (
	LimitALBs                  = "application-load-balancers"
	LimitTargetGroups          = "target-groups"
	LimitListenersPerALB       = "listeners-per-application-load-balancer"
	LimitRulesPerALB           = "rules-per-application-load-balancer"
	LimitTargetGroupsPerALB    = "target-groups-per-application-load-balancer"
	LimitTargetGroupsPerAction = "target-groups-per-action-on-application-load-balancer"
	LimitCertificatesPerALB    = "certificates-per-application-load-balancer"
	LimitTargetsPerALB         = "targets-per-application-load-balancer"
	LimitTargetsPerTargetGroup = "targets-per-target-group"
	LimitConditionValues       = "condition-values-per-alb-rule"
	LimitConditionWildcards    = "condition-wildcards-per-alb-rule"
)

// LimitsFromAWS overlays DescribeAccountLimits results (limit Name → Max) on
// DefaultLimits. Unknown names and unparsable values are ignored, so a
// partial answer still yields usable limits.
func LimitsFromAWS(limits map[string]string) Limits {
	l := DefaultLimits()
	fields := map[string]*int{
		LimitALBs:                  &l.ALBsPerRegion,
		LimitTargetGroups:          &l.TargetGroupsPerRegion,
		LimitListenersPerALB:       &l.ListenersPerALB,
		LimitRulesPerALB:           &l.RulesPerALB,
		LimitTargetGroupsPerALB:    &l.TargetGroupsPerALB,
		LimitTargetGroupsPerAction: &l.TargetGroupsPerAction,
		LimitCertificatesPerALB:    &l.CertificatesPerALB,
		LimitTargetsPerALB:         &l.TargetsPerALB,
		LimitTargetsPerTargetGroup: &l.TargetsPerTargetGroup,
		LimitConditionValues:       &l.ConditionValuesPerRule,
		LimitConditionWildcards:    &l.ConditionWildcardsPerRule,
	}
	for name, max := range limits {
		dst, ok := fields[name]
		if !ok {
			continue
		}
		// Max is a decimal string; some SDKs render it as a float ("50.0").
		if n, err := strconv.Atoi(max); err == nil && n >= 0 {
			*dst = n
		} else if f, err := strconv.ParseFloat(max, 64); err == nil && f >= 0 && f == float64(int(f)) {
			*dst = int(f)
		}
	}
	return l
}
