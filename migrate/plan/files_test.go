package plan

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/kube"
)

func TestFilesStableAndClean(t *testing.T) {
	p := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	files := p.Files()
	var paths []string
	for i, f := range files {
		paths = append(paths, f.Path)
		if i > 0 && files[i-1].Path >= f.Path {
			t.Errorf("files not sorted: %s before %s", files[i-1].Path, f.Path)
		}
		if f.Path == "plan.json" {
			continue
		}
		s := string(f.Data)
		for _, bad := range []string{"status:", "creationTimestamp", "resourceVersion", "uid:", "managedFields", "last-applied-configuration"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", f.Path, bad)
			}
		}
	}
	if paths[len(paths)-1] != "plan.json" {
		t.Errorf("no plan.json: %v", paths)
	}
	q := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	for i, f := range q.Files() {
		if f.Path != files[i].Path || string(f.Data) != string(files[i].Data) {
			t.Errorf("%s differs between two renders", f.Path)
		}
	}
}

func TestRenderYAMLSortsDocuments(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	data := string(fileNamed(p, "backup/ingresses.yaml"))
	if !strings.HasPrefix(data, "apiVersion: networking.k8s.io/v1\nkind: Ingress\n") {
		t.Errorf("backup:\n%s", data)
	}
}

// An object the input named no namespace for is written without one, and so
// is its copy; the objects beside it that named theirs keep it.
func TestManifestsKeepNamespacelessObjects(t *testing.T) {
	manifest := `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb}
---
apiVersion: v1
kind: Service
metadata: {name: cart}
spec: {type: NodePort, selector: {app: cart}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: cart}
spec:
  ingressClassName: alb
  rules: [{host: cart.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: cart, port: {number: 80}}}}]}}]
---
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: shop}
spec: {type: NodePort, selector: {app: shop}, ports: [{port: 80, targetPort: 8080, nodePort: 30081}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  ingressClassName: alb
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}}]
`
	objs, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: strings.NewReader(manifest), Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	p := Build(build(objs, nil), Options{})
	if p.Namespace != "shop" {
		t.Errorf("Plan.Namespace = %q, want shop", p.Namespace)
	}
	want := map[string]bool{"Ingress cart": false, "Ingress cart-ip": false, "Service cart": false, "Ingress shop": true, "Ingress shop-ip": true, "Service shop": true}
	seen := map[string]bool{}
	for _, f := range p.Files() {
		if !strings.HasSuffix(f.Path, ".yaml") {
			continue
		}
		for _, doc := range strings.Split(string(f.Data), "---\n") {
			var kind, name string
			hasNS := false
			for _, l := range strings.Split(doc, "\n") {
				switch {
				case strings.HasPrefix(l, "kind: "):
					kind = strings.TrimPrefix(l, "kind: ")
				case strings.HasPrefix(l, "  name: "):
					name = strings.TrimPrefix(l, "  name: ")
				case strings.HasPrefix(l, "  namespace: "):
					hasNS = true
				}
			}
			key := kind + " " + name
			wantNS, ok := want[key]
			if !ok {
				continue
			}
			seen[key] = true
			if hasNS != wantNS {
				t.Errorf("%s: %s has namespace %v, want %v", f.Path, key, hasNS, wantNS)
			}
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("no manifest writes %s", k)
		}
	}
}
