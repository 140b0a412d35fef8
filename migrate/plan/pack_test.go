package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/migrate/scan"
)

func TestFits(t *testing.T) {
	b := &builder{o: Options{Limits: lbc.Limits{RulesPerALB: 10, TargetGroupsPerALB: 10, CertificatesPerALB: 1, TargetsPerALB: 10, ListenersPerALB: 2}}}
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
	Name      string `json:"name"`
	Members   int    `json:"members"`
	Rules     int    `json:"rules"`
	TGs       int    `json:"targetGroups"`
	Certs     int    `json:"certificates"`
	Targets   int    `json:"targets"`
	Listeners int    `json:"listeners"`
	Split     string `json:"split,omitempty"`
}

// TestQuotaSplits plans one generated estate past each per-ALB quota: the
// group is split deterministically into NAME-1, NAME-2 with the reason, and
// every part is within every quota.
func TestQuotaSplits(t *testing.T) {
	out := map[string]any{}
	lim := lbc.DefaultLimits()
	for _, quota := range []string{"rules", "target-groups", "certificates", "targets", "listeners", "single"} {
		t.Run(quota, func(t *testing.T) {
			p := Build(build(quotaEstate(quota), nil), Options{})
			var gs []groupSummary
			for _, g := range p.Groups {
				gs = append(gs, groupSummary{g.Name, len(g.Members), g.Rules, g.TargetGroups, g.Certificates, g.Targets, g.Listeners, g.Split})
				if g.Rules > lim.RulesPerALB || g.TargetGroups > lim.TargetGroupsPerALB || g.Certificates > lim.CertificatesPerALB || g.Targets > lim.TargetsPerALB || g.Listeners > lim.ListenersPerALB {
					t.Errorf("group %s is over a quota: %+v", g.Name, g)
				}
			}
			if quota == "single" {
				if len(gs) != 1 || gs[0].Name != "big" || len(findingsWith(p, scan.CodeGroupRules)) != 1 || !p.HasErrors() {
					t.Errorf("single: groups %+v, findings %v", gs, codes(p))
				}
			} else {
				if len(gs) != 2 || gs[0].Name != "big-1" || gs[1].Name != "big-2" || gs[0].Split == "" {
					t.Errorf("want big-1 and big-2 with a reason, got %+v", gs)
				}
				if len(findingsWith(p, CodeGroupSplit)) != 1 || p.HasErrors() {
					t.Errorf("findings: %v", codes(p))
				}
			}
			out[quota] = map[string]any{"groups": gs, "findings": codes(p)}
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "quota-splits.json", append(b, '\n'))
}

func TestQuotaOverride(t *testing.T) {
	l := lbc.DefaultLimits()
	l.RulesPerALB = 200
	p := Build(build(quotaEstate("rules"), nil), Options{Limits: l})
	if diff := cmp.Diff([]string{"big"}, groupNames(p)); diff != "" {
		t.Error("a raised quota keeps one group:", diff)
	}
}
