package apply

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// The kinds a plan writes. Each verb names its resource directly, so the
// permission registry's parser sees every call (lbctl/permissions).
var (
	gvrNamespaces  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrServices    = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	gvrIngresses   = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	gvrDeployments = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
)

// writable are the kinds migrate writes, by kind, with their resource.
var writable = map[string]schema.GroupVersionResource{
	"Namespace": gvrNamespaces, "Service": gvrServices, "Ingress": gvrIngresses, "Deployment": gvrDeployments,
}

// unsupported is a write migrate never makes: rollback only deletes and
// re-creates Ingresses.
func unsupported(r Ref) error {
	return exitcode.New(exitcode.Usage, fmt.Sprintf("the plan writes %s, a kind migrate does not write", r), "make the plan again with this lbctl", nil)
}

func (e *Executor) getObject(ctx context.Context, r Ref) (*unstructured.Unstructured, error) {
	switch r.Kind {
	case "Namespace":
		return e.o.Dynamic.Resource(gvrNamespaces).Get(ctx, r.Name, metav1.GetOptions{})
	case "Service":
		return e.o.Dynamic.Resource(gvrServices).Namespace(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	case "Ingress":
		return e.o.Dynamic.Resource(gvrIngresses).Namespace(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	case "Deployment":
		return e.o.Dynamic.Resource(gvrDeployments).Namespace(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
	}
	return nil, unsupported(r)
}

func (e *Executor) applyObject(ctx context.Context, r Ref, u *unstructured.Unstructured, o metav1.ApplyOptions) (*unstructured.Unstructured, error) {
	switch r.Kind {
	case "Namespace":
		return e.o.Dynamic.Resource(gvrNamespaces).Apply(ctx, r.Name, u, o)
	case "Service":
		return e.o.Dynamic.Resource(gvrServices).Namespace(r.Namespace).Apply(ctx, r.Name, u, o)
	case "Ingress":
		return e.o.Dynamic.Resource(gvrIngresses).Namespace(r.Namespace).Apply(ctx, r.Name, u, o)
	case "Deployment":
		return e.o.Dynamic.Resource(gvrDeployments).Namespace(r.Namespace).Apply(ctx, r.Name, u, o)
	}
	return nil, unsupported(r)
}

func (e *Executor) createObject(ctx context.Context, r Ref, u *unstructured.Unstructured, o metav1.CreateOptions) (*unstructured.Unstructured, error) {
	switch r.Kind {
	case "Ingress":
		return e.o.Dynamic.Resource(gvrIngresses).Namespace(r.Namespace).Create(ctx, u, o)
	}
	return nil, unsupported(r)
}

func (e *Executor) updateObject(ctx context.Context, r Ref, u *unstructured.Unstructured, o metav1.UpdateOptions) (*unstructured.Unstructured, error) {
	switch r.Kind {
	case "Namespace":
		return e.o.Dynamic.Resource(gvrNamespaces).Update(ctx, u, o)
	case "Service":
		return e.o.Dynamic.Resource(gvrServices).Namespace(r.Namespace).Update(ctx, u, o)
	case "Ingress":
		return e.o.Dynamic.Resource(gvrIngresses).Namespace(r.Namespace).Update(ctx, u, o)
	case "Deployment":
		return e.o.Dynamic.Resource(gvrDeployments).Namespace(r.Namespace).Update(ctx, u, o)
	}
	return nil, unsupported(r)
}

func (e *Executor) removeObject(ctx context.Context, r Ref, o metav1.DeleteOptions) error {
	switch r.Kind {
	case "Ingress":
		return e.o.Dynamic.Resource(gvrIngresses).Namespace(r.Namespace).Delete(ctx, r.Name, o)
	}
	return unsupported(r)
}
