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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
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
	now     func() time.Time
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
	// down is when the kind's last watch ended (zero while one is open);
	// callErr is the last failed call's error since.
	down    time.Time
	callErr error
	w       *Watcher
	// add appends one object of the store to the snapshot.
	add func(o *Objects, obj any) error
}

// Watch starts informers for the objects in scope and returns once every
// kind is listed (or given up), the context ends, or a required kind fails
// for a reason retrying will not cure (forbidden, unauthorized).
func Watch(ctx context.Context, kc kubernetes.Interface, dc dynamic.Interface, s Scope) (*Watcher, error) {
	ns := s.ns()
	w := &Watcher{changed: make(chan struct{}, 1), now: time.Now}
	ingSel := func(o *metav1.ListOptions) { o.LabelSelector = s.IngressSelector }
	nsSel := func(o *metav1.ListOptions) {
		if ns != "" {
			o.FieldSelector = "metadata.name=" + ns
		}
	}
	typed(w, kc, "ingresses", true, ingSel,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return kc.NetworkingV1().Ingresses(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kc.NetworkingV1().Ingresses(ns).Watch(ctx, o)
		},
		func(o *Objects) *[]networkingv1.Ingress { return &o.Ingresses })
	typed(w, kc, "services", true, nil,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return kc.CoreV1().Services(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kc.CoreV1().Services(ns).Watch(ctx, o)
		},
		func(o *Objects) *[]corev1.Service { return &o.Services })
	typed(w, kc, "ingressclasses", false, nil,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return kc.NetworkingV1().IngressClasses().List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kc.NetworkingV1().IngressClasses().Watch(ctx, o)
		},
		func(o *Objects) *[]networkingv1.IngressClass { return &o.IngressClasses })
	typed(w, kc, "endpointslices", false, nil,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return kc.DiscoveryV1().EndpointSlices(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kc.DiscoveryV1().EndpointSlices(ns).Watch(ctx, o)
		},
		func(o *Objects) *[]discoveryv1.EndpointSlice { return &o.EndpointSlices })
	typed(w, kc, "pods", false, nil,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return kc.CoreV1().Pods(ns).List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kc.CoreV1().Pods(ns).Watch(ctx, o)
		},
		func(o *Objects) *[]corev1.Pod { return &o.Pods })
	typed(w, kc, "nodes", false, nil,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return kc.CoreV1().Nodes().List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kc.CoreV1().Nodes().Watch(ctx, o)
		},
		func(o *Objects) *[]corev1.Node { return &o.Nodes })
	typed(w, kc, "namespaces", false, nsSel,
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return kc.CoreV1().Namespaces().List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return kc.CoreV1().Namespaces().Watch(ctx, o)
		},
		func(o *Objects) *[]corev1.Namespace { return &o.Namespaces })
	if dc != nil {
		dynamicKind(w, dc, "targetgroupbindings.elbv2.k8s.aws",
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace(ns).List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace(ns).Watch(ctx, o)
			},
			func(o *Objects) *[]v1beta1.TargetGroupBinding { return &o.TargetGroupBindings })
		dynamicKind(w, dc, "ingressclassparams.elbv2.k8s.aws",
			func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return dc.Resource(v1beta1.IngressClassParamsResource).List(ctx, o)
			},
			func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return dc.Resource(v1beta1.IngressClassParamsResource).Watch(ctx, o)
			},
			func(o *Objects) *[]v1beta1.IngressClassParams { return &o.IngressClassParams })
	}
	for _, k := range w.kinds {
		w.handle(k)
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

type (
	listFunc  = func(context.Context, metav1.ListOptions) (runtime.Object, error)
	watchFunc = func(context.Context, metav1.ListOptions) (watch.Interface, error)
)

// typed watches a kind of client-go's typed clients, whose objects are T.
func typed[T any](w *Watcher, kc kubernetes.Interface, name string, required bool, tweak func(*metav1.ListOptions), list listFunc, watchFn watchFunc, field func(*Objects) *[]T) {
	k := w.kind(name, required)
	obj := any(new(T)).(runtime.Object)
	k.inf = cache.NewSharedIndexInformer(cache.ToListWatcherWithWatchListSemantics(k.listWatch(tweak, list, watchFn), kc), obj, 0, cache.Indexers{})
	k.add = into(field)
}

// dynamicKind watches an optional custom resource through the dynamic
// client and decodes its objects into T.
func dynamicKind[T any](w *Watcher, dc dynamic.Interface, name string, list listFunc, watchFn watchFunc, field func(*Objects) *[]T) {
	k := w.kind(name, false)
	k.inf = cache.NewSharedIndexInformer(cache.ToListWatcherWithWatchListSemantics(k.listWatch(nil, list, watchFn), dc), &unstructured.Unstructured{}, 0, cache.Indexers{})
	k.add = fromDynamic(field)
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

// kind adds a kind to watch; the caller sets its informer and add.
func (w *Watcher) kind(name string, required bool) *watched {
	k := &watched{name: name, required: required, stop: make(chan struct{}), w: w, down: w.now()}
	w.kinds = append(w.kinds, k)
	return k
}

// listWatch wraps a kind's list and watch calls so that the Watcher knows
// whether the kind is being watched: the reflector retries failures on its
// own — some (a refused connection) without telling its error handler, and
// each call of a hung server only after the client's own retries — and
// tells no one when a retry succeeds.
func (k *watched) listWatch(tweak func(*metav1.ListOptions), list listFunc, watchFn watchFunc) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			if tweak != nil {
				tweak(&o)
			}
			obj, err := list(ctx, o)
			if err != nil && ctx.Err() == nil {
				k.failed(err)
			}
			return obj, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			if tweak != nil {
				tweak(&o)
			}
			wi, err := watchFn(ctx, o)
			switch {
			case ctx.Err() != nil:
			case err != nil:
				k.failed(err)
			default:
				k.streaming()
				wi = &endingWatch{Interface: wi, k: k}
			}
			return wi, err
		},
	}
}

