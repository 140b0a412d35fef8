package plan

import (
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// Finding codes the planner adds to the scan's (docs/plan.md lists them).
// Where a scan code says the same thing (group-conflict, prestop-sleep,
// readiness-gate-label, the quota codes) the plan uses it.
const (
	CodeBlocked            = "plan-blocked"
	CodeTargetTypeOverride = "target-type-override"
	CodeUnmanagedTarget    = "unmanaged-target-group"
	CodeGroupPartition     = "group-partition"
	CodeGroupSplit         = "group-split"
	CodeGroupRenamed       = "group-renamed"
	CodeSharedHost         = "shared-host-split"
	CodeDuplicateRoute     = "duplicate-route"
	CodeDefaultBackend     = "default-backend-shared"
	CodeHealthCheckDerived = "healthcheck-derived"
	CodeHealthCheckDefault = "healthcheck-default"
	CodeNamedPortFixed     = "named-port-fixed"
	CodeLBNameDropped      = "load-balancer-name-dropped"
	CodeLegacyClass        = "legacy-class"
	CodeRenumbered         = "group-order-renumbered"
	CodeNoLiveALB          = "no-live-alb"
	CodeCatchAllHost       = "hostless-rules"
	CodeServiceKept        = "service-kept-nodeport"
	CodePredictionMismatch = "prediction-mismatch"
	CodeLabelFallback      = "group-label-missing"
	CodePreflight          = "preflight"
	CodeNamespaceOmitted   = "namespace-omitted"
	// CodeTargetGroupTargets: one backend has more ready endpoints than a
	// target group may hold; splitting the group cannot help.
	CodeTargetGroupTargets = "target-group-targets-quota"
)

func finding(sev scan.Severity, code, msg, remedy string, objs ...topology.ObjectRef) scan.Finding {
	if objs == nil {
		objs = []topology.ObjectRef{}
	}
	return scan.Finding{Severity: sev, Code: code, Message: msg, Objects: objs, Remedy: remedy}
}

// HasErrors reports whether a finding of severity error blocks part of the
// migration (the command exits 1).
func (p *Plan) HasErrors() bool { return scan.Worst(p.Findings) == scan.Error }
