package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/lbctl/topology"
)

func TestCheckControllerModel(t *testing.T) {
	const manifests = `apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web}
spec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: shop
  name: web
  annotations: {kubernetes.io/ingress.class: alb}
spec:
  rules:
  - host: web.example.com
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}
`
	read := func(annotate func(*kube.Objects)) *topology.Topology {
		objs, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: strings.NewReader(manifests)})
		if err != nil {
			t.Fatal(err)
		}
		if annotate != nil {
			annotate(objs)
		}
		d := lbc.DefaultDefaults()
		d.ClusterName = "prod"
		return topology.Build(objs, nil, topology.Options{Defaults: d})
	}
	if c, _ := checkControllerModel(&builder{t: read(nil)}); c.Status != CheckNotChecked || c.Needs == "" {
		t.Errorf("no annotation: %+v, want not checked with what it needs", c)
	}
	stack := func(mutate func(string) string) func(*kube.Objects) {
		return func(objs *kube.Objects) {
			m := render.Render(read(nil), render.Options{})
			b, _ := json.Marshal(m.Groups[0].Stack)
			objs.Ingresses[0].Annotations[lbc.PlanAnnotation] = mutate(string(b))
		}
	}
	same := func(s string) string { return s }
	if c, _ := checkControllerModel(&builder{t: read(stack(same))}); c.Status != CheckPass {
		t.Errorf("the controller's model equals lbctl's: %+v", c)
	}
	seeded := func(s string) string { return strings.Replace(s, `"targetType":"instance"`, `"targetType":"ip"`, 1) }
	c, objs := checkControllerModel(&builder{t: read(stack(seeded))})
	if c.Status != CheckFail || !strings.Contains(c.Message, "targetType") || len(objs) != 1 || objs[0].Name != "web" {
		t.Errorf("a seeded difference: %+v %v", c, objs)
	}
}
