package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/world"
	"github.com/lbctl/lbctl/migrate/scan"
)

// The manifests shaped like the controller's published examples plan as a
// team keeps them: the instance-mode echoserver moves, the two ip Ingresses
// stay, the class assumption is repeated, and the echoserver's objects,
// which named no namespace, are written without one (Plan.Namespace says
// where they belong).
func TestPublishedExamplesPlan(t *testing.T) {
	s := world.Scope{Files: []string{"../scan/testdata/published"}, Namespace: "echoserver"}
	objs, err := world.ReadKube(context.Background(), world.Clients{}, s)
	if err != nil {
		t.Fatal(err)
	}
	p := Build(build(objs, nil), Options{})
	if len(p.Groups) != 1 || len(p.Groups[0].Members) != 1 || p.Groups[0].Members[0].Name != "echoserver" {
		t.Fatalf("groups %+v, want the echoserver moved alone", p.Groups)
	}
	if p.Namespace != "echoserver" {
		t.Errorf("Plan.Namespace = %q, want echoserver", p.Namespace)
	}
	c := codes(p)
	for _, code := range []string{scan.CodeClassAssumed, CodeNamespaceOmitted} {
		if c[code] != 1 {
			t.Errorf("%d %s findings, want one", c[code], code)
		}
	}
	if p.HasErrors() {
		t.Errorf("findings with errors: %+v", p.Findings)
	}
	for _, f := range p.Files() {
		if !strings.HasSuffix(f.Path, ".yaml") {
			continue
		}
		for _, doc := range strings.Split(string(f.Data), "---\n") {
			if strings.Contains(doc, "name: echoserver") && strings.Contains(doc, "namespace:") {
				t.Errorf("%s writes the echoserver's %s with a namespace:\n%s", f.Path, kindOf(doc), doc)
			}
		}
	}
	golden(t, "published.plan.json", planJSON(t, p))
	golden(t, "published.manifests.yaml", manifests(p))
}

func kindOf(doc string) string {
	for _, l := range strings.Split(doc, "\n") {
		if k, ok := strings.CutPrefix(l, "kind: "); ok {
			return k
		}
	}
	return "object"
}
