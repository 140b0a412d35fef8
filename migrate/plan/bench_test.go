package plan

import (
	"testing"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// BenchmarkPlan5000 plans 5,000 Ingresses across 200 namespaces (each on its
// own ALB in instance mode, two replicas each): the join, the scan checks
// the plan shares, grouping, packing, rewriting, the predicted topology and
// the phases. Rendering the manifests (only --out-dir does) is
// BenchmarkFiles5000.
//
//	go test ./migrate/plan/ -run '^$' -bench Plan5000 -benchmem
func BenchmarkPlan5000(b *testing.B) {
	objs := scenarios.Large(scenarios.LargeOptions{Namespaces: 200, AppsPerNamespace: 25, Replicas: 2})
	d := lbc.DefaultDefaults()
	d.ClusterName = "bench"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t := topology.Build(objs, nil, topology.Options{Defaults: d})
		p := Build(t, Options{})
		if len(p.Groups) != 200 {
			b.Fatalf("groups = %d", len(p.Groups))
		}
	}
}

// BenchmarkFiles5000 renders the --out-dir files of the same plan: every
// manifest of every phase as YAML, and plan.json.
//
//	go test ./migrate/plan/ -run '^$' -bench Files5000 -benchmem
func BenchmarkFiles5000(b *testing.B) {
	objs := scenarios.Large(scenarios.LargeOptions{Namespaces: 200, AppsPerNamespace: 25, Replicas: 2})
	d := lbc.DefaultDefaults()
	d.ClusterName = "bench"
	p := Build(topology.Build(objs, nil, topology.Options{Defaults: d}), Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.files = nil
		if len(p.Files()) == 0 {
			b.Fatal("no files")
		}
	}
}
