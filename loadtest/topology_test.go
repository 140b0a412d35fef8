package loadtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

func testTopology(t *testing.T) *topology.Topology {
	t.Helper()
	objs, err := kube.ReadFiles([]string{"testdata/ingresses.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return topology.Build(objs, nil, topology.Options{Defaults: lbc.DefaultDefaults()})
}

func TestTopologyTargets(t *testing.T) {
	topo := testTopology(t)
	ts, warns, err := TopologyTargets(topo, Selection{Ingresses: []string{"team-a/shop"}}, RuleOptions{PathSample: "app.js"})
	if err != nil {
		t.Fatal(err, warns)
	}
	type row struct{ Name, Method, URL, Connect, Header string }
	var got []row
	for _, tg := range ts {
		got = append(got, row{tg.Name, tg.Method, tg.URL, tg.Connect, tg.Header.Get("X-Canary")})
	}
	alb := "k8s-shared-abc.us-west-2.elb.amazonaws.com"
	var want []row
	for _, p := range []struct{ port, scheme string }{{"80", "http"}, {"443", "https"}} {
		c := alb + ":" + p.port
		want = append(want,
			row{"team-a/shop:shop.example.com/healthz@" + p.port, "GET", p.scheme + "://shop.example.com/healthz", c, ""},
			row{"team-a/shop:shop.example.com/api@" + p.port, "GET", p.scheme + "://shop.example.com/api?v=2", c, "on"},
			row{"team-a/shop:shop.example.com/@" + p.port, "GET", p.scheme + "://shop.example.com/", c, ""},
			row{"team-a/shop:www.shop.example.com/static/app.js@" + p.port, "GET", p.scheme + "://www.shop.example.com/static/app.js", c, ""},
		)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("targets (-want +got):\n%s", d)
	}

	// A group selects its members; -A every ALB ingress, warning about
	// the one without an address yet.
	g, _, err := TopologyTargets(topo, Selection{Groups: []string{"shared"}}, RuleOptions{})
	if err != nil || len(g) != 8 {
		t.Errorf("group: %d targets, %v", len(g), err)
	}
	all, warns, err := TopologyTargets(topo, Selection{All: true}, RuleOptions{})
	if err != nil || len(all) != 8 || len(warns) != 1 || !strings.Contains(warns[0], "team-b/pending has no ALB address") {
		t.Errorf("all: %d targets, warnings %q, %v", len(all), warns, err)
	}
	for sel, says := range map[string]Selection{
		"not found":            {Ingresses: []string{"team-a/nope"}},
		"not an ALB ingress":   {Ingresses: []string{"team-b/nginx"}},
		"group nope not found": {Groups: []string{"nope"}},
		"give no request":      {Ingresses: []string{"team-b/pending"}},
	} {
		_ = sel
		if _, _, err := TopologyTargets(topo, says, RuleOptions{}); !errors.Is(err, ErrNoTargets) || !strings.Contains(err.Error(), sel) {
			t.Errorf("%+v: %v, want %q", says, err, sel)
		}
	}
}