// endingWatch tells its kind when the reflector stops it: the stream ended
// (a timeout, an error, a lost connection) or the informer stopped.
type endingWatch struct {
	watch.Interface
	k    *watched
	once sync.Once
}

func (e *endingWatch) Stop() {
	e.once.Do(e.k.ended)
	e.Interface.Stop()
}

// streaming notes a watch that started; the first after a gap counts as a
// change, so that views refresh at once.
func (k *watched) streaming() {
	k.mu.Lock()
	gap := !k.down.IsZero()
	k.down, k.callErr = time.Time{}, nil
	k.mu.Unlock()
	if gap {
		k.w.notify()
	}
}

// ended notes a watch stream that ended.
func (k *watched) ended() {
	k.mu.Lock()
	if k.down.IsZero() {
		k.down = k.w.now()
	}
	k.mu.Unlock()
}

// failed notes a list or watch call that failed.
func (k *watched) failed(err error) {
	k.mu.Lock()
	if k.down.IsZero() {
		k.down = k.w.now()
	}
	k.callErr = err
	k.mu.Unlock()
}

// handle installs the error and event handlers of a kind's informer.
func (w *Watcher) handle(k *watched) {
	// The handler replaces the reflector's default, which logs: the caller
	// may own the terminal.
	_ = k.inf.SetWatchErrorHandler(func(_ *cache.Reflector, err error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.err = err
		if !k.required && !k.gaveUp && (apierrors.IsNotFound(err) || apierrors.IsForbidden(err) || apierrors.IsMethodNotSupported(err)) {
			k.gaveUp = true
			close(k.stop)
		}
	})
	_, _ = k.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { w.notify() },
		UpdateFunc: func(any, any) { w.notify() },
		DeleteFunc: func(any) { w.notify() },
	})
}

func (w *Watcher) notify() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// Failure is a kind not watched since Since: its last watch ended (or
// never started) and none has started again. Err is the last list or watch
// call's error, nil while a call goes unanswered.
type Failure struct {
	Kind  string
	Since time.Time
	Err   error
}

// Failing returns the kind that has gone unwatched longest (ok false while
// every kind still watched has a watch open). A watch renewed as usual
// leaves a gap of milliseconds; the caller decides how long a gap is an
// outage. The informers keep retrying with back-off; the objects they hold
// are those last read.
func (w *Watcher) Failing() (f Failure, ok bool) {
	for _, k := range w.kinds {
		k.mu.Lock()
		if !k.gaveUp && !k.down.IsZero() && (!ok || k.down.Before(f.Since)) {
			f, ok = Failure{Kind: k.name, Since: k.down, Err: k.callErr}, true
		}
		k.mu.Unlock()
	}
	return f, ok
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
