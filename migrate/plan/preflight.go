package plan

import (
	"fmt"

	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// preflightCheck is one check of phase 1, each in its own file. It evaluates
// what the topology holds and says "not checked" (with the data it needs)
// for the rest.
type preflightCheck func(b *builder) (Check, []topology.ObjectRef)

func preflightChecks() []preflightCheck {
	return []preflightCheck{
		checkController,
		checkControllerModel,
		checkWebhook,
		checkPermissions,
		checkSubnets,
		checkSecurityGroups,
		checkALBQuota,
		checkDNS,
	}
}

// preflight runs the checks; a failed check is an error finding (it blocks
// the migration until fixed), a warning a warning finding.
func (b *builder) preflight() []Step {
	var steps []Step
	for _, c := range preflightChecks() {
		res, objs := c(b)
		if objs == nil {
			objs = []topology.ObjectRef{}
		}
		st := Step{Op: OpCheck, Action: "check " + res.Name, Objects: objs, Check: &res}
		switch res.Status {
		case CheckFail:
			st.WaitFor = "fix it and re-run the plan"
			b.add(finding(scan.Error, CodePreflight, fmt.Sprintf("preflight %s failed: %s", res.Name, res.Message), "fix it before phase 2, then plan again", objs...))
		case CheckWarn:
			b.add(finding(scan.Warning, CodePreflight, fmt.Sprintf("preflight %s: %s", res.Name, res.Message), "review it before phase 2", objs...))
		}
		steps = append(steps, st)
	}
	return steps
}

// worse returns the more serious of two statuses.
func worse(a, b string) string {
	rank := map[string]int{CheckPass: 0, CheckNotChecked: 1, CheckWarn: 2, CheckFail: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
