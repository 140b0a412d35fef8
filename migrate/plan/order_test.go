package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOrderSpecificFirst: in a new group, narrower Ingresses get lower
// group.order (evaluated first): exact hosts before wildcards before
// host-less rules, longer shortest paths first.
func TestOrderSpecificFirst(t *testing.T) {
	path := func(ns, name, host, p, svc string) string {
		h := ""
		if host != "" {
			h = "    host: \"" + host + "\"\n"
		}
		return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  ingressClassName: alb\n  rules:\n  -\n" + h +
			"    http: {paths: [{path: " + p + ", pathType: Prefix, backend: {service: {name: " + svc + ", port: {number: 80}}}}]}\n"
	}
	y := docs(albClass, yService("a", "s", 30001),
		path("a", "catchall", "", "/", "s"),
		path("a", "wild", "*.example.com", "/", "s"),
		path("a", "root", "www.example.com", "/", "s"),
		path("a", "api", "www.example.com", "/api/v1", "s"),
		path("a", "nohost-api", "", "/api", "s"))
	p := Build(topoYAML(t, y), Options{})
	var got []string
	for _, m := range p.Groups[0].Members {
		got = append(got, m.Name)
	}
	want := []string{"api", "root", "wild", "nohost-api", "catchall"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	for i, m := range p.Groups[0].Members {
		if m.Order != int32(10*(i+1)) {
			t.Errorf("%s order %d, want %d", m.Name, m.Order, 10*(i+1))
		}
	}
	if len(findingsWith(p, CodeDuplicateRoute)) != 0 {
		t.Errorf("no duplicate routes expected: %v", codes(p))
	}
}

func TestOrderInPlace(t *testing.T) {
	grp := func(order string) map[string]string {
		m := map[string]string{"alb.ingress.kubernetes.io/group.name": "g"}
		if order != "" {
			m["alb.ingress.kubernetes.io/group.order"] = order
		}
		return m
	}
	ipGrp := func(order string) map[string]string {
		m := grp(order)
		m["alb.ingress.kubernetes.io/target-type"] = "ip"
		return m
	}
	for _, tc := range []struct {
		name      string
		orders    [3]string // one (instance), two (ip, stays), three (instance)
		wantOrder map[string]int32
		renumber  bool
	}{
		{"gaps", [3]string{"10", "20", "30"}, map[string]int32{"one": 9, "two": 20, "three": 29}, false},
		{"no gaps", [3]string{"1", "2", "3"}, map[string]int32{"one": 10, "two": 30, "three": 40}, true},
		// unset orders tie and go by name: one, three, two
		{"unset", [3]string{"", "", ""}, map[string]int32{"one": 10, "three": 30, "two": 50}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := docs(albClass, yService("a", "s1", 30001), yService("a", "s2", 0), yService("a", "s3", 30003),
				yIngress("a", "one", "x.example.com", "s1", grp(tc.orders[0])),
				yIngress("a", "two", "x.example.com", "s2", ipGrp(tc.orders[1])),
				yIngress("a", "three", "x.example.com", "s3", grp(tc.orders[2])))
			p := Build(topoYAML(t, y), Options{})
			g := groupNamed(p, "g")
			if g == nil || g.Mode != ModeInPlace {
				t.Fatalf("groups %v", p.Groups)
			}
			got := map[string]int32{}
			for _, m := range g.Members {
				got[m.Name] = m.Order
			}
			if diff := cmp.Diff(tc.wantOrder, got); diff != "" {
				t.Error(diff)
			}
			if (len(findingsWith(p, CodeRenumbered)) == 1) != tc.renumber {
				t.Errorf("renumber finding: %v", codes(p))
			}
		})
	}
}
