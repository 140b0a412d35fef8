package kube

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

func TestReadFiles(t *testing.T) {
	objs, err := ReadFiles([]string{"testdata/files"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{
		"ingresses": len(objs.Ingresses), "services": len(objs.Services),
		"targetGroupBindings": len(objs.TargetGroupBindings), "notes": len(objs.Notes),
	}
	want := map[string]int{"ingresses": 1, "services": 1, "targetGroupBindings": 1, "notes": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("objects (-want +got):\n%s", diff)
	}
	if !strings.Contains(objs.Notes[0].Message, "ConfigMap shop/web") {
		t.Errorf("note = %q, want it to name the skipped ConfigMap", objs.Notes[0].Message)
	}
	if got := objs.Services[0].Spec.Ports[0].NodePort; got != 30080 {
		t.Errorf("nodePort = %d, want 30080", got)
	}
	if got := objs.Ingresses[0].Annotations["kubernetes.io/ingress.class"]; got != "alb" {
		t.Errorf("ingress class annotation = %q", got)
	}
}

func TestReadFilesStdin(t *testing.T) {
	in := strings.NewReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {elbv2.k8s.aws/pod-readiness-gate-inject: enabled}}\n")
	objs, err := ReadFiles([]string{"-"}, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs.Namespaces) != 1 || objs.Namespaces[0].Labels["elbv2.k8s.aws/pod-readiness-gate-inject"] != "enabled" {
		t.Fatalf("namespaces = %+v", objs.Namespaces)
	}
}

func TestReadFilesMalformed(t *testing.T) {
	_, err := ReadFiles([]string{"testdata/bad/broken.yaml"}, nil)
	if err == nil {
		t.Fatal("want an error for malformed YAML")
	}
	if !errors.Is(err, exitcode.ErrUsage) {
		t.Errorf("error %v is not a usage error", err)
	}
	msg := err.Error()
	for _, want := range []string{"broken.yaml", "line"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error spans several lines: %q", msg)
	}
}

func TestReadFilesMissing(t *testing.T) {
	_, err := ReadFiles([]string{"testdata/nope.yaml"}, nil)
	if !errors.Is(err, exitcode.ErrUsage) {
		t.Fatalf("err = %v, want a usage error", err)
	}
}

// Sources name every file that held an object, whatever its kind (list.yaml's
// ConfigMap is skipped but the file is still the input), the kustomization
// directory of -k, and STDIN: what a plan's overlays must list so that no
// object of the input drops out of them.
func TestReadManifestsSources(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Manifests
		want []string
	}{
		{"directory", Manifests{Files: []string{"testdata/files"}}, []string{"testdata/files/list.yaml", "testdata/files/multi.yaml"}},
		{"file twice", Manifests{Files: []string{"testdata/files/multi.yaml", "testdata/files/multi.yaml"}}, []string{"testdata/files/multi.yaml"}},
		{"kustomization", Manifests{Kustomize: "testdata/kustomize/overlays/prod"}, []string{"testdata/kustomize/overlays/prod"}},
		{"stdin", Manifests{Files: []string{"-"}, Stdin: strings.NewReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")}, []string{"STDIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := ReadManifests(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, objs.Sources); diff != "" {
				t.Errorf("Sources (-want +got):\n%s", diff)
			}
		})
	}
}
