package sandbox

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// fakeClients are the demo's in-process Kubernetes API: client-go's fake
// typed and dynamic clients over one object store, so that what one writes
// the other reads, as with an API server. Built-in kinds live in a
// field-managed tracker (server-side apply with field managers) behind the
// typed clientset; the dynamic client converts to and from them through the
// same scheme. lbctl's custom resources stay unstructured in the
// dynamic client's own tracker, as only the dynamic client knows them.
//
// The store adds what an API server does and lbctl depends on:
// resourceVersions with optimistic concurrency (a stale update is a 409),
// uids, generations that follow spec changes (rollout waits compare
// observedGeneration), a status subresource that writes only status,
// graceful pod deletion (the kubelet runs the preStop hook and removes the
// pod), and SelfSubjectAccessReviews answered "allowed" (the demo's user
// may do everything).
func fakeClients() (kubernetes.Interface, dynamic.Interface) {
	sch := storeScheme()
	tracker := k8stesting.NewFieldManagedObjectTracker(sch, serializer.NewCodecFactory(sch).UniversalDecoder(), applyconfigurations.NewTypeConverter(sch))
	kc := fake.NewClientset()
	s := &apiStore{ObjectTracker: tracker, scheme: sch, kinds: builtinKinds(sch), now: time.Now}
	kc.ReactionChain = nil
	kc.WatchReactionChain = nil
	kc.AddReactor("*", "*", s.react)
	kc.AddWatchReactor("*", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w, err := s.watch(a)
		return err == nil, w, err
	})

	// The dynamic client's scheme knows the built-in kinds, so that it
	// converts the typed objects the store returns; its own tracker keeps
	// the custom resources.
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(storeScheme(), map[schema.GroupVersionResource]string{
		v1beta1.TargetGroupBindingsResource: "TargetGroupBindingList",
		v1beta1.IngressClassParamsResource:  "IngressClassParamsList",
	})
	dc.PrependReactor("*", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if _, ok := s.kinds[a.GetResource()]; !ok {
			return false, nil, nil
		}
		a, err := s.typed(a)
		if err != nil {
			return true, nil, err
		}
		return s.react(a)
	})
	dc.PrependWatchReactor("*", func(a k8stesting.Action) (bool, watch.Interface, error) {
		if _, ok := s.kinds[a.GetResource()]; !ok {
			return false, nil, nil
		}
		w, err := s.watch(a)
		if err != nil {
			return true, nil, err
		}
		return true, watch.Filter(w, func(ev watch.Event) (watch.Event, bool) {
			if ev.Type == watch.Error {
				return ev, true
			}
			m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ev.Object)
			if err != nil {
				return ev, false
			}
			u := &unstructured.Unstructured{Object: m}
			u.SetGroupVersionKind(s.kinds[a.GetResource()])
			ev.Object = u
			return ev, true
		}), nil
	})
	return kc, dc
}

// storeScheme holds the API groups the sandbox and lbctl use. The
// field-managed tracker builds a REST mapper of its whole scheme on every
// write: over client-go's full scheme that is ~14 ms a write, over these
// groups ~0.3 ms.
func storeScheme() *runtime.Scheme {
	sch := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, networkingv1.AddToScheme, discoveryv1.AddToScheme,
		coordinationv1.AddToScheme, authorizationv1.AddToScheme, admissionregistrationv1.AddToScheme, rbacv1.AddToScheme,
		eventsv1.AddToScheme, policyv1.AddToScheme,
	} {
		if err := add(sch); err != nil {
			panic(err)
		}
	}
	return sch
}

// builtinKinds maps each resource of the scheme to its kind, as the fake
// clients' REST mapping guesses it (Ingress → ingresses).
func builtinKinds(sch *runtime.Scheme) map[schema.GroupVersionResource]schema.GroupVersionKind {
	out := map[schema.GroupVersionResource]schema.GroupVersionKind{}
	for gvk := range sch.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || len(gvk.Kind) > 4 && gvk.Kind[len(gvk.Kind)-4:] == "List" {
			continue
		}
		plural, _ := meta.UnsafeGuessKindToResource(gvk)
		out[plural] = gvk
	}
	return out
}

