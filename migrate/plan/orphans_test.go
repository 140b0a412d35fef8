package plan

import (
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// TestPlanHoldsOnlyTheScope: plan -n team-a (or -l, or of manifests) must
// not write the ALBs and target groups of other namespaces into plan.json
// as orphans; only a plan of the whole cluster repeats the orphans, and a
// partial one counts what it did not judge, naming nothing.
func TestPlanHoldsOnlyTheScope(t *testing.T) {
	for _, tc := range []struct {
		name      string
		scope     topology.Scope
		orphans   int
		notJudged bool
	}{
		{name: "whole cluster", scope: topology.Scope{AllNamespaces: true}, orphans: 2},
		{name: "namespace team-a", scope: topology.Scope{Namespace: "team-a"}, notJudged: true},
		{name: "all namespaces, selector", scope: topology.Scope{AllNamespaces: true, Selector: "app=cart"}, notJudged: true},
		{name: "manifests", scope: topology.Scope{Files: true}, notJudged: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			whole := topoFiles(t, "../scan/testdata/estate-aws.json", "../scan/testdata/estate")
			objs, st := whole.Objects, whole.AWS
			sel := labels.Everything()
			if tc.scope.Selector != "" {
				var err error
				if sel, err = labels.Parse(tc.scope.Selector); err != nil {
					t.Fatal(err)
				}
			}
			var kept []networkingv1.Ingress
			for _, ing := range objs.Ingresses {
				if (tc.scope.AllNamespaces || tc.scope.Files || ing.Namespace == tc.scope.Namespace) && sel.Matches(labels.Set(ing.Labels)) {
					kept = append(kept, ing)
				}
			}
			objs.Ingresses = kept
			p := Build(buildScoped(objs, st, tc.scope), Options{})
			orphans, notJudged := 0, false
			for _, f := range p.Findings {
				switch f.Code {
				case scan.CodeOrphanALB, scan.CodeOrphanTargetGroup:
					orphans++
				case scan.CodeOrphansNotJudged:
					notJudged = true
				}
			}
			if orphans != tc.orphans || notJudged != tc.notJudged {
				t.Errorf("%d orphan findings, orphans-not-judged %v; want %d, %v", orphans, notJudged, tc.orphans, tc.notJudged)
			}
			if tc.scope.Whole() {
				return
			}
			doc := string(planJSON(t, p))
			for _, lb := range st.LoadBalancers {
				if !strings.Contains(doc, lb.ARN) {
					continue
				}
				in := false
				for _, g := range buildScoped(objs, st, tc.scope).Groups {
					in = in || (g.LoadBalancer != nil && g.LoadBalancer.ARN == lb.ARN)
				}
				if !in {
					t.Errorf("plan.json of %s names ALB %s, outside the scope", tc.scope, lb.ARN)
				}
			}
			for _, tg := range st.TargetGroups {
				if strings.Contains(doc, tg.ARN) && strings.Contains(tg.Tags["ingress.k8s.aws/stack"], "team-b") {
					t.Errorf("plan.json of %s names target group %s, outside the scope", tc.scope, tg.ARN)
				}
			}
			if tc.scope.Namespace == "team-a" && strings.Contains(doc, "k8s-teamb-") {
				t.Errorf("plan.json of %s names a team-b ALB or target group", tc.scope)
			}
		})
	}
}
