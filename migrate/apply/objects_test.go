package apply

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/migrate/plan"
)

// Objects the plan writes without a namespace (the input had none) go into
// the plan's namespace; the others keep theirs, and a Namespace stays
// cluster-scoped.
func TestObjectsTakeThePlansNamespace(t *testing.T) {
	manifest := `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: cart-ip}
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: other}
`
	e := New(Options{Plan: &plan.Plan{Namespace: "shop"}, Files: map[string][]byte{"02-create/01-x.yaml": []byte(manifest)}})
	objs, err := e.objects("02-create/01-x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range objs {
		got = append(got, u.GetKind()+" "+u.GetNamespace()+"/"+u.GetName())
	}
	want := []string{"Namespace /shop", "Ingress shop/cart-ip", "Service other/cart"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
}
