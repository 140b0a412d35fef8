package kubelet

import (
	"context"
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	appslisters "k8s.io/client-go/listers/apps/v1"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// harness is a kubelet over a fake clientset whose listers are filled from
// the clientset on demand (refresh), so a test decides exactly what each
// sync sees: no informers, no timing.
type harness struct {
	t   *testing.T
	ctx context.Context
	kc  *fake.Clientset
	k   *Kubelet
	// podCache is what the pod lister shows.
	podCache cache.Indexer
}

func newHarness(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	kc := fake.NewClientset(objs...)
	k := New(kc, Options{KubeletPort: -1, StartupDelay: time.Millisecond, TimeScale: 0.001})
	h := &harness{t: t, ctx: t.Context(), kc: kc, k: k}
	h.refresh()
	return h
}

// refresh makes the listers show what the clientset holds now.
func (h *harness) refresh() {
	h.t.Helper()
	ctx, all := h.ctx, metav1.ListOptions{}
	pods, err1 := h.kc.CoreV1().Pods("").List(ctx, all)
	svcs, err2 := h.kc.CoreV1().Services("").List(ctx, all)
	nss, err3 := h.kc.CoreV1().Namespaces().List(ctx, all)
	deps, err4 := h.kc.AppsV1().Deployments("").List(ctx, all)
	slices, err5 := h.kc.DiscoveryV1().EndpointSlices("").List(ctx, all)
	jobs, err6 := h.kc.BatchV1().Jobs("").List(ctx, all)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		h.t.Fatal(err)
	}
	h.podCache = indexed(h.t, pods.Items)
	h.k.pods = corelisters.NewPodLister(h.podCache)
	h.k.services = corelisters.NewServiceLister(indexed(h.t, svcs.Items))
	h.k.namespaces = corelisters.NewNamespaceLister(indexed(h.t, nss.Items))
	h.k.deploys = appslisters.NewDeploymentLister(indexed(h.t, deps.Items))
	h.k.slices = discoverylisters.NewEndpointSliceLister(indexed(h.t, slices.Items))
	h.k.jobs = batchlisters.NewJobLister(indexed(h.t, jobs.Items))
}

// indexed is an indexer (a lister's store) holding the items.
func indexed[T any](t *testing.T, items []T) cache.Indexer {
	t.Helper()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for i := range items {
		if err := idx.Add(&items[i]); err != nil {
			t.Fatal(err)
		}
	}
	return idx
}

// hidePod takes a pod out of the pod lister, as a cache that has not seen
// it yet.
func (h *harness) hidePod(p corev1.Pod) {
	h.t.Helper()
	if err := h.podCache.Delete(&p); err != nil {
		h.t.Fatal(err)
	}
}

// pods lists the pods of a namespace as the clientset holds them.
func (h *harness) pods(ns string) []corev1.Pod {
	h.t.Helper()
	l, err := h.kc.CoreV1().Pods(ns).List(h.ctx, metav1.ListOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return l.Items
}

// setPodStatus writes a pod's phase and Ready condition through the
// clientset, as the kubelet (or a test standing in for it) would.
func (h *harness) setPodStatus(p corev1.Pod, phase corev1.PodPhase, ip string, ready bool) {
	h.t.Helper()
	p.Status.Phase = phase
	p.Status.PodIP = ip
	s := corev1.ConditionFalse
	if ready {
		s = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.ContainersReady, Status: s}, {Type: corev1.PodReady, Status: s}}
	if _, err := h.kc.CoreV1().Pods(p.Namespace).UpdateStatus(h.ctx, &p, metav1.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

func deployment(name string, replicas int32) *appsv1.Deployment {
	lbls := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
}
