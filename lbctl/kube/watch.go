package kube

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Watcher keeps the objects in scope current with informers: one list and
// then a watch per kind, so a view refreshed every few seconds costs the API
// server nothing between changes. Optional kinds the cluster lacks or
// forbids are given up with a Note, as ReadCluster does.
type Watcher struct {
	kinds   []*watched
	changed chan struct{}
	once    sync.Once
}

// watched is one kind's informer.
type watched struct {
	name     string
	required bool
	inf      cache.SharedIndexInformer
	stop     chan struct{}
	mu       sync.Mutex
	err      error
	gaveUp   bool
	// add appends one object of the store to the snapshot.
	add func(o *Objects, obj any) error
}

// Watch starts informers for the objects in scope and returns once every
// kind is listed (or given up), the context ends, or a required kind fails
// for a reason retrying will not cure (forbidden, unauthorized).
func Watch(ctx context.Context, kc kubernetes.Interface, dc dynamic.Interface, s Scope) (*Watcher, error) {
	ns := s.ns()
	w := &Watcher{changed: make(chan struct{}, 1)}
	scoped := informers.NewSharedInformerFactoryWithOptions(kc, 0, informers.WithNamespace(ns))
	ingresses := informers.NewSharedInformerFactoryWithOptions(kc, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = s.IngressSelector }))
	cluster := informers.NewSharedInformerFactory(kc, 0)
	namespaces := informers.NewSharedInformerFactoryWithOptions(kc, 0, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		if ns != "" {
			o.FieldSelector = "metadata.name=" + ns
		}
	}))

	w.add("ingresses", true, ingresses.Networking().V1().Ingresses().Informer(), into(func(o *Objects) *[]networkingv1.Ingress { return &o.Ingresses }))
	w.add("services", true, scoped.Core().V1().Services().Informer(), into(func(o *Objects) *[]corev1.Service { return &o.Services }))
	w.add("ingressclasses", false, cluster.Networking().V1().IngressClasses().Informer(), into(func(o *Objects) *[]networkingv1.IngressClass { return &o.IngressClasses }))
	w.add("endpointslices", false, scoped.Discovery().V1().EndpointSlices().Informer(), into(func(o *Objects) *[]discoveryv1.EndpointSlice { return &o.EndpointSlices }))
	w.add("pods", false, scoped.Core().V1().Pods().Informer(), into(func(o *Objects) *[]corev1.Pod { return &o.Pods }))
	w.add("nodes", false, cluster.Core().V1().Nodes().Informer(), into(func(o *Objects) *[]corev1.Node { return &o.Nodes }))
	w.add("namespaces", false, namespaces.Core().V1().Namespaces().Informer(), into(func(o *Objects) *[]corev1.Namespace { return &o.Namespaces }))
	if dc != nil {
		tgbs := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dc, 0, ns, nil).ForResource(v1beta1.TargetGroupBindingsResource).Informer()
		params := dynamicinformer.NewFilteredDynamicSharedInformerFactory(dc, 0, "", nil).ForResource(v1beta1.IngressClassParamsResource).Informer()
		w.add("targetgroupbindings.elbv2.k8s.aws", false, tgbs, fromDynamic(func(o *Objects) *[]v1beta1.TargetGroupBinding { return &o.TargetGroupBindings }))
		w.add("ingressclassparams.elbv2.k8s.aws", false, params, fromDynamic(func(o *Objects) *[]v1beta1.IngressClassParams { return &o.IngressClassParams }))
	}
	for _, k := range w.kinds {
		go k.inf.Run(k.stop)
	}
	if err := w.waitSynced(ctx); err != nil {
		w.Stop()
		return nil, err
	}
	return w, nil
}

// into appends an object of a typed informer's store to one of the lists.
func into[T any](list func(*Objects) *[]T) func(*Objects, any) error {
	return func(o *Objects, obj any) error {
		l := list(o)
		*l = append(*l, *obj.(*T))
		return nil
	}
}

// fromDynamic decodes an object of a dynamic informer's store into one of
// the lists.
func fromDynamic[T any](list func(*Objects) *[]T) func(*Objects, any) error {
	return func(o *Objects, obj any) error {
		var x T
		if err := fromUnstructured(obj.(runtime.Object), &x); err != nil {
			return err
		}
		l := list(o)
		*l = append(*l, x)
		return nil
	}
}

func (w *Watcher) add(name string, required bool, inf cache.SharedIndexInformer, add func(*Objects, any) error) {
	k := &watched{name: name, required: required, inf: inf, stop: make(chan struct{}), add: add}
	// The handler replaces the reflector's default, which logs: the caller
	// may own the terminal.
	_ = inf.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.err = err
		if !required && !k.gaveUp && (apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || apierrors.IsMethodNotSupported(err)) {
			k.gaveUp = true
			close(k.stop)
		}
	})
	notify := func() {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { notify() },
		UpdateFunc: func(any, any) { notify() },
		DeleteFunc: func(any) { notify() },
	})
	w.kinds = append(w.kinds, k)
}

func (w *Watcher) waitSynced(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		done := true
		for _, k := range w.kinds {
			k.mu.Lock()
			gaveUp, err := k.gaveUp, k.err
			k.mu.Unlock()
			if k.required && err != nil && (apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err)) {
				return fmt.Errorf("list %s: %w", k.name, err)
			}
			if !gaveUp && !k.inf.HasSynced() {
				done = false
			}
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			for _, k := range w.kinds {
				k.mu.Lock()
				err := k.err
				k.mu.Unlock()
				if !k.inf.HasSynced() && err != nil {
					return fmt.Errorf("list %s: %w", k.name, err)
				}
			}
			return fmt.Errorf("list the cluster's objects: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// Changed receives (coalesced) after any add, update or delete.
func (w *Watcher) Changed() <-chan struct{} { return w.changed }

// Objects returns the objects the informers hold now, sorted as ReadCluster
// sorts them. They share maps and slices with the informers' caches: read
// them, never modify them.
func (w *Watcher) Objects() (*Objects, error) {
	o := &Objects{}
	for _, k := range w.kinds {
		k.mu.Lock()
		gaveUp, err := k.gaveUp, k.err
		k.mu.Unlock()
		if gaveUp {
			o.Notes = append(o.Notes, Note{Source: k.name, Message: fmt.Sprintf("not read: %v", firstLine(err))})
			continue
		}
		for _, obj := range k.inf.GetStore().List() {
			if err := k.add(o, obj); err != nil {
				return nil, err
			}
		}
	}
	o.Sort()
	return o, nil
}

// Stop ends every informer.
func (w *Watcher) Stop() {
	w.once.Do(func() {
		for _, k := range w.kinds {
			k.mu.Lock()
			if !k.gaveUp {
				close(k.stop)
				k.gaveUp = true
			}
			k.mu.Unlock()
		}
	})
}
