package kubelet

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func (h *harness) syncDeployments() {
	h.t.Helper()
	h.refresh()
	if err := h.k.syncDeployments(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) deployment(name string) *appsv1.Deployment {
	h.t.Helper()
	d, err := h.kc.AppsV1().Deployments("default").Get(h.ctx, name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

func TestDeploymentScales(t *testing.T) {
	h := newHarness(t, deployment("web", 3))
	for range 5 {
		h.syncDeployments()
	}
	pods := h.pods("default")
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 3", len(pods))
	}
	nodes := map[string]bool{}
	hash := templateHash(&h.deployment("web").Spec.Template)
	for _, p := range pods {
		nodes[p.Spec.NodeName] = true
		if p.Labels["app"] != "web" || p.Labels[TemplateHashLabel] != hash || !ownedBy(&p, h.deployment("web")) {
			t.Errorf("pod %s: labels %v owners %v", p.Name, p.Labels, p.OwnerReferences)
		}
	}
	if len(nodes) != 3 {
		t.Errorf("pods on nodes %v, want spread over the 3 nodes", nodes)
	}
	for i, p := range pods {
		h.setPodStatus(p, corev1.PodRunning, fmt.Sprintf("10.0.1.%d", 20+i), true)
	}
	h.syncDeployments()
	if st := h.deployment("web").Status; st.Replicas != 3 || st.UpdatedReplicas != 3 || st.ReadyReplicas != 3 || st.AvailableReplicas != 3 {
		t.Fatalf("status %+v", st)
	}

	// Scale down to 1.
	d := h.deployment("web")
	d.Spec.Replicas = ptr(int32(1))
	if _, err := h.kc.AppsV1().Deployments("default").Update(h.ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		h.syncDeployments()
	}
	if n := len(h.pods("default")); n != 1 {
		t.Fatalf("%d pods after scaling to 1", n)
	}
}

func TestDeploymentRollsOneByOne(t *testing.T) {
	h := newHarness(t, deployment("web", 1))
	h.syncDeployments()
	old := h.pods("default")
	if len(old) != 1 {
		t.Fatalf("%d pods", len(old))
	}
	h.setPodStatus(old[0], corev1.PodRunning, "10.0.1.20", true)

	// A restart: the template changes.
	d := h.deployment("web")
	d.Spec.Template.Annotations = map[string]string{"kubectl.kubernetes.io/restartedAt": "now"}
	if _, err := h.kc.AppsV1().Deployments("default").Update(h.ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.syncDeployments()
	h.syncDeployments()
	pods := h.pods("default")
	if len(pods) != 2 {
		t.Fatalf("%d pods during the rollout, want the old one and one new (surge 1)", len(pods))
	}
	var fresh corev1.Pod
	for _, p := range pods {
		if p.Name != old[0].Name {
			fresh = p
		}
	}
	if fresh.Annotations["kubectl.kubernetes.io/restartedAt"] != "now" {
		t.Fatalf("new pod annotations %v", fresh.Annotations)
	}
	// The old pod stays until the new one is ready.
	h.setPodStatus(fresh, corev1.PodRunning, "10.0.1.21", true)
	h.syncDeployments()
	pods = h.pods("default")
	if len(pods) != 1 || pods[0].Name != fresh.Name {
		t.Fatalf("after the new pod is ready: %d pods", len(pods))
	}
}

func TestEndpointSlices(t *testing.T) {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}}},
	}
	noSelector := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "external", Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "x", Port: 443}}}}
	nodes := DefaultNodes()
	pod := func(name, node string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8081}}}}}}
	}
	other := pod("other", nodes[0].Name)
	other.Labels = map[string]string{"app": "api"}
	h := newHarness(t, svc, noSelector, pod("a-ready", nodes[0].Name), pod("b-starting", nodes[1].Name), pod("c-done", nodes[2].Name),
		pod("d-unscheduled", ""), other)
	pods := map[string]corev1.Pod{}
	for _, p := range h.pods("default") {
		pods[p.Name] = p
	}
	h.setPodStatus(pods["a-ready"], corev1.PodRunning, "10.0.1.20", true)
	h.setPodStatus(pods["b-starting"], corev1.PodRunning, "10.0.2.20", false)
	h.setPodStatus(pods["c-done"], corev1.PodSucceeded, "10.0.3.20", false)
	h.setPodStatus(pods["other"], corev1.PodRunning, "10.0.1.21", true)
	h.refresh()
	if err := h.k.syncEndpointSlices(h.ctx); err != nil {
		t.Fatal(err)
	}
	list, err := h.kc.DiscoveryV1().EndpointSlices("default").List(h.ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Fatalf("%d EndpointSlices, want 1 (none for a Service without selector)", len(list.Items))
	}
	es := list.Items[0]
	if es.Name != "web-lbctl" || es.Labels["kubernetes.io/service-name"] != "web" || es.Labels["endpointslice.kubernetes.io/managed-by"] != ManagedBy {
		t.Fatalf("slice %s labels %v", es.Name, es.Labels)
	}
	if len(es.Ports) != 1 || *es.Ports[0].Port != 8081 || *es.Ports[0].Name != "http" {
		t.Fatalf("ports %+v", es.Ports)
	}
	if len(es.Endpoints) != 2 {
		t.Fatalf("%d endpoints, want the running pods with addresses", len(es.Endpoints))
	}
	a, b := es.Endpoints[0], es.Endpoints[1]
	if a.Addresses[0] != "10.0.1.20" || !*a.Conditions.Ready || !*a.Conditions.Serving || *a.Conditions.Terminating || *a.Zone != nodes[0].Zone || a.TargetRef.Name != "a-ready" {
		t.Errorf("ready endpoint %+v", a)
	}
	if b.Addresses[0] != "10.0.2.20" || *b.Conditions.Ready || *b.Conditions.Serving || *b.Zone != nodes[1].Zone {
		t.Errorf("starting endpoint %+v", b)
	}

	// The pod becomes ready: the slice is updated.
	h.setPodStatus(pods["b-starting"], corev1.PodRunning, "10.0.2.20", true)
	h.refresh()
	if err := h.k.syncEndpointSlices(h.ctx); err != nil {
		t.Fatal(err)
	}
	got, err := h.kc.DiscoveryV1().EndpointSlices("default").Get(h.ctx, "web-lbctl", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Endpoints) != 2 || !*got.Endpoints[1].Conditions.Ready {
		t.Fatalf("after readiness: %+v", got.Endpoints)
	}
}
