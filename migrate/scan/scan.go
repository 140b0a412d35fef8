package scan

import (
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Options tune the checks.
type Options struct {
	// Limits are the ALB quotas (lbc.DefaultLimits, or live values).
	Limits lbc.Limits
	// NearFraction of a quota that makes a warning (default 0.8).
	NearFraction float64
	// WarmIPs is the per-zone headroom the VPC CNI keeps (warm pool) on top
	// of the pods ip mode registers (default 16).
	WarmIPs int
}

func (o Options) near() float64 {
	if o.NearFraction > 0 {
		return o.NearFraction
	}
	return 0.8
}

func (o Options) warm() int {
	if o.WarmIPs > 0 {
		return o.WarmIPs
	}
	return 16
}

// check is one concern: it reads the topology and returns findings.
type check func(t *topology.Topology, o Options) []Finding

func allChecks() []check {
	return []check{
		checkClasses,
		checkClassAssumed,
		checkClassParams,
		checkAnnotations,
		checkTargetTypes,
		checkNodePortOnly,
		checkOwnALB,
		checkGroupConflicts,
		checkGroupQuotas,
		checkInstanceTargets,
		checkSubnets,
		checkReadinessGateLabel,
		checkPreStop,
		checkNamedHealthPort,
		checkTargetHealth,
		checkOrphans,
		checkAWSProblems,
	}
}

// Findings runs every check over the topology.
func Findings(t *topology.Topology, o Options) []Finding {
	if o.Limits == (lbc.Limits{}) {
		o.Limits = lbc.DefaultLimits()
	}
	var out []Finding
	for _, c := range allChecks() {
		out = append(out, c(t, o)...)
	}
	for i := range out {
		if out[i].Objects == nil {
			out[i].Objects = []topology.ObjectRef{}
		}
	}
	SortFindings(out)
	return out
}
