// Package kube reads the Kubernetes side of the topology — IngressClass,
// IngressClassParams, Ingress, Service, EndpointSlice, Pod, Node, Namespace and
// TargetGroupBinding — from a cluster (clients it is given) or from manifest
// files or a kustomization (cli-runtime's resource builder), into one typed
// Objects value.
package kube

import (
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Objects are the Kubernetes objects the topology is built from.
type Objects struct {
	Namespaces          []corev1.Namespace           `json:"namespaces,omitempty"`
	IngressClasses      []networkingv1.IngressClass  `json:"ingressClasses,omitempty"`
	IngressClassParams  []v1beta1.IngressClassParams `json:"ingressClassParams,omitempty"`
	Ingresses           []networkingv1.Ingress       `json:"ingresses,omitempty"`
	Services            []corev1.Service             `json:"services,omitempty"`
	EndpointSlices      []discoveryv1.EndpointSlice  `json:"endpointSlices,omitempty"`
	Pods                []corev1.Pod                 `json:"pods,omitempty"`
	Nodes               []corev1.Node                `json:"nodes,omitempty"`
	TargetGroupBindings []v1beta1.TargetGroupBinding `json:"targetGroupBindings,omitempty"`
	// Deployments are read from files only (scenarios, plans); the scan does
	// not need them from a cluster.
	Deployments []appsv1.Deployment `json:"deployments,omitempty"`
	// Notes say what was skipped or could not be read, and why.
	Notes []Note `json:"notes,omitempty"`
	// Warnings are what the input holds that it likely did not mean, such
	// as a key a YAML mapping holds twice: the command prints them on
	// stderr.
	Warnings []Note `json:"warnings,omitempty"`
	// FromFiles is true when the objects came from manifests, not a cluster.
	FromFiles bool `json:"fromFiles,omitempty"`
	// NoNamespace are the namespaced objects whose manifests had no
	// metadata.namespace: they took the reader's namespace, as kubectl
	// gives them -n or the context's, and a plan writes them back without
	// one so they still fit the repository and its kustomization.
	NoNamespace []ObjectKey `json:"noNamespace,omitempty"`
	// Sources are where manifests came from, in the order read: each file
	// that held an object (of any kind, used or skipped), the kustomization
	// directory of -k, or STDIN. A plan writes its kustomize overlays
	// against them, so every object the input holds stays in the overlay.
	Sources []string `json:"sources,omitempty"`
	// SuppliedClasses are the IngressClasses the manifests name but do not
	// hold, and where lbctl took each from (SupplyClasses).
	SuppliedClasses []SuppliedClass `json:"suppliedClasses,omitempty"`
	// ClassesFromCluster is true when the IngressClasses and
	// IngressClassParams were read whole from a cluster, so one that is not
	// among them does not exist (rather than living somewhere unread).
	ClassesFromCluster bool `json:"classesFromCluster,omitempty"`
}

// ObjectKey names one object by kind, namespace and name.
type ObjectKey struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// Note is something the reader skipped, with the object or source involved.
type Note struct {
	Source  string `json:"source"`
	Message string `json:"message"`
}

// Sort puts every list in namespace/name order so that output is stable.
func (o *Objects) Sort() {
	sortBy(o.Namespaces, func(x corev1.Namespace) string { return x.Name })
	sortBy(o.IngressClasses, func(x networkingv1.IngressClass) string { return x.Name })
	sortBy(o.IngressClassParams, func(x v1beta1.IngressClassParams) string { return x.Name })
	sortBy(o.Ingresses, func(x networkingv1.Ingress) string { return x.Namespace + "/" + x.Name })
	sortBy(o.Services, func(x corev1.Service) string { return x.Namespace + "/" + x.Name })
	sortBy(o.EndpointSlices, func(x discoveryv1.EndpointSlice) string { return x.Namespace + "/" + x.Name })
	sortBy(o.Pods, func(x corev1.Pod) string { return x.Namespace + "/" + x.Name })
	sortBy(o.Nodes, func(x corev1.Node) string { return x.Name })
	sortBy(o.Deployments, func(x appsv1.Deployment) string { return x.Namespace + "/" + x.Name })
	sortBy(o.TargetGroupBindings, func(x v1beta1.TargetGroupBinding) string { return x.Namespace + "/" + x.Name })
	sortBy(o.NoNamespace, func(x ObjectKey) string { return x.Kind + "/" + x.Namespace + "/" + x.Name })
}

func sortBy[T any](s []T, key func(T) string) {
	sort.SliceStable(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}
