package plan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/migrate/scan"
)

func TestFits(t *testing.T) {
	b := &builder{o: Options{Limits: lbc.Limits{RulesPerALB: 10, TargetGroupsPerALB: 10, CertificatesPerALB: 1, TargetsPerALB: 10, TargetsPerTargetGroup: 6, ListenersPerALB: 2}}}
	full := func(f func(a *accum)) accum {
		a := newAccum()
		f(&a)
		return a
	}
	http80 := []lbc.ListenPort{{Protocol: "HTTP", Port: 80}}
	for _, tc := range []struct {
		name string
		acc  accum
		load load
		want string // substring of the reason; "" fits
	}{
		{"empty", newAccum(), load{rules: 10, tgs: 10, targets: 10, ports: http80}, ""},
		{"rules", full(func(a *accum) { a.rules = 8 }), load{rules: 3}, "11 listener rules"},
		{"target groups", full(func(a *accum) { a.tgs = 10 }), load{tgs: 1}, "11 target groups"},
		{"certificates", full(func(a *accum) { a.certs["c1"], a.certs["c2"] = true, true }), load{certs: []string{"c3"}}, "2 certificates"},
		{"targets", full(func(a *accum) { a.targets = 9 }), load{targets: 2}, "about 11 ip targets"},
		{"targets per target group", newAccum(), load{targets: 7, tgTargets: 7, tgTargetsOf: "big/huge"}, "about 7 ip targets (ready endpoints) in the target group of Service big/huge, over the quota of 6 per target group"},
		{"targets per target group within", newAccum(), load{targets: 6, tgTargets: 6}, ""},
		{"listeners", full(func(a *accum) { a.ports[80], a.ports[81] = "HTTP", "HTTP" }), load{ports: []lbc.ListenPort{{Protocol: "HTTP", Port: 82}}}, "3 listeners"},
		{"same listener", full(func(a *accum) { a.ports[80], a.ports[81] = "HTTP", "HTTP" }), load{ports: http80}, ""},
		{"listener protocol", full(func(a *accum) { a.ports[443] = "HTTPS" }), load{ports: []lbc.ListenPort{{Protocol: "HTTP", Port: 443}}}, "port 443 is HTTPS"},
		{"tags", full(func(a *accum) { a.tags["team"] = "red" }), load{tags: map[string]string{"team": "blue"}}, "tags: key team"},
		{"same tags", full(func(a *accum) { a.tags["team"] = "red" }), load{tags: map[string]string{"team": "red"}}, ""},
		{"attributes", full(func(a *accum) { a.attrs["idle_timeout.timeout_seconds"] = "60" }), load{attrs: map[string]string{"idle_timeout.timeout_seconds": "120"}}, "load-balancer-attributes"},
		{"default backends", full(func(a *accum) { a.hasDefault = true }), load{hasDefault: true}, "defaultBackend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := b.fits(&tc.acc, tc.load)
			if ok != (tc.want == "") || !strings.Contains(why, tc.want) {
				t.Errorf("fits = %v %q, want %q", ok, why, tc.want)
			}
		})
	}
}

func TestUnitsShareHosts(t *testing.T) {
	m := func(hosts ...string) *move { return &move{load: load{rules: 1, hosts: hosts}} }
	a, b, c, d := m("x.example.com"), m("y.example.com"), m("y.example.com", "z.example.com"), m()
	us := units([]*move{a, b, c, d})
	if len(us) != 3 || len(us[1].moves) != 2 || us[1].load.rules != 2 {
		t.Fatalf("units = %+v", us)
	}
}

type groupSummary struct {
	Name                                           string
	Members, Rules, TGs, Certs, Targets, Listeners int
	Split                                          string
}

