package kubelet

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestLoopbackMap(t *testing.T) {
	m := LoopbackMap(12)
	for in, want := range map[string]string{
		"10.0.1.10":   "127.12.1.10",
		"10.0.9.249":  "127.12.9.249",
		"10.1.0.5":    "10.1.0.5",
		"192.168.0.1": "192.168.0.1",
		"127.0.0.1":   "127.0.0.1",
		"":            "",
	} {
		if got := m(in); got != want {
			t.Errorf("LoopbackMap(12)(%q) = %q, want %q", in, got, want)
		}
	}
	if got := LoopbackMap(10)("10.0.3.20"); got != "127.10.3.20" {
		t.Errorf("octet 10: %q", got)
	}
	if got := New(fake.NewClientset(), Options{}).loopback("10.0.2.10"); got != "127.10.2.10" {
		t.Errorf("default octet: %q", got)
	}
}

func TestAllocateIPPerZone(t *testing.T) {
	k := New(fake.NewClientset(), Options{KubeletPort: -1})
	nodes := k.opts.Nodes
	for i, want := range []string{"10.0.1.20", "10.0.1.21"} {
		if got := alloc(t, k, fmt.Sprintf("ns/a%d", i), "", &nodes[0]); got != want {
			t.Errorf("zone a pod %d: %s, want %s", i, got, want)
		}
	}
	if got := alloc(t, k, "ns/b0", "", &nodes[1]); got != "10.0.2.20" {
		t.Errorf("zone b: %s", got)
	}
	if got := alloc(t, k, "ns/c0", "", &nodes[2]); got != "10.0.3.20" {
		t.Errorf("zone c: %s", got)
	}

	// A node of a zone that is not its first node's uses the zone's subnet.
	k.opts.Nodes = append(k.opts.Nodes, Node{Name: "extra", Zone: "us-west-2b", IP: "10.0.2.11"})
	if got := alloc(t, k, "ns/b1", "", &k.opts.Nodes[3]); got != "10.0.2.21" {
		t.Errorf("second node of zone b: %s", got)
	}

	// An address in use is skipped.
	k.usedIPs["10.0.1.22"] = "ns/other"
	if got := alloc(t, k, "ns/a2", "", &nodes[0]); got != "10.0.1.23" {
		t.Errorf("after a used address: %s, want 10.0.1.23", got)
	}

	// A wanted address (the pod's reported IP) is kept when free or the
	// pod's own, and not taken from another pod.
	if got := alloc(t, k, "ns/kept", "10.0.1.99", &nodes[0]); got != "10.0.1.99" || k.usedIPs["10.0.1.99"] != "ns/kept" {
		t.Errorf("free wanted address: %s", got)
	}
	if got := alloc(t, k, "ns/kept", "10.0.1.99", &nodes[0]); got != "10.0.1.99" {
		t.Errorf("own wanted address: %s", got)
	}
	if got := alloc(t, k, "ns/thief", "10.0.1.99", &nodes[0]); got == "10.0.1.99" || k.usedIPs["10.0.1.99"] != "ns/kept" {
		t.Errorf("another pod's address handed out again: %s", got)
	}

	// The 231st address of a zone is in its next subnet.
	k2 := New(fake.NewClientset(), Options{KubeletPort: -1})
	var last string
	for i := range 231 {
		last = alloc(t, k2, fmt.Sprintf("ns/p%d", i), "", &k2.opts.Nodes[0])
	}
	if last != "10.0.9.20" {
		t.Errorf("address 231: %s, want 10.0.9.20", last)
	}
}

func alloc(t *testing.T, k *Kubelet, key, want string, n *Node) string {
	t.Helper()
	ip, err := k.allocateIP(key, want, n)
	if err != nil {
		t.Fatal(err)
	}
	return ip
}

func TestAllocateIPExhaustedAndReused(t *testing.T) {
	k := New(fake.NewClientset(), Options{KubeletPort: -1})
	node := &k.opts.Nodes[0]
	seen := map[string]bool{}
	for i := range 30 * 230 {
		ip := alloc(t, k, fmt.Sprintf("ns/p%d", i), "", node)
		if seen[ip] {
			t.Fatalf("address %s handed out twice", ip)
		}
		seen[ip] = true
		if !strings.HasPrefix(ip, "10.0.") || strings.HasSuffix(ip, ".10") {
			t.Fatalf("address %s", ip)
		}
	}
	_, err := k.allocateIP("ns/one-more", "", node)
	if err == nil || !strings.Contains(err.Error(), "no pod address left in zone us-west-2a") {
		t.Fatalf("full zone: %v", err)
	}
	// Another zone is unaffected.
	if got := alloc(t, k, "ns/b", "", &k.opts.Nodes[1]); got != "10.0.2.20" {
		t.Errorf("zone b: %s", got)
	}
	// An address freed (its pod gone) is handed out again, however many
	// addresses were handed out before.
	for range 3 {
		delete(k.usedIPs, "10.0.17.100")
		if got := alloc(t, k, "ns/again", "", node); got != "10.0.17.100" {
			t.Fatalf("freed address: got %s, want 10.0.17.100", got)
		}
	}
}

