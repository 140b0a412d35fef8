package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestOverlayKeepsUIDsAndAdds(t *testing.T) {
	svc := func(ns, name, uid, ann string) corev1.Service {
		return corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uid), Annotations: map[string]string{"a": ann}}}
	}
	base := &Objects{Services: []corev1.Service{svc("b", "web", "uid-1", "old"), svc("a", "db", "uid-2", "old")}, Pods: []corev1.Pod{{}}}
	over := &Objects{Services: []corev1.Service{svc("b", "web", "", "new"), svc("c", "api", "", "new")}, Sources: []string{"x.yaml"}}
	got := Overlay(base, over)
	if len(got.Services) != 3 || len(got.Pods) != 1 {
		t.Fatalf("services %d, pods %d", len(got.Services), len(got.Pods))
	}
	want := []string{"a/db uid-2 old", "b/web uid-1 new", "c/api  new"}
	for i, s := range got.Services {
		if g := s.Namespace + "/" + s.Name + " " + string(s.UID) + " " + s.Annotations["a"]; g != want[i] {
			t.Errorf("service %d: %q, want %q", i, g, want[i])
		}
	}
	if base.Services[1].Annotations["a"] != "old" {
		t.Error("the base was changed")
	}
}