var (
	podsResource = corev1.SchemeGroupVersion.WithResource("pods")
	ssarResource = authorizationv1.SchemeGroupVersion.WithResource("selfsubjectaccessreviews")
)

// apiStore is the object tracker with an API server's write semantics.
type apiStore struct {
	k8stesting.ObjectTracker
	scheme *runtime.Scheme
	kinds  map[schema.GroupVersionResource]schema.GroupVersionKind
	now    func() time.Time

	// mu makes each read-check-write atomic; rv is the last
	// resourceVersion given out.
	mu sync.Mutex
	rv int64
}

// react serves an action: SelfSubjectAccessReviews and status updates
// here, everything else through the tracker (whose writes are the
// methods below).
func (s *apiStore) react(a k8stesting.Action) (bool, runtime.Object, error) {
	switch act := a.(type) {
	case k8stesting.CreateActionImpl:
		if r, ok := act.GetObject().(*authorizationv1.SelfSubjectAccessReview); ok && act.GetResource() == ssarResource {
			r = r.DeepCopy()
			r.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: true, Reason: "the in-process sandbox allows its user everything"}
			return true, r, nil
		}
	case k8stesting.UpdateActionImpl:
		if act.GetSubresource() == "status" {
			obj, err := s.updateStatus(act.GetResource(), act.GetNamespace(), act.GetObject())
			return true, obj, err
		}
	}
	return k8stesting.ObjectReaction(s)(a)
}

func (s *apiStore) watch(a k8stesting.Action) (watch.Interface, error) {
	var opts metav1.ListOptions
	if wa, ok := a.(k8stesting.WatchActionImpl); ok {
		opts = wa.ListOptions
	}
	return s.Watch(a.GetResource(), a.GetNamespace(), opts)
}

// typed turns a dynamic client's create or update of a built-in kind into
// the typed object the store keeps.
func (s *apiStore) typed(a k8stesting.Action) (k8stesting.Action, error) {
	conv := func(o runtime.Object) (runtime.Object, error) {
		u, ok := o.(*unstructured.Unstructured)
		if !ok {
			return o, nil
		}
		gvk := u.GroupVersionKind()
		if gvk.Kind == "" {
			gvk = s.kinds[a.GetResource()]
		}
		obj, err := s.scheme.New(gvk)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s: %v", gvk, err))
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return obj, nil
	}
	switch act := a.(type) {
	case k8stesting.CreateActionImpl:
		obj, err := conv(act.Object)
		act.Object = obj
		return act, err
	case k8stesting.UpdateActionImpl:
		obj, err := conv(act.Object)
		act.Object = obj
		return act, err
	}
	return a, nil
}

func (s *apiStore) nextRV() string {
	s.rv++
	return strconv.FormatInt(s.rv, 10)
}

// content is an object as a map, for comparing and editing any kind alike.
func content(o runtime.Object) (map[string]any, error) {
	if u, ok := o.(*unstructured.Unstructured); ok {
		return u.DeepCopy().Object, nil
	}
	return runtime.DefaultUnstructuredConverter.ToUnstructured(o)
}

// fromContent is m decoded into a new object of like's type.
func fromContent(m map[string]any, like runtime.Object) (runtime.Object, error) {
	if _, ok := like.(*unstructured.Unstructured); ok {
		return &unstructured.Unstructured{Object: m}, nil
	}
	out := reflect.New(reflect.TypeOf(like).Elem()).Interface().(runtime.Object)
	return out, runtime.DefaultUnstructuredConverter.FromUnstructured(m, out)
}

