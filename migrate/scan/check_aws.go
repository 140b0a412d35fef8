package scan

import (
	"fmt"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkOrphans reports ALBs and target groups tagged for this cluster whose
// stack no Ingress names any more (left behind when an Ingress changed
// group or was deleted). Only a read of the whole cluster can say so: after
// a partial read (one namespace, a selector, manifests) they may serve
// Ingresses outside it, and one info finding counts them instead. Missing
// tags alone never make a case for deleting: the remedy names the evidence
// lbctl has and what it did not check.
func checkOrphans(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, o := range t.Orphans {
		code, what := CodeOrphanALB, "ALB"
		if o.Kind == "TargetGroup" {
			code, what = CodeOrphanTargetGroup, "target group"
		}
		evidence := fmt.Sprintf("no Ingress in the cluster (all namespaces read, no selector) names stack %q", o.Stack)
		if o.Created != nil {
			evidence += "; created " + o.Created.UTC().Format("2006-01-02 15:04 UTC")
		}
		out = append(out, Finding{Severity: Warning, Code: code, Objects: refs(topology.ObjectRef{Kind: o.Kind, Name: o.Name}),
			Message: fmt.Sprintf("%s %s is tagged for stack %q, which no Ingress in the cluster names; if nothing uses it, it still costs money", what, o.Name, o.Stack),
			Remedy: "evidence: " + evidence + ". Not checked: DNS records that point at it, requests it still serves (CloudWatch is not read yet), " +
				"other clusters or tools that use it. Rule those out before you delete " + o.ARN})
	}
	if n := len(t.Unjudged); n > 0 {
		albs, tgs := 0, 0
		for _, o := range t.Unjudged {
			if o.Kind == "LoadBalancer" {
				albs++
			} else {
				tgs++
			}
		}
		cluster := ""
		if t.Cluster != "" {
			cluster = " " + t.Cluster
		}
		out = append(out, Finding{Severity: Info, Code: CodeOrphansNotJudged, Objects: []topology.ObjectRef{},
			Message: fmt.Sprintf("%s and %s tagged for cluster%s belong to no Ingress read (%s); they may serve Ingresses outside the scope, so they were not judged as orphans",
				plural(albs, "ALB", "ALBs"), plural(tgs, "target group", "target groups"), cluster, t.Scope),
			Remedy: "to judge them, scan the cluster with -A and no -l"})
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
