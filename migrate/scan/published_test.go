package scan_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/lbctl/world"
	"github.com/lbctl/lbctl/migrate/scan"
)

// loadPublished reads the manifests shaped like the controller's published
// examples as `scan -n echoserver -f testdata/published` does without a
// cluster: no IngressClass in the files, one set without namespaces.
func loadPublished(t *testing.T) *topology.Topology {
	t.Helper()
	s := world.Scope{Files: []string{"testdata/published"}, Namespace: "echoserver"}
	objs, err := world.ReadKube(context.Background(), world.Clients{}, s)
	if err != nil {
		t.Fatal(err)
	}
	return world.Join(objs, nil, "prod", s)
}

// The published examples name ingressClassName alb and hold no IngressClass:
// they read as ALB Ingresses on the target types their annotations say, and
// the scan says once what it assumed about the class.
func TestPublishedExamples(t *testing.T) {
	rep := scan.Build(loadPublished(t), scan.Options{})
	type entry struct{ Ingress, Controller, Class, TargetType string }
	var got []entry
	for _, e := range rep.Ingresses {
		got = append(got, entry{e.Namespace + "/" + e.Name, e.Controller, e.Class, e.TargetType})
	}
	want := []entry{
		{"echoserver/echoserver", "alb", "alb", "instance"},
		{"game-2048/game", "alb", "alb", "ip"},
		{"grpcserver/greeter", "alb", "alb", "ip"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Ingresses (-want +got):\n%s", diff)
	}
	var assumed []scan.Finding
	for _, f := range rep.Findings {
		switch f.Code {
		case scan.CodeClassAssumed:
			assumed = append(assumed, f)
		case scan.CodeOtherController, scan.CodeClassMissing, scan.CodeParamsMissing, scan.CodeAnnotationInvalid:
			t.Errorf("finding %s: %s", f.Code, f.Message)
		}
	}
	if len(assumed) != 1 {
		t.Fatalf("%d %s findings, want one", len(assumed), scan.CodeClassAssumed)
	}
	f := assumed[0]
	if f.Severity != scan.Info || len(f.Objects) != 3 {
		t.Errorf("assumption: severity %s, objects %v; want info naming the three Ingresses", f.Severity, f.Objects)
	}
	for _, s := range []string{`IngressClass "alb"`, "ingress.k8s.aws/alb", "Helm chart"} {
		if !strings.Contains(f.Message, s) {
			t.Errorf("assumption %q does not say %q", f.Message, s)
		}
	}
	if !strings.Contains(f.Remedy, "--ingress-class alb=") {
		t.Errorf("remedy %q does not say how to state the class", f.Remedy)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "published.json", append(b, '\n'))
}

// Stated, the class decides: an IngressClass alb served by another
// controller leaves the examples alone, with no assumption reported.
func TestPublishedExamplesStatedClass(t *testing.T) {
	s := world.Scope{Files: []string{"testdata/published"}, Namespace: "echoserver", IngressClasses: map[string]string{"alb": "eks.amazonaws.com/alb"}}
	objs, err := world.ReadKube(context.Background(), world.Clients{}, s)
	if err != nil {
		t.Fatal(err)
	}
	rep := scan.Build(world.Join(objs, nil, "prod", s), scan.Options{})
	if rep.Summary.ALBIngresses != 0 {
		t.Errorf("%d ALB Ingresses, want none: EKS Auto Mode's controller serves class alb", rep.Summary.ALBIngresses)
	}
	for _, f := range rep.Findings {
		if f.Code == scan.CodeClassAssumed {
			t.Errorf("assumption reported although the class was stated: %s", f.Message)
		}
	}
}
