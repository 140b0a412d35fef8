package kube

import (
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Overlay is base with over applied on top, as applying over's manifests
// to a cluster holding base would leave it: an object in over replaces the
// one of the same kind, namespace and name in base (keeping base's UID,
// which an apply keeps and the controller hashes into target group names),
// and the rest are added. What only a cluster has (pods, nodes, endpoint
// slices, bindings) is base's.
func Overlay(base, over *Objects) *Objects {
	out := *base
	out.Namespaces = overlay(base.Namespaces, over.Namespaces)
	out.IngressClasses = overlay(base.IngressClasses, over.IngressClasses)
	out.IngressClassParams = overlay(base.IngressClassParams, over.IngressClassParams)
	out.Ingresses = overlay(base.Ingresses, over.Ingresses)
	out.Services = overlay(base.Services, over.Services)
	out.Deployments = overlay(base.Deployments, over.Deployments)
	out.Notes = append(append([]Note{}, base.Notes...), over.Notes...)
	out.Sources = over.Sources
	out.NoNamespace = over.NoNamespace
	return &out
}

// metaPtr is a pointer to an API object of type T.
type metaPtr[T any] interface {
	*T
	metav1.Object
}

func overlay[T any, P metaPtr[T]](base, over []T) []T {
	key := func(o P) string { return o.GetNamespace() + "/" + o.GetName() }
	idx := map[string]int{}
	out := append([]T{}, base...)
	for i := range out {
		idx[key(P(&out[i]))] = i
	}
	for _, o := range over {
		p := P(&o)
		if i, ok := idx[key(p)]; ok {
			if p.GetUID() == "" {
				p.SetUID(P(&out[i]).GetUID())
			}
			out[i] = o
			continue
		}
		idx[key(p)] = len(out)
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool { return key(P(&out[i])) < key(P(&out[j])) })
	return out
}
