package kubelet

import (
	"context"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// testOctet is outside the octets sandboxes claim (10, 13, … 247), so the
// pod servers of this test do not meet a running sandbox's.
const testOctet = 251

// TestRun drives the whole loop with informers: a Deployment's pods get
// addresses, real servers and Ready, and the Service's EndpointSlice lists
// them; ending the context stops the servers.
func TestRun(t *testing.T) {
	d := deployment("web", 2)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
	}
	kc := fake.NewClientset(d, svc)
	k := New(kc, Options{KubeletPort: -1, Octet: testOctet, StartupDelay: 10 * time.Millisecond, TimeScale: 0.001})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after the context ended")
		}
	}()

	var ready []string
	deadline := time.Now().Add(10 * time.Second)
	for len(ready) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("ready endpoints %v after 10s, want 2", ready)
		}
		time.Sleep(20 * time.Millisecond)
		es, err := kc.DiscoveryV1().EndpointSlices("default").Get(ctx, "web-lbctl", metav1.GetOptions{})
		if err != nil {
			continue
		}
		ready = ready[:0]
		for _, ep := range es.Endpoints {
			if ep.Conditions.Ready != nil && *ep.Conditions.Ready {
				ready = append(ready, ep.Addresses[0])
			}
		}
	}
	pods, err := kc.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 2 {
		t.Fatalf("%d pods, want 2", len(pods.Items))
	}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning || !podReady(&p) || k.node(p.Spec.NodeName) == nil || p.Status.HostIP != k.node(p.Spec.NodeName).IP {
			t.Errorf("pod %s: phase %s ready %v node %q host %s", p.Name, p.Status.Phase, podReady(&p), p.Spec.NodeName, p.Status.HostIP)
		}
		if k.PodServer(p.Namespace, p.Name) == nil {
			t.Errorf("pod %s: no server", p.Name)
		}
	}
	for _, ip := range ready {
		resp, err := http.Get("http://" + k.loopback(ip) + ":8080/healthz")
		if err != nil {
			t.Fatalf("pod at %s: %v", ip, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("pod at %s: health check %s", ip, resp.Status)
		}
	}
	nodes, err := kc.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 3 {
		t.Fatalf("nodes: %v %v", len(nodes.Items), err)
	}
}
