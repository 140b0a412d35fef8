package kube

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// A pod that changes reaches Objects through the watch: no kind is listed
// again after the first sync.
func TestWatcherFollowsChangesWithoutRelisting(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "shop-1", Namespace: "team-a"}}
	kc := fake.NewClientset(pod, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Namespace: "team-b"}})
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		v1beta1.TargetGroupBindingsResource: "TargetGroupBindingList",
		v1beta1.IngressClassParamsResource:  "IngressClassParamsList",
	})
	var mu sync.Mutex
	lists := map[string]int{}
	count := func(a k8stesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		lists[a.GetResource().Resource]++
		mu.Unlock()
		return false, nil, nil
	}
	kc.PrependReactor("list", "*", count)
	dc.PrependReactor("list", "*", count)

	w, err := Watch(ctx, kc, dc, Scope{Namespace: "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	o, err := w.Objects()
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Pods) != 1 || o.Pods[0].Name != "shop-1" {
		t.Fatalf("pods in team-a = %+v, want shop-1 only", o.Pods)
	}
	mu.Lock()
	after := map[string]int{}
	for k, v := range lists {
		after[k] = v
	}
	mu.Unlock()
	for _, r := range []string{"pods", "services", "ingresses", "nodes", "targetgroupbindings"} {
		if after[r] != 1 {
			t.Errorf("%s listed %d times at start, want 1", r, after[r])
		}
	}

	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
	if _, err := kc.CoreV1().Pods("team-a").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case <-w.Changed():
		case <-ctx.Done():
			t.Fatal("the pod update never reached Objects")
		}
		if o, err = w.Objects(); err != nil {
			t.Fatal(err)
		}
		if c := o.Pods[0].Status.Conditions; len(c) == 1 && c[0].Status == corev1.ConditionFalse {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for k, v := range lists {
		if v != after[k] {
			t.Errorf("%s listed again (%d → %d): the watch should carry changes", k, after[k], v)
		}
	}
}

// Watches that keep failing make Failing name the kind, the time the
// failures began and the last error, though every list succeeds; a watch
// answered again ends it and counts as a change.
func TestWatcherFailingUntilAWatchStarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kc := fake.NewClientset(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "shop-1", Namespace: "team-a"}})
	var mu sync.Mutex
	refuse := true
	kc.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
		mu.Lock()
		defer mu.Unlock()
		if refuse {
			return true, nil, errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")
		}
		return false, nil, nil
	})
	before := time.Now()
	w, err := Watch(ctx, kc, nil, Scope{Namespace: "team-a"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var f Failure
	for ok := false; !ok; f, ok = w.Failing() {
		select {
		case <-ctx.Done():
			t.Fatal("the failing watch was never reported")
		case <-time.After(50 * time.Millisecond):
		}
	}
	if f.Kind != "pods" || f.Since.Before(before) || f.Err == nil || !strings.Contains(f.Err.Error(), "connection refused") {
		t.Errorf("Failing() = %+v, want pods since after %s with the refused connection", f, before)
	}

	// Answered again.
	mu.Lock()
	refuse = false
	mu.Unlock()
	for _, ok := w.Failing(); ok; _, ok = w.Failing() {
		select {
		case <-ctx.Done():
			t.Fatal("still failing after the watch was answered again")
		case <-w.Changed():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
