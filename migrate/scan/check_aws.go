package scan

import (
	"fmt"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkOrphans reports ALBs and target groups tagged for this cluster whose
// stack no Ingress owns any more (left behind when an Ingress changed group).
func checkOrphans(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, o := range t.Orphans {
		code := CodeOrphanALB
		if o.Kind == "TargetGroup" {
			code = CodeOrphanTargetGroup
		}
		out = append(out, Finding{Severity: Warning, Code: code, Objects: refs(topology.ObjectRef{Kind: o.Kind, Name: o.Name}),
			Message: fmt.Sprintf("%s %s is tagged for stack %q, which no Ingress owns any more; it still costs money", o.Kind, o.Name, o.Stack),
			Remedy:  "confirm nothing routes to it (DNS, other clusters), then delete it: " + o.ARN})
	}
	return out
}

// checkAWSProblems reports AWS calls that failed after retries; the scan
// went on with what it could read.
func checkAWSProblems(t *topology.Topology, _ Options) []Finding {
	if t.AWS == nil {
		return nil
	}
	type key struct{ action, code string }
	counts := map[key]int{}
	var order []key
	msgs := map[key]string{}
	for _, p := range t.AWS.Problems {
		k := key{p.Action, p.Code}
		if counts[k] == 0 {
			order = append(order, k)
			msgs[k] = p.Message
		}
		counts[k]++
	}
	var out []Finding
	for _, k := range order {
		remedy := "retry later"
		if awsapi.ClassifyCode(k.code) == awsapi.AccessDenied {
			remedy = "allow " + k.action + " (see `" + buildinfo.Command() + " iam-policy --for scan`)"
		}
		out = append(out, Finding{Severity: Warning, Code: CodeAWSAccess, Objects: []topology.ObjectRef{},
			Message: fmt.Sprintf("AWS %s failed %d time(s) with %s: %s; findings that need it are incomplete", k.action, counts[k], k.code, msgs[k]),
			Remedy:  remedy})
	}
	return out
}