// List honours field selectors (the fake tracker ignores them): kubectl
// describe's events of one pod are listed by involvedObject fields.
func (s *apiStore) List(gvr schema.GroupVersionResource, gvk schema.GroupVersionKind, ns string, opts ...metav1.ListOptions) (runtime.Object, error) {
	obj, err := s.ObjectTracker.List(gvr, gvk, ns, opts...)
	if err != nil || len(opts) == 0 || opts[0].FieldSelector == "" {
		return obj, err
	}
	sel, err := fields.ParseSelector(opts[0].FieldSelector)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("field selector %q: %v", opts[0].FieldSelector, err))
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, err
	}
	keep := items[:0]
	for _, it := range items {
		c, err := content(it)
		if err != nil {
			return nil, err
		}
		if sel.Matches(fieldSet(c)) {
			keep = append(keep, it)
		}
	}
	return obj, meta.SetList(obj, keep)
}

// fieldSet reads an object's fields by their dotted paths, for selectors.
type fieldSet map[string]any

func (f fieldSet) Has(field string) bool {
	_, ok, _ := unstructured.NestedFieldNoCopy(f, strings.Split(field, ".")...)
	return ok
}

func (f fieldSet) Get(field string) string {
	v, ok, _ := unstructured.NestedFieldNoCopy(f, strings.Split(field, ".")...)
	if !ok || v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// Create gives a new object its uid, creation time, resourceVersion and
// first generation.
func (s *apiStore) Create(gvr schema.GroupVersionResource, obj runtime.Object, ns string, opts ...metav1.CreateOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj = obj.DeepCopyObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	m.SetUID(uuid.NewUUID())
	m.SetCreationTimestamp(metav1.NewTime(s.now()))
	m.SetResourceVersion(s.nextRV())
	m.SetGeneration(1)
	return s.ObjectTracker.Create(gvr, obj, ns, opts...)
}

// stamp carries over from cur what a write of the main resource cannot
// change (identity, status, a pending deletion) into next, bumps the
// generation when the spec changed, and gives it a new resourceVersion.
// With statusOnly, only next's status is taken.
func (s *apiStore) stamp(cur, next runtime.Object, statusOnly bool) (runtime.Object, error) {
	c, err := content(cur)
	if err != nil {
		return nil, err
	}
	n, err := content(next)
	if err != nil {
		return nil, err
	}
	if statusOnly {
		st, ok := n["status"]
		n = c
		delete(n, "status")
		if ok {
			n["status"] = st
		}
	} else {
		delete(n, "status")
		if st, ok := c["status"]; ok {
			n["status"] = st
		}
	}
	out, err := fromContent(n, next)
	if err != nil {
		return nil, err
	}
	cm, err := meta.Accessor(cur)
	if err != nil {
		return nil, err
	}
	om, err := meta.Accessor(out)
	if err != nil {
		return nil, err
	}
	om.SetUID(cm.GetUID())
	om.SetCreationTimestamp(cm.GetCreationTimestamp())
	if cm.GetDeletionTimestamp() != nil {
		om.SetDeletionTimestamp(cm.GetDeletionTimestamp())
		om.SetDeletionGracePeriodSeconds(cm.GetDeletionGracePeriodSeconds())
	}
	gen := cm.GetGeneration()
	if !reflect.DeepEqual(c["spec"], n["spec"]) {
		gen++
	}
	om.SetGeneration(gen)
	om.SetResourceVersion(s.nextRV())
	return out, nil
}

// replace writes next over the stored object, refusing a stale
// resourceVersion as an API server does.
func (s *apiStore) replace(gvr schema.GroupVersionResource, ns string, next runtime.Object, statusOnly bool, write func(runtime.Object) error) (runtime.Object, error) {
	nm, err := meta.Accessor(next)
	if err != nil {
		return nil, err
	}
	if ns == "" {
		ns = nm.GetNamespace()
	}
	cur, err := s.ObjectTracker.Get(gvr, ns, nm.GetName())
	if err != nil {
		return nil, err
	}
	cm, err := meta.Accessor(cur)
	if err != nil {
		return nil, err
	}
	if rv := nm.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, apierrors.NewConflict(gvr.GroupResource(), nm.GetName(),
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	out, err := s.stamp(cur, next, statusOnly)
	if err != nil {
		return nil, err
	}
	return out, write(out)
}

// Update writes the main resource: status and identity are kept.
func (s *apiStore) Update(gvr schema.GroupVersionResource, obj runtime.Object, ns string, opts ...metav1.UpdateOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.replace(gvr, ns, obj, false, func(o runtime.Object) error { return s.ObjectTracker.Update(gvr, o, ns, opts...) })
	return err
}

// Patch stores a patched object (the tracker applied the patch to the
// current one).
func (s *apiStore) Patch(gvr schema.GroupVersionResource, obj runtime.Object, ns string, opts ...metav1.PatchOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.replace(gvr, ns, obj, false, func(o runtime.Object) error { return s.ObjectTracker.Patch(gvr, o, ns, opts...) })
	return err
}

// updateStatus writes only the status of obj.
func (s *apiStore) updateStatus(gvr schema.GroupVersionResource, ns string, obj runtime.Object) (runtime.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.replace(gvr, ns, obj, true, func(o runtime.Object) error { return s.ObjectTracker.Update(gvr, o, ns) })
	if err != nil {
		return nil, err
	}
	return out.DeepCopyObject(), nil
}

// Apply is server-side apply by the field-managed tracker, then the
// result stamped like any other write.
func (s *apiStore) Apply(gvr schema.GroupVersionResource, cfg runtime.Object, ns string, opts ...metav1.PatchOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := meta.Accessor(cfg)
	if err != nil {
		return err
	}
	cur, err := s.ObjectTracker.Get(gvr, ns, m.GetName())
	if apierrors.IsNotFound(err) {
		cur = nil
	} else if err != nil {
		return err
	}
	if cur != nil {
		if cm, _ := meta.Accessor(cur); m.GetResourceVersion() != "" && m.GetResourceVersion() != cm.GetResourceVersion() {
			return apierrors.NewConflict(gvr.GroupResource(), m.GetName(), fmt.Errorf("the object has been modified"))
		}
	}
	if err := s.ObjectTracker.Apply(gvr, cfg, ns, opts...); err != nil {
		return err
	}
	applied, err := s.ObjectTracker.Get(gvr, ns, m.GetName())
	if err != nil {
		return err
	}
	if cur == nil {
		am, err := meta.Accessor(applied)
		if err != nil {
			return err
		}
		am.SetUID(uuid.NewUUID())
		am.SetCreationTimestamp(metav1.NewTime(s.now()))
		am.SetGeneration(1)
		am.SetResourceVersion(s.nextRV())
		return s.ObjectTracker.Update(gvr, applied, ns)
	}
	// As on an API server, an apply of the main resource leaves status
	// alone.
	out, err := s.stamp(cur, applied, false)
	if err != nil {
		return err
	}
	return s.ObjectTracker.Update(gvr, out, ns)
}

// Delete removes an object; a scheduled pod is only marked for deletion,
// with its grace period, and the kubelet removes it once its containers
// stopped (a delete with a zero grace period).
func (s *apiStore) Delete(gvr schema.GroupVersionResource, ns, name string, opts ...metav1.DeleteOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gvr != podsResource {
		return s.ObjectTracker.Delete(gvr, ns, name, opts...)
	}
	obj, err := s.ObjectTracker.Get(gvr, ns, name)
	if err != nil {
		return err
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return s.ObjectTracker.Delete(gvr, ns, name, opts...)
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if p.Spec.TerminationGracePeriodSeconds != nil {
		grace = *p.Spec.TerminationGracePeriodSeconds
	}
	if len(opts) > 0 && opts[0].GracePeriodSeconds != nil {
		grace = *opts[0].GracePeriodSeconds
	}
	if grace <= 0 || p.Spec.NodeName == "" {
		return s.ObjectTracker.Delete(gvr, ns, name, opts...)
	}
	if p.DeletionTimestamp != nil {
		return nil
	}
	p = p.DeepCopy()
	now := metav1.NewTime(s.now())
	p.DeletionTimestamp = &now
	p.DeletionGracePeriodSeconds = &grace
	p.ResourceVersion = s.nextRV()
	return s.ObjectTracker.Update(gvr, p, ns)
}
