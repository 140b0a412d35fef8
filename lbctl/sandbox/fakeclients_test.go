package sandbox

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

var deploymentsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}

// TestFakeClientsShareOneStore: what the dynamic client writes the typed
// one reads and the other way round, with an API server's resourceVersion,
// generation, status and field-manager rules.
func TestFakeClientsShareOneStore(t *testing.T) {
	ctx := context.Background()
	kc, dc := fakeClients()
	replicas := int32(2)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "team-a"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web"}}}}}}
	created, err := kc.AppsV1().Deployments("team-a").Create(ctx, d, metav1.CreateOptions{FieldManager: "kubectl"})
	if err != nil {
		t.Fatal(err)
	}
	if created.UID == "" || created.ResourceVersion == "" || created.Generation != 1 {
		t.Errorf("created: uid %q, resourceVersion %q, generation %d", created.UID, created.ResourceVersion, created.Generation)
	}

	// A dynamic watch of a built-in kind sees typed writes, unstructured.
	w, err := dc.Resource(deploymentsGVR).Namespace("team-a").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// The status subresource writes status only.
	st := created.DeepCopy()
	st.Status.ReadyReplicas = 2
	st.Spec.Replicas = nil
	if _, err := kc.AppsV1().Deployments("team-a").UpdateStatus(ctx, st, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A stale resourceVersion is a conflict.
	if _, err := kc.AppsV1().Deployments("team-a").UpdateStatus(ctx, st, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("update with a stale resourceVersion: %v, want a conflict", err)
	}

	// Server-side apply through the dynamic client, read back typed.
	apply := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "web", "namespace": "team-a"},
		"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{"annotations": map[string]any{"kubectl.kubernetes.io/restartedAt": "now"}}}},
	}}
	if _, err := dc.Resource(deploymentsGVR).Namespace("team-a").Apply(ctx, "web", apply, metav1.ApplyOptions{FieldManager: "lbctl"}); err != nil {
		t.Fatal(err)
	}
	got, err := kc.AppsV1().Deployments("team-a").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] != "now" || got.Spec.Replicas == nil || *got.Spec.Replicas != 2 {
		t.Errorf("after apply: template annotations %v, replicas %v", got.Spec.Template.Annotations, got.Spec.Replicas)
	}
	if got.Generation != 2 || got.Status.ReadyReplicas != 2 || got.UID != created.UID {
		t.Errorf("after apply: generation %d (want 2), ready %d (want 2), uid kept %v", got.Generation, got.Status.ReadyReplicas, got.UID == created.UID)
	}
	managers := map[string]bool{}
	for _, f := range got.ManagedFields {
		managers[f.Manager] = true
	}
	if !managers["lbctl"] || !managers["kubectl"] {
		t.Errorf("field managers %v, want kubectl and lbctl", managers)
	}
	// Taking a field another manager owns is a conflict unless forced.
	take := apply.DeepCopy()
	_ = unstructured.SetNestedField(take.Object, int64(3), "spec", "replicas")
	if _, err := dc.Resource(deploymentsGVR).Namespace("team-a").Apply(ctx, "web", take, metav1.ApplyOptions{FieldManager: "lbctl"}); !apierrors.IsConflict(err) {
		t.Errorf("apply of a field kubectl owns: %v, want a conflict", err)
	}
	if _, err := dc.Resource(deploymentsGVR).Namespace("team-a").Apply(ctx, "web", take, metav1.ApplyOptions{FieldManager: "lbctl", Force: true}); err != nil {
		t.Errorf("forced apply: %v", err)
	}

	seen := 0
	timeout := time.After(5 * time.Second)
	for seen < 3 {
		select {
		case ev := <-w.ResultChan():
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok || u.GetKind() != "Deployment" || u.GetName() != "web" {
				t.Fatalf("dynamic watch event %s %T", ev.Type, ev.Object)
			}
			if ev.Type == watch.Modified {
				seen++
			}
		case <-timeout:
			t.Fatalf("dynamic watch saw %d updates, want 3", seen)
		}
	}

	// Custom resources stay in the dynamic client, listable.
	tgb := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "TargetGroupBinding",
		"metadata": map[string]any{"name": "k8s-web", "namespace": "team-a"}}}
	if _, err := dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace("team-a").Create(ctx, tgb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if l, err := dc.Resource(v1beta1.TargetGroupBindingsResource).List(ctx, metav1.ListOptions{}); err != nil || len(l.Items) != 1 {
		t.Errorf("TargetGroupBindings: %v, %v", l, err)
	}

	r, err := kc.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: "team-a"}}}, metav1.CreateOptions{})
	if err != nil || !r.Status.Allowed {
		t.Errorf("access review: %+v, %v", r, err)
	}
}

// TestFakeClientsDeletePodsGracefully: a scheduled pod is marked for
// deletion with its grace period and goes only when deleted with none, as
// the kubelet does once its preStop hook ran.
func TestFakeClientsDeletePodsGracefully(t *testing.T) {
	ctx := context.Background()
	kc, dc := fakeClients()
	grace := int64(20)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "team-a"}, Spec: corev1.PodSpec{NodeName: "node-a", TerminationGracePeriodSeconds: &grace}}
	if _, err := kc.CoreV1().Pods("team-a").Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := kc.CoreV1().Pods("team-a").Delete(ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := dc.Resource(corev1.SchemeGroupVersion.WithResource("pods")).Namespace("team-a").Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the pod went at once: %v", err)
	}
	if got.GetDeletionTimestamp() == nil || got.GetDeletionGracePeriodSeconds() == nil || *got.GetDeletionGracePeriodSeconds() != 20 {
		t.Errorf("deletion timestamp %v, grace %v", got.GetDeletionTimestamp(), got.GetDeletionGracePeriodSeconds())
	}
	zero := int64(0)
	if err := kc.CoreV1().Pods("team-a").Delete(ctx, "web-1", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.CoreV1().Pods("team-a").Get(ctx, "web-1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after a delete with no grace: %v, want not found", err)
	}
}

// TestFakeClientsFieldSelectors: events are listed by the object they are
// about, as kubectl describe lists them.
func TestFakeClientsFieldSelectors(t *testing.T) {
	ctx := context.Background()
	kc, _ := fakeClients()
	for _, pod := range []string{"web-1", "web-2"} {
		ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: pod + ".1", Namespace: "team-a"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: pod, Namespace: "team-a"}, Reason: "Started"}
		if _, err := kc.CoreV1().Events("team-a").Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := kc.CoreV1().Events("team-a").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Pod,involvedObject.name=web-2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) != 1 || l.Items[0].InvolvedObject.Name != "web-2" {
		t.Errorf("events of web-2: %+v", l.Items)
	}
}
