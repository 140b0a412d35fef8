package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// replay applies a plan's manifests, phase by phase, to the objects it was
// planned from, as migrate apply would: apply steps lay their manifest's
// objects over the cluster, delete steps remove them. It stops after the
// phase named last.
func replay(t *testing.T, p *Plan, objs *kube.Objects, last string) *kube.Objects {
	t.Helper()
	files := map[string][]byte{}
	for _, f := range p.Files() {
		files[f.Path] = f.Data
	}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Manifest == "" || (st.Op != OpApply && st.Op != OpDelete) {
				continue
			}
			data, ok := files[st.Manifest]
			if !ok {
				t.Fatalf("step %q names manifest %s, which the plan does not write", st.Action, st.Manifest)
			}
			m, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: bytes.NewReader(data), Namespace: "default"})
			if err != nil {
				t.Fatalf("manifest %s: %v", st.Manifest, err)
			}
			if st.Op == OpApply {
				objs = kube.Overlay(objs, m)
				continue
			}
			gone := map[string]bool{}
			for _, in := range m.Ingresses {
				gone[in.Namespace+"/"+in.Name] = true
			}
			kept := *objs
			kept.Ingresses = nil
			for _, in := range objs.Ingresses {
				if !gone[in.Namespace+"/"+in.Name] {
					kept.Ingresses = append(kept.Ingresses, in)
				}
			}
			objs = &kept
		}
		if ph.Name == last {
			break
		}
	}
	return objs
}

// TestPlanAgreesWithRender: for each estate, the ALB names, rule counts and
// target group counts the plan predicts for its groups are what render
// builds from the cluster the plan's own manifests leave after the copies
// are created (all of them side by side, for in-place groups) and after
// cleanup (new-ALB groups alone).
func TestPlanAgreesWithRender(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		opts  Options
	}{
		{"conflicts-regroup", []string{"testdata/estates/conflicts.yaml"}, Options{Regroup: true}},
		{"mixed-schemes", []string{"testdata/estates/mixed-schemes.yaml"}, Options{}},
		{"existing-groups", []string{"testdata/estates/existing-groups.yaml"}, Options{}},
		{"named-ports", []string{"testdata/estates/named-ports.yaml"}, Options{}},
		{"legacy-class", []string{"testdata/estates/legacy-class.yaml"}, Options{}},
		{"actions-conditions", []string{"testdata/estates/actions-conditions.yaml"}, Options{}},
		{"default-backend", []string{"testdata/estates/default-backend.yaml"}, Options{}},
		{"other-controllers", []string{"testdata/estates/other-controllers.yaml"}, Options{}},
		{"scan-estate", []string{"../scan/testdata/estate"}, Options{}},
		{"scan-estate-cluster", []string{"../scan/testdata/estate"}, Options{GroupBy: GroupBy{Mode: GroupByCluster}, Regroup: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := topoFiles(t, "", tc.files...)
			p := Build(top, tc.opts)
			if len(p.Groups) == 0 {
				t.Fatal("no group planned")
			}
			for _, phase := range []string{"create", "cleanup"} {
				objs := replay(t, p, top.Objects, phase)
				after := topology.Build(objs, nil, topology.Options{Defaults: top.Defaults})
				m := render.Render(after, render.Options{})
				byID := map[string]render.Group{}
				for _, g := range m.Groups {
					byID[g.ID] = g
				}
				for _, g := range p.Groups {
					if phase == "cleanup" && g.Mode == ModeInPlace {
						continue // the plan counts its quota use while old and new sit side by side
					}
					rg, ok := byID[g.Name]
					if !ok {
						t.Errorf("after %s: planned group %s is not in render's model", phase, g.Name)
						continue
					}
					if rg.Error != "" {
						t.Errorf("after %s: group %s will not build: %s", phase, g.Name, rg.Error)
						continue
					}
					var lb render.LoadBalancerSpec
					decodeSpec(t, rg, render.TypeLoadBalancer, "LoadBalancer", &lb)
					if lb.Name != g.LoadBalancer {
						t.Errorf("after %s: group %s: plan predicts ALB %s, render %s", phase, g.Name, g.LoadBalancer, lb.Name)
					}
					if phase == "create" && g.Mode != ModeInPlace {
						continue // the copies' rules stand beside the originals' only in in-place groups
					}
					if n := len(rg.Stack.Resources[render.TypeListenerRule]); n != g.Rules {
						t.Errorf("after %s: group %s: plan counts %d rules, render %d", phase, g.Name, g.Rules, n)
					}
					if n := len(rg.Stack.Resources[render.TypeTargetGroup]); n != g.TargetGroups {
						t.Errorf("after %s: group %s: plan counts %d target groups, render %d", phase, g.Name, g.TargetGroups, n)
					}
				}
			}
		})
	}
}

// TestPlanUnderControllerFlags: with --default-load-balancer-scheme
// internet-facing, an Ingress that names no scheme is public; the plan never
// puts it on one ALB with an internal one (the controller would build that
// ALB internal and the public host would be unreachable).
func TestPlanUnderControllerFlags(t *testing.T) {
	ing := func(name, scheme string) string {
		ann := ""
		if scheme != "" {
			ann = "\n    alb.ingress.kubernetes.io/scheme: " + scheme
		}
		return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: shop
  name: ` + name + `
  annotations:
    kubernetes.io/ingress.class: alb` + ann + `
spec:
  rules:
  - host: ` + name + `.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`
	}
	svc := `apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}
`
	objs, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: strings.NewReader(strings.Join([]string{svc, ing("public", ""), ing("private", "internal")}, "---\n"))})
	if err != nil {
		t.Fatal(err)
	}
	d, err := lbc.ApplyControllerArgs(lbc.DefaultDefaults(), []string{"--default-load-balancer-scheme=internet-facing", "--cluster-name=prod"})
	if err != nil {
		t.Fatal(err)
	}
	top := topology.Build(objs, nil, topology.Options{Defaults: d})
	p := Build(top, Options{GroupBy: GroupBy{Mode: GroupByNamespace}})
	schemeOf := map[string]string{}
	for _, g := range p.Groups {
		for _, m := range g.Members {
			schemeOf[m.Name] = g.Scheme
		}
	}
	if schemeOf["public"] != lbc.SchemeInternetFacing || schemeOf["private"] != lbc.SchemeInternal {
		t.Errorf("planned schemes %v: want public internet-facing and private internal, on different ALBs", schemeOf)
	}
	after := topology.Build(replay(t, p, objs, "cleanup"), nil, topology.Options{Defaults: d})
	for _, g := range render.Render(after, render.Options{}).Groups {
		var lb render.LoadBalancerSpec
		decodeSpec(t, g, render.TypeLoadBalancer, "LoadBalancer", &lb)
		for _, m := range g.Members {
			if strings.Contains(m, "public") && lb.Scheme != lbc.SchemeInternetFacing {
				t.Errorf("%s ends on %s ALB %s", m, lb.Scheme, lb.Name)
			}
		}
	}
}

func decodeSpec(t *testing.T, g render.Group, typ, id string, into any) {
	t.Helper()
	if g.Stack == nil {
		t.Fatalf("group %s has no stack", g.ID)
	}
	raw, ok := g.Stack.Resources[typ][id]
	if !ok {
		t.Fatalf("group %s has no %s %s", g.ID, typ, id)
	}
	var s struct {
		Spec jsonRaw `json:"spec"`
	}
	if err := unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if err := unmarshal(s.Spec, into); err != nil {
		t.Fatal(err)
	}
}

type jsonRaw = json.RawMessage

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
