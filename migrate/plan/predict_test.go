package plan

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// applyPhase2 writes the plan's phase-2 manifests, reads them back and
// applies them over the input objects the way kubectl apply would (same
// name: replaced; new: added), then joins the result with the code the
// sandbox's controller emulator reconciles with.
func applyPhase2(t *testing.T, p *Plan, inputs ...string) *topology.Topology {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, f := range p.Files() {
		if !strings.HasPrefix(f.Path, "02-") {
			continue
		}
		path := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	objs, err := kube.ReadFiles(inputs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		return build(objs, nil)
	}
	applied, err := kube.ReadFiles(paths, nil)
	if err != nil {
		t.Fatalf("phase-2 manifests do not read back: %v", err)
	}
	for _, ing := range applied.Ingresses {
		replaced := false
		for i := range objs.Ingresses {
			if objs.Ingresses[i].Namespace == ing.Namespace && objs.Ingresses[i].Name == ing.Name {
				objs.Ingresses[i] = ing
				replaced = true
			}
		}
		if !replaced {
			objs.Ingresses = append(objs.Ingresses, ing)
		}
	}
	for _, ns := range applied.Namespaces {
		for i := range objs.Namespaces {
			if objs.Namespaces[i].Name == ns.Name {
				objs.Namespaces[i] = ns
			}
		}
	}
	objs.Sort()
	return build(objs, nil)
}

// TestPhase2PredictsController: applying the phase-2 manifests yields
// exactly the ALBs and target groups the plan predicts, every planned group
// reconciles (no conflict, no member the controller rejects), and in a kept
// group each copy is evaluated right before its original.
func TestPhase2PredictsController(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		opts  Options
	}{
		{"existing-groups", []string{"testdata/estates/existing-groups.yaml"}, Options{}},
		{"actions-conditions", []string{"testdata/estates/actions-conditions.yaml"}, Options{}},
		{"named-ports", []string{"testdata/estates/named-ports.yaml"}, Options{}},
		{"legacy-class", []string{"testdata/estates/legacy-class.yaml"}, Options{}},
		{"default-backend", []string{"testdata/estates/default-backend.yaml"}, Options{}},
		{"conflicts-regroup", []string{"testdata/estates/conflicts.yaml"}, Options{Regroup: true}},
		{"scan-estate", []string{"../scan/testdata/estate"}, Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Build(topoFiles(t, "", tc.files...), tc.opts)
			after := applyPhase2(t, p, tc.files...)
			groups := map[string]*topology.Group{}
			for _, g := range after.Groups {
				groups[g.ID.String()] = g
			}
			var wantTGs, gotTGs []string
			for _, r := range p.Replacements {
				if r.Action == Create && r.Kind == "TargetGroup" {
					wantTGs = append(wantTGs, r.Name)
				}
			}
			for _, pg := range p.Groups {
				g := groups[pg.Name]
				if g == nil {
					t.Errorf("group %s is not in the applied topology", pg.Name)
					continue
				}
				if g.LoadBalancerName != pg.LoadBalancer || g.Scheme != pg.Scheme {
					t.Errorf("group %s: ALB %s %s, plan says %s %s", pg.Name, g.LoadBalancerName, g.Scheme, pg.LoadBalancer, pg.Scheme)
				}
				if len(g.Conflicts) > 0 || len(g.Errors) > 0 {
					t.Errorf("group %s does not reconcile: %v %v", pg.Name, g.Conflicts, g.Errors)
				}
				seq := map[string]int{}
				for i, m := range g.Members {
					seq[m.Key()] = i
				}
				for _, in := range g.Ingresses {
					if _, isCopy := in.Object.Annotations[AnnotationMigratedFrom]; !isCopy {
						continue
					}
					if len(in.Errors) > 0 {
						t.Errorf("copy %s: %v", in.Key(), in.Errors)
					}
					for _, be := range in.Backends {
						if be.Err != nil {
							t.Errorf("copy %s backend: %v", in.Key(), be.Err)
						}
						gotTGs = append(gotTGs, be.TargetGroupName)
					}
					orig := in.Object.Annotations[AnnotationMigratedFrom]
					if pg.Mode == ModeInPlace && seq[orig] != seq[in.Key()]+1 {
						t.Errorf("group %s: copy %s is at %d, its original %s at %d", pg.Name, in.Key(), seq[in.Key()], orig, seq[orig])
					}
				}
			}
			sort.Strings(wantTGs)
			sort.Strings(gotTGs)
			if diff := cmp.Diff(wantTGs, gotTGs); diff != "" {
				t.Errorf("target groups (-predicted +applied):\n%s", diff)
			}
		})
	}
}