// TestQuotaSplits plans one generated estate past each per-ALB quota: the
// group is split deterministically into NAME-1, NAME-2 with the reason, and
// every part is within every quota. The whole plan and its manifests are
// goldens (quota-QUOTA.plan.json, quota-QUOTA.manifests.yaml).
func TestQuotaSplits(t *testing.T) {
	lim := lbc.DefaultLimits()
	for _, quota := range []string{"rules", "target-groups", "certificates", "targets", "listeners", "single", "target-group-targets", "discovered-certificates"} {
		t.Run(quota, func(t *testing.T) {
			p := Build(build(quotaEstate(quota), quotaAWS(quota)), Options{})
			var gs []groupSummary
			for _, g := range p.Groups {
				gs = append(gs, groupSummary{g.Name, len(g.Members), g.Rules, g.TargetGroups, g.Certificates, g.Targets, g.Listeners, g.Split})
				if g.Rules > lim.RulesPerALB || g.TargetGroups > lim.TargetGroupsPerALB || g.Certificates > lim.CertificatesPerALB || g.Targets > lim.TargetsPerALB || g.Listeners > lim.ListenersPerALB {
					t.Errorf("group %s is over a quota: %+v", g.Name, g)
				}
			}
			switch quota {
			case "single", "target-group-targets":
				// No split can help: the one Ingress is not planned, the
				// small one is.
				code := map[string]string{"single": scan.CodeGroupRules, "target-group-targets": CodeTargetGroupTargets}[quota]
				if len(gs) != 1 || gs[0].Name != "big" || gs[0].Members != 1 || len(findingsWith(p, code)) != 1 || !p.HasErrors() {
					t.Errorf("%s: groups %+v, findings %v", quota, gs, codes(p))
				}
			case "discovered-certificates":
				// Split by the discovered certificates; the Ingress whose
				// host no certificate covers is not planned.
				if len(gs) != 2 || gs[0].Name != "big-1" || gs[0].Certs != 25 || gs[0].Members+gs[1].Members != 30 || gs[0].Split == "" {
					t.Errorf("want big-1 (25 certificates besides the default) and big-2 holding the 30 covered Ingresses, got %+v", gs)
				}
				if len(findingsWith(p, CodeGroupSplit)) != 1 || !p.HasErrors() {
					t.Errorf("findings: %v", codes(p))
				}
			default:
				if len(gs) != 2 || gs[0].Name != "big-1" || gs[1].Name != "big-2" || gs[0].Split == "" {
					t.Errorf("want big-1 and big-2 with a reason, got %+v", gs)
				}
				if len(findingsWith(p, CodeGroupSplit)) != 1 || p.HasErrors() {
					t.Errorf("findings: %v", codes(p))
				}
			}
			golden(t, "quota-"+quota+".plan.json", planJSON(t, p))
			golden(t, "quota-"+quota+".manifests.yaml", manifests(p))
		})
	}
}

func TestQuotaOverride(t *testing.T) {
	l := lbc.DefaultLimits()
	l.RulesPerALB = 200
	p := Build(build(quotaEstate("rules"), nil), Options{Limits: l})
	if diff := cmp.Diff([]string{"big"}, groupNames(p)); diff != "" {
		t.Error("a raised quota keeps one group:", diff)
	}
}

// TestTargetCount: a target group's targets are the Service's ready
// endpoints, or the Deployment's replicas when more.
func TestTargetCount(t *testing.T) {
	g := newGen()
	g.namespace("big")
	g.service("big", "web", 2)
	g.ingress("big", "web", "web.example.com", nil, map[string]networkingv1.IngressServiceBackend{"/": svcPort("web")})
	yes, no := true, false
	var eps []discoveryv1.Endpoint
	for i := range 5 {
		ready := &yes
		if i == 4 {
			ready = &no
		}
		eps = append(eps, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.0.0.%d", i)}, Conditions: discoveryv1.EndpointConditions{Ready: ready}})
	}
	// the same address in a second slice counts once; no condition is ready
	eps2 := []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.0"}}, {Addresses: []string{"10.0.0.9"}}}
	for i, e := range [][]discoveryv1.Endpoint{eps, eps2} {
		g.objs.EndpointSlices = append(g.objs.EndpointSlices, discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{Namespace: "big", Name: fmt.Sprintf("web-%d", i), Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
			Endpoints:  e})
	}
	topo := build(g.objs, nil)
	w := indexWorkloads(topo)
	be := topo.Ingresses[0].Backends[0]
	if got := w.targetCount(be); got != 5 {
		t.Errorf("ready endpoints: targetCount = %d, want 5 (4 ready + 1 without condition, 1 not ready, 1 repeated)", got)
	}
	*g.objs.Deployments[0].Spec.Replicas = 8
	if got := w.targetCount(be); got != 8 {
		t.Errorf("replicas above the endpoints: targetCount = %d, want 8", got)
	}
}
