package kube

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// Objects without metadata.namespace take the reader's namespace, as
// kubectl gives them -n or the context's, and are recorded as having had
// none; cluster-scoped kinds and objects that name a namespace keep theirs.
func TestReadManifestsNamespace(t *testing.T) {
	manifest := `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec: {ingressClassName: alb}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: admin, namespace: ops}
spec: {ingressClassName: alb}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb}
`
	for _, tc := range []struct{ scope, want string }{{"shop", "shop"}, {"", "default"}} {
		t.Run("namespace "+tc.want, func(t *testing.T) {
			objs, err := ReadManifests(Manifests{Files: []string{"-"}, Stdin: strings.NewReader(manifest), Namespace: tc.scope})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, x := range objs.Ingresses {
				got["Ingress "+x.Name] = x.Namespace
			}
			for _, x := range objs.Services {
				got["Service "+x.Name] = x.Namespace
			}
			for _, x := range objs.IngressClasses {
				got["IngressClass "+x.Name] = x.Namespace
			}
			want := map[string]string{"Ingress web": tc.want, "Ingress admin": "ops", "Service web": tc.want, "IngressClass alb": ""}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("namespaces (-want +got):\n%s", diff)
			}
			wantBare := []ObjectKey{{Kind: "Ingress", Namespace: tc.want, Name: "web"}, {Kind: "Service", Namespace: tc.want, Name: "web"}}
			if diff := cmp.Diff(wantBare, objs.NoNamespace); diff != "" {
				t.Errorf("NoNamespace (-want +got):\n%s", diff)
			}
		})
	}
}

// `helm template … | lbctl scan -f -`: "# Source:" comments, "---"
// separators and a template that renders nothing read cleanly, and the
// chart's objects, which name no namespace, take the reader's.
func TestReadManifestsHelmTemplateFromStdin(t *testing.T) {
	f, err := os.Open("testdata/helm/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	objs, err := ReadManifests(Manifests{Files: []string{"-"}, Stdin: f, Namespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{"ingresses": len(objs.Ingresses), "services": len(objs.Services), "deployments": len(objs.Deployments), "pods": len(objs.Pods), "notes": len(objs.Notes)}
	want := map[string]int{"ingresses": 1, "services": 1, "deployments": 1, "pods": 1, "notes": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("objects (-want +got):\n%s", diff)
	}
	if !strings.Contains(objs.Notes[0].Message, "ServiceAccount shop") {
		t.Errorf("note %q, want the skipped ServiceAccount", objs.Notes[0].Message)
	}
	ing := objs.Ingresses[0]
	if ing.Namespace != "shop" || ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "alb" {
		t.Errorf("Ingress %s/%s class %v, want shop/shop class alb", ing.Namespace, ing.Name, ing.Spec.IngressClassName)
	}
	if len(objs.NoNamespace) != 4 {
		t.Errorf("NoNamespace %v, want the Deployment, Ingress, Pod and Service", objs.NoNamespace)
	}
}

// -k reads a kustomization as kubectl -k does: the overlay's namespace,
// name prefix and patch applied, references to renamed objects followed.
func TestReadManifestsKustomizeOverlay(t *testing.T) {
	objs, err := ReadManifests(Manifests{Kustomize: "testdata/kustomize/overlays/prod", Namespace: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Ingresses) != 1 || len(objs.Services) != 1 {
		t.Fatalf("read %d Ingresses and %d Services, want one each", len(objs.Ingresses), len(objs.Services))
	}
	ing, svc := objs.Ingresses[0], objs.Services[0]
	got := []string{
		ing.Namespace + "/" + ing.Name,
		svc.Namespace + "/" + svc.Name,
		ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name,
		ing.Annotations["alb.ingress.kubernetes.io/scheme"],
		ing.Labels["app.kubernetes.io/part-of"],
	}
	want := []string{"shop-prod/prod-web", "shop-prod/prod-web", "prod-web", "internet-facing", "shop"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("overlay (-want +got):\n%s", diff)
	}
	if len(objs.NoNamespace) != 0 {
		t.Errorf("NoNamespace %v: the overlay sets every namespace", objs.NoNamespace)
	}
}

func TestReadManifestsKustomizeErrors(t *testing.T) {
	for name, m := range map[string]Manifests{
		"-f with -k":        {Files: []string{"testdata/files"}, Kustomize: "testdata/kustomize/base"},
		"no kustomization":  {Kustomize: "testdata/files"},
		"missing directory": {Kustomize: "testdata/nope"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadManifests(m)
			if !errors.Is(err, exitcode.ErrUsage) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}
