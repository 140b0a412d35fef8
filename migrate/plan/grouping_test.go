package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSanitizeGroupName(t *testing.T) {
	for in, want := range map[string]string{
		"team-a":                "team-a",
		"Team_Payments":         "team-payments",
		"--x--":                 "x",
		"":                      "group",
		"a.b":                   "a.b",
		strings.Repeat("a", 70): strings.Repeat("a", 40),
	} {
		if got := sanitizeGroupName(in); got != want {
			t.Errorf("sanitizeGroupName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalExclusive(t *testing.T) {
	if canonical("subnets", "b, a") != canonical("subnets", "a,b") {
		t.Error("subnets are a set")
	}
	if canonical("security-groups", "b,a") == canonical("security-groups", "a,b") {
		t.Error("security groups keep their order")
	}
}

// groupsOf plans a YAML estate and returns group name → member keys.
func groupsOf(t *testing.T, y string, o Options) (*Plan, map[string][]string) {
	t.Helper()
	p := Build(topoYAML(t, y), o)
	out := map[string][]string{}
	for _, g := range p.Groups {
		for _, m := range g.Members {
			out[g.Name] = append(out[g.Name], m.Namespace+"/"+m.Name)
		}
	}
	return p, out
}

func TestGrouping(t *testing.T) {
	inet := map[string]string{"alb.ingress.kubernetes.io/scheme": "internet-facing"}
	base := docs(albClass,
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: red}}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: b, labels: {team: red}}\n",
		yService("a", "s1", 30001), yService("a", "s2", 30002), yService("b", "s3", 30003), yService("b", "s4", 30004),
		yIngress("a", "one", "one.example.com", "s1", inet),
		yIngress("a", "two", "two.example.com", "s2", inet),
		yIngress("b", "three", "three.example.com", "s3", inet),
		yIngress("b", "four", "four.example.com", "s4", nil),
	)
	for _, tc := range []struct {
		name string
		opts Options
		want map[string][]string
	}{
		{"namespace", Options{}, map[string][]string{
			// b ties 1–1: the main partition is the first signature (internal).
			"a": {"a/one", "a/two"}, "b": {"b/four"}, "b-internet-facing": {"b/three"}}},
		{"cluster", Options{GroupBy: GroupBy{Mode: GroupByCluster}}, map[string][]string{
			"prod": {"a/one", "a/two", "b/three"}, "prod-internal": {"b/four"}}},
		{"label", Options{GroupBy: GroupBy{Mode: GroupByLabel, Label: "team"}}, map[string][]string{
			"red": {"a/one", "a/two", "b/three"}, "red-internal": {"b/four"}}},
		{"none", Options{GroupBy: GroupBy{Mode: GroupByNone}}, map[string][]string{
			"a/one-ip": {"a/one"}, "a/two-ip": {"a/two"}, "b/three-ip": {"b/three"}, "b/four-ip": {"b/four"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := groupsOf(t, base, tc.opts)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestGroupingLabelFallback(t *testing.T) {
	y := docs(albClass, yService("a", "s1", 30001), yIngress("a", "one", "one.example.com", "s1", nil))
	p, got := groupsOf(t, y, Options{GroupBy: GroupBy{Mode: GroupByLabel, Label: "team"}})
	if diff := cmp.Diff(map[string][]string{"a": {"a/one"}}, got); diff != "" {
		t.Error(diff)
	}
	if len(findingsWith(p, CodeLabelFallback)) != 1 {
		t.Errorf("want one %s finding, got %v", CodeLabelFallback, codes(p))
	}
}

func TestPartitionNamesExclusive(t *testing.T) {
	// Same scheme, different security groups: a hashed suffix, stable.
	sg := func(v string) map[string]string {
		return map[string]string{"alb.ingress.kubernetes.io/security-groups": v}
	}
	y := docs(albClass, yService("a", "s1", 30001), yService("a", "s2", 30002), yService("a", "s3", 30003),
		yIngress("a", "one", "one.example.com", "s1", sg("sg-1")),
		yIngress("a", "two", "two.example.com", "s2", sg("sg-1")),
		yIngress("a", "three", "three.example.com", "s3", sg("sg-2")))
	p, got := groupsOf(t, y, Options{})
	if len(got) != 2 || len(got["a"]) != 2 {
		t.Fatalf("groups = %v", got)
	}
	names := groupNames(p)
	if !strings.HasPrefix(names[1], "a-") || len(names[1]) != len("a-")+6 {
		t.Errorf("second group = %q, want a-<6 hex>", names[1])
	}
	if len(findingsWith(p, CodeGroupPartition)) != 1 {
		t.Errorf("want a %s finding: %v", CodeGroupPartition, codes(p))
	}
}

func TestSharedHostAcrossGroups(t *testing.T) {
	y := docs(albClass, yService("a", "s1", 30001), yService("a", "s2", 30002),
		yIngress("a", "one", "same.example.com", "s1", map[string]string{"alb.ingress.kubernetes.io/scheme": "internet-facing"}),
		yIngress("a", "two", "same.example.com", "s2", nil))
	p := Build(topoYAML(t, y), Options{})
	if len(findingsWith(p, CodeSharedHost)) != 1 {
		t.Errorf("want a %s finding, got %v", CodeSharedHost, codes(p))
	}
}

func TestIPOnlyIngressAloneStays(t *testing.T) {
	ip := map[string]string{"alb.ingress.kubernetes.io/target-type": "ip"}
	y := docs(albClass, yService("a", "s1", 0), yIngress("a", "one", "one.example.com", "s1", ip))
	p := Build(topoYAML(t, y), Options{})
	if len(p.Groups) != 0 {
		t.Errorf("an ip Ingress alone in its bucket must not move: %v", groupNames(p))
	}
	// With a teammate, it joins the shared group.
	y = docs(y, yService("a", "s2", 30002), yIngress("a", "two", "two.example.com", "s2", nil))
	p, got := groupsOf(t, y, Options{})
	if diff := cmp.Diff(map[string][]string{"a": {"a/one", "a/two"}}, got); diff != "" {
		t.Error(diff, p.Findings)
	}
}
