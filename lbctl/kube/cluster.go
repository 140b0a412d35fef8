package kube

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/pager"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Scope says which part of the cluster to read.
type Scope struct {
	// Namespace limits namespaced objects to one namespace ("" with
	// AllNamespaces for all).
	Namespace     string
	AllNamespaces bool
	// IngressSelector filters Ingresses by label (-l); the objects they refer
	// to are still read whole so joins stay complete.
	IngressSelector string
	// PageSize for list calls (default 500, as kubectl).
	PageSize int64
}

func (s Scope) ns() string {
	if s.AllNamespaces {
		return metav1.NamespaceAll
	}
	return s.Namespace
}

// ReadCluster lists the objects in scope, every kind concurrently and in
// pages. Failing to list Ingresses or Services is an error (the caller maps
// 403 and connection errors to exit codes); missing CRDs or a forbidden
// optional kind become Notes.
func ReadCluster(ctx context.Context, kc kubernetes.Interface, dc dynamic.Interface, s Scope) (*Objects, error) {
	o := &Objects{}
	ns := s.ns()
	var mu sync.Mutex
	note := func(source, msg string) {
		mu.Lock()
		o.Notes = append(o.Notes, Note{Source: source, Message: msg})
		mu.Unlock()
	}
	pageSize := s.PageSize
	if pageSize == 0 {
		pageSize = 500
	}
	g, ctx := errgroup.WithContext(ctx)
	// classesWhole stays true while the IngressClasses and their parameters
	// are read whole (not forbidden, the CRD installed).
	classesWhole := dc != nil
	// list runs a paged list; required kinds fail the read, optional ones note.
	list := func(kind string, required bool, fn pager.ListPageFunc, each func(runtime.Object) error) {
		g.Go(func() error {
			err := eachItem(ctx, pageSize, fn, each)
			if err == nil {
				return nil
			}
			if !required && (apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || apierrors.IsMethodNotSupported(err)) {
				note(kind, fmt.Sprintf("not read: %v", firstLine(err)))
				if kind == "ingressclasses" || kind == "ingressclassparams.elbv2.k8s.aws" {
					mu.Lock()
					classesWhole = false
					mu.Unlock()
				}
				return nil
			}
			return fmt.Errorf("list %s: %w", kind, err)
		})
	}

	list("ingresses", true, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		opts.LabelSelector = s.IngressSelector
		return kc.NetworkingV1().Ingresses(ns).List(ctx, opts)
	}, func(obj runtime.Object) error {
		o.Ingresses = append(o.Ingresses, *obj.(*networkingv1.Ingress))
		return nil
	})
	list("services", true, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return kc.CoreV1().Services(ns).List(ctx, opts)
	}, func(obj runtime.Object) error {
		o.Services = append(o.Services, *obj.(*corev1.Service))
		return nil
	})
	list("ingressclasses", false, ingressClassPages(kc), appendClass(&o.IngressClasses))
	list("endpointslices", false, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return kc.DiscoveryV1().EndpointSlices(ns).List(ctx, opts)
	}, func(obj runtime.Object) error {
		o.EndpointSlices = append(o.EndpointSlices, *obj.(*discoveryv1.EndpointSlice))
		return nil
	})
	list("pods", false, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return kc.CoreV1().Pods(ns).List(ctx, opts)
	}, func(obj runtime.Object) error {
		o.Pods = append(o.Pods, *obj.(*corev1.Pod))
		return nil
	})
	list("nodes", false, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return kc.CoreV1().Nodes().List(ctx, opts)
	}, func(obj runtime.Object) error {
		o.Nodes = append(o.Nodes, *obj.(*corev1.Node))
		return nil
	})
	list("namespaces", false, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		if ns != "" {
			opts.FieldSelector = "metadata.name=" + ns
		}
		return kc.CoreV1().Namespaces().List(ctx, opts)
	}, func(obj runtime.Object) error {
		o.Namespaces = append(o.Namespaces, *obj.(*corev1.Namespace))
		return nil
	})
	if dc != nil {
		list("targetgroupbindings.elbv2.k8s.aws", false, dynamicList(dc, v1beta1.TargetGroupBindingsResource, ns), func(obj runtime.Object) error {
			var x v1beta1.TargetGroupBinding
			if err := fromUnstructured(obj, &x); err != nil {
				return err
			}
			o.TargetGroupBindings = append(o.TargetGroupBindings, x)
			return nil
		})
		list("ingressclassparams.elbv2.k8s.aws", false, dynamicList(dc, v1beta1.IngressClassParamsResource, ""), appendParams(&o.IngressClassParams))
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	o.ClassesFromCluster = classesWhole
	o.Sort()
	return o, nil
}

// ReadClasses lists the cluster's IngressClasses and IngressClassParams:
// manifests name a class the controller's Helm chart put in the cluster, and
// what it references decides what the controller does. A cluster without
// the IngressClassParams CRD has none; any other failure is an error.
func ReadClasses(ctx context.Context, kc kubernetes.Interface, dc dynamic.Interface) (*Classes, error) {
	c := &Classes{}
	if err := eachItem(ctx, 0, ingressClassPages(kc), appendClass(&c.IngressClasses)); err != nil {
		return nil, fmt.Errorf("list ingressclasses: %w", err)
	}
	if dc == nil {
		return c, nil
	}
	err := eachItem(ctx, 0, dynamicList(dc, v1beta1.IngressClassParamsResource, ""), appendParams(&c.IngressClassParams))
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("list ingressclassparams.elbv2.k8s.aws: %w", err)
	}
	return c, nil
}

// eachItem runs a paged list (pageSize 0: 500, as kubectl).
func eachItem(ctx context.Context, pageSize int64, fn pager.ListPageFunc, each func(runtime.Object) error) error {
	p := pager.New(fn)
	if pageSize > 0 {
		p.PageSize = pageSize
	}
	return p.EachListItem(ctx, metav1.ListOptions{}, each)
}

func ingressClassPages(kc kubernetes.Interface) pager.ListPageFunc {
	return func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return kc.NetworkingV1().IngressClasses().List(ctx, opts)
	}
}

func appendClass(to *[]networkingv1.IngressClass) func(runtime.Object) error {
	return func(obj runtime.Object) error {
		*to = append(*to, *obj.(*networkingv1.IngressClass))
		return nil
	}
}

func appendParams(to *[]v1beta1.IngressClassParams) func(runtime.Object) error {
	return func(obj runtime.Object) error {
		var x v1beta1.IngressClassParams
		if err := fromUnstructured(obj, &x); err != nil {
			return err
		}
		*to = append(*to, x)
		return nil
	}
}

func dynamicList(dc dynamic.Interface, gvr schema.GroupVersionResource, ns string) pager.ListPageFunc {
	return func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		if ns == "" {
			return dc.Resource(gvr).List(ctx, opts)
		}
		return dc.Resource(gvr).Namespace(ns).List(ctx, opts)
	}
}

func fromUnstructured(obj runtime.Object, into any) error {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return fmt.Errorf("unexpected %T from the dynamic client", obj)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		return fmt.Errorf("decode %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return nil
}