func TestDesiredStatusReadinessGates(t *testing.T) {
	node := &DefaultNodes()[0]
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node.Name, Containers: []corev1.Container{{Name: "c", Image: "nginx"}},
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "target-health.elbv2.k8s.aws/tg"}}},
	}
	started := time.Now()
	st := desiredStatus(p, "10.0.1.20", node, started, false)
	if st.Phase != corev1.PodRunning || st.PodIP != "10.0.1.20" || st.HostIP != node.IP || st.StartTime == nil {
		t.Fatalf("status %+v", st)
	}
	if condStatus(st.Conditions, corev1.PodReady) != corev1.ConditionFalse || condStatus(st.Conditions, corev1.ContainersReady) != corev1.ConditionFalse {
		t.Fatalf("not started yet: %+v", st.Conditions)
	}

	// Containers ready, gate not True: not Ready, for the gate's reason.
	p.Status = st
	st = desiredStatus(p, "10.0.1.20", node, started, true)
	if condStatus(st.Conditions, corev1.ContainersReady) != corev1.ConditionTrue || condStatus(st.Conditions, corev1.PodReady) != corev1.ConditionFalse {
		t.Fatalf("gate pending: %+v", st.Conditions)
	}
	for _, c := range st.Conditions {
		if c.Type == corev1.PodReady && c.Reason != "ReadinessGatesNotReady" {
			t.Errorf("Ready reason %q", c.Reason)
		}
	}
	if len(st.ContainerStatuses) != 1 || !st.ContainerStatuses[0].Ready {
		t.Errorf("container statuses %+v", st.ContainerStatuses)
	}
	// A new reason alone is a status to write.
	other := *st.DeepCopy()
	for i := range other.Conditions {
		if other.Conditions[i].Type == corev1.PodReady {
			other.Conditions[i].Reason = "ContainersNotReady"
		}
	}
	if statusEqual(other, st) {
		t.Error("statusEqual ignores a changed reason")
	}

	// The gate's condition True (as the load balancer controller sets it): Ready.
	st.Conditions = append(st.Conditions, corev1.PodCondition{Type: "target-health.elbv2.k8s.aws/tg", Status: corev1.ConditionTrue})
	p.Status = st
	st = desiredStatus(p, "10.0.1.20", node, started, true)
	if condStatus(st.Conditions, corev1.PodReady) != corev1.ConditionTrue || condStatus(st.Conditions, "target-health.elbv2.k8s.aws/tg") != corev1.ConditionTrue {
		t.Fatalf("gate True: %+v", st.Conditions)
	}
	if !statusEqual(st, desiredStatus(p, "10.0.1.20", node, started, true)) {
		t.Error("desired status not stable")
	}
}

func TestPodSpecHelpers(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "a", Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/sh", "-c", "sleep 15"}}}}},
		{Name: "b", Ports: []corev1.ContainerPort{{ContainerPort: 9090}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready"}}},
			Lifecycle:      &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 20}}}},
	}}}
	if got := preStopSleep(p); got != 20*time.Second {
		t.Errorf("preStopSleep %v, want 20s", got)
	}
	if got := containerPort(p); got != 9090 {
		t.Errorf("containerPort %d", got)
	}
	if got := probePath(p); got != "/ready" {
		t.Errorf("probePath %q", got)
	}
	empty := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	if preStopSleep(empty) != 0 || containerPort(empty) != 8080 || probePath(empty) != "/healthz" {
		t.Errorf("defaults: %v %d %q", preStopSleep(empty), containerPort(empty), probePath(empty))
	}
}

func TestRegisterNodes(t *testing.T) {
	kc := fake.NewClientset()
	k := New(kc, Options{KubeletPort: -1, Octet: 11})
	for range 2 { // again: the nodes exist already
		if err := k.registerNodes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	nodes, err := kc.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != 3 {
		t.Fatalf("%d nodes", len(nodes.Items))
	}
	for _, n := range nodes.Items {
		want := k.node(n.Name)
		if want == nil {
			t.Fatalf("unknown node %s", n.Name)
		}
		if n.Labels[corev1.LabelTopologyZone] != want.Zone || n.Spec.ProviderID != "aws:///"+want.Zone+"/"+want.InstanceID {
			t.Errorf("node %s: labels %v provider %q", n.Name, n.Labels, n.Spec.ProviderID)
		}
		addrs := map[corev1.NodeAddressType]string{}
		for _, a := range n.Status.Addresses {
			addrs[a.Type] = a.Address
		}
		if addrs[corev1.NodeInternalIP] != want.IP || addrs[corev1.NodeExternalIP] != LoopbackMap(11)(want.IP) {
			t.Errorf("node %s addresses %v", n.Name, addrs)
		}
		if len(n.Status.Conditions) != 1 || n.Status.Conditions[0].Type != corev1.NodeReady || n.Status.Conditions[0].Status != corev1.ConditionTrue {
			t.Errorf("node %s conditions %+v", n.Name, n.Status.Conditions)
		}
	}
}
