package scan_test

import (
	"encoding/json"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// narrow keeps the estate's Ingresses a read with scope s would list: one
// namespace, or those the selector matches (the reader reads what they use
// whole, so the rest of the objects stay).
func narrow(t *testing.T, objs *kube.Objects, s topology.Scope) {
	t.Helper()
	sel := labels.Everything()
	if s.Selector != "" {
		var err error
		if sel, err = labels.Parse(s.Selector); err != nil {
			t.Fatal(err)
		}
	}
	var kept []networkingv1.Ingress
	for _, ing := range objs.Ingresses {
		if (s.AllNamespaces || s.Files || ing.Namespace == s.Namespace) && sel.Matches(labels.Set(ing.Labels)) {
			kept = append(kept, ing)
		}
	}
	objs.Ingresses = kept
}

// TestOrphansOnlyOnAWholeRead: the estate's AWS holds one ALB and one
// target group (team-a/promotions) no Ingress names. A scan of the whole
// cluster calls them orphans, with the evidence and what was not checked; a
// scan of one namespace, by selector or of manifests calls nothing an
// orphan and counts, once, what it did not judge.
func TestOrphansOnlyOnAWholeRead(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scope topology.Scope
		// orphans are the orphan-alb and orphan-target-group objects.
		orphans []string
		// notJudged is the orphans-not-judged message ("" for none).
		notJudged string
	}{
		{name: "whole cluster", scope: topology.Scope{AllNamespaces: true},
			orphans: []string{"LoadBalancer k8s-teama-promotio-b9e9100110", "TargetGroup k8s-teama-promotio-b195f57796"}},
		{name: "namespace team-a", scope: topology.Scope{Namespace: "team-a"},
			notJudged: "8 ALBs and 10 target groups tagged for cluster prod belong to no Ingress read (namespace team-a); they may serve Ingresses outside the scope, so they were not judged as orphans"},
		{name: "all namespaces, selector", scope: topology.Scope{AllNamespaces: true, Selector: "app=cart"},
			notJudged: "10 ALBs and 13 target groups tagged for cluster prod belong to no Ingress read (all namespaces, Ingresses labelled app=cart); they may serve Ingresses outside the scope, so they were not judged as orphans"},
		{name: "manifests", scope: topology.Scope{Files: true},
			notJudged: "1 ALB and 1 target group tagged for cluster prod belong to no Ingress read (manifests); they may serve Ingresses outside the scope, so they were not judged as orphans"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo := loadEstateScoped(t, true, tc.scope)
			rep := scan.Build(topo, scan.Options{})
			var orphans, notJudged []string
			for _, f := range rep.Findings {
				switch f.Code {
				case scan.CodeOrphanALB, scan.CodeOrphanTargetGroup:
					orphans = append(orphans, f.Objects[0].String())
					if f.Severity != scan.Warning {
						t.Errorf("%s is %s, want warning", f.Code, f.Severity)
					}
					for _, want := range []string{"evidence: no Ingress in the cluster", "Not checked: DNS records", "CloudWatch is not read yet"} {
						if !strings.Contains(f.Remedy, want) {
							t.Errorf("%s remedy %q does not say %q", f.Code, f.Remedy, want)
						}
					}
					if f.Code == scan.CodeOrphanALB && !strings.Contains(f.Remedy, "created 2023-11-02 09:14 UTC") {
						t.Errorf("orphan-alb remedy %q does not name the ALB's age", f.Remedy)
					}
					if strings.Contains(f.Remedy, "then delete it") {
						t.Errorf("remedy %q says delete on the tags alone", f.Remedy)
					}
				case scan.CodeOrphansNotJudged:
					notJudged = append(notJudged, f.Message)
					if f.Severity != scan.Info || len(f.Objects) != 0 {
						t.Errorf("orphans-not-judged is %s naming %v, want info naming nothing", f.Severity, f.Objects)
					}
				}
			}
			if strings.Join(orphans, ", ") != strings.Join(tc.orphans, ", ") {
				t.Errorf("orphans %q, want %q", orphans, tc.orphans)
			}
			var want []string
			if tc.notJudged != "" {
				want = []string{tc.notJudged}
			}
			if strings.Join(notJudged, "\n") != strings.Join(want, "\n") {
				t.Errorf("orphans-not-judged %q, want %q", notJudged, want)
			}
			if !tc.scope.Whole() {
				// Nothing outside the scope is named: no ALB ARN in the report.
				b, err := json.Marshal(rep.Findings)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(b), ":loadbalancer/app/") || strings.Contains(string(b), ":targetgroup/") {
					t.Errorf("a partial read names an ALB or target group ARN in its findings:\n%s", b)
				}
				if rep.Summary.OrphanALBs != 0 {
					t.Errorf("summary counts %d orphaned ALBs after a partial read", rep.Summary.OrphanALBs)
				}
			}
		})
	}
}
