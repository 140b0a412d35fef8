package plan

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// BenchmarkPlan5000 plans 5,000 Ingresses across 200 namespaces (each on its
// own ALB in instance mode, two replicas each): the join, the scan checks
// the plan shares, grouping, packing, rewriting, the predicted topology and
// the phases. Rendering the manifests (only --out-dir does) is
// BenchmarkFiles5000.
//
//	go test ./migrate/plan/ -run '^$' -bench Plan5000 -benchmem
func BenchmarkPlan5000(b *testing.B) {
	objs := scenarios.Large(scenarios.LargeOptions{Namespaces: 200, AppsPerNamespace: 25, Replicas: 2})
	d := lbc.DefaultDefaults()
	d.ClusterName = "bench"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t := topology.Build(objs, nil, topology.Options{Defaults: d})
		p := Build(t, Options{})
		if len(p.Groups) != 200 {
			b.Fatalf("groups = %d", len(p.Groups))
		}
	}
}

// BenchmarkFiles5000 renders the --out-dir files of the same plan: every
// manifest of every phase as YAML, and plan.json.
//
//	go test ./migrate/plan/ -run '^$' -bench Files5000 -benchmem
func BenchmarkFiles5000(b *testing.B) {
	objs := scenarios.Large(scenarios.LargeOptions{Namespaces: 200, AppsPerNamespace: 25, Replicas: 2})
	d := lbc.DefaultDefaults()
	d.ClusterName = "bench"
	p := Build(topology.Build(objs, nil, topology.Options{Defaults: d}), Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.files = nil
		if len(p.Files()) == 0 {
			b.Fatal("no files")
		}
	}
}

// BenchmarkPlan5000Live is BenchmarkPlan5000 with what plan reads from a
// live cluster with AWS: the 10,000 pods on 100 nodes, their instances
// (three prefix-delegated interfaces each), two security groups and a
// hosted zone, so the security-group check resolves every pod's interface
// and the DNS check every host's zone.
//
//	go test ./migrate/plan/ -run '^$' -bench Plan5000Live -benchmem
func BenchmarkPlan5000Live(b *testing.B) {
	objs := scenarios.Large(scenarios.LargeOptions{Namespaces: 200, AppsPerNamespace: 25, Replicas: 2})
	st := &awsapi.State{NetworkRead: true, HostedZonesRead: true, HostedZones: []awsapi.HostedZone{{ID: "Z1", Name: "example.com."}},
		SecurityGroups: []awsapi.SecurityGroup{{ID: "sg-c", Tags: map[string]string{"kubernetes.io/cluster/bench": "owned"}}, {ID: "sg-n"}}}
	const nodes = 100
	for n := range nodes {
		id := fmt.Sprintf("i-%04d", n)
		objs.Nodes = append(objs.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d", n)}, Spec: corev1.NodeSpec{ProviderID: "aws:///us-west-2a/" + id}})
		in := awsapi.Instance{ID: id}
		for e := range 3 {
			eni := awsapi.ENI{ID: fmt.Sprintf("eni-%d-%d", n, e), DeviceIndex: int32(e), SecurityGroups: []string{"sg-c", "sg-n"}}
			for p := 0; p < 256; p += 16 {
				eni.Prefixes = append(eni.Prefixes, fmt.Sprintf("10.%d.%d.%d/28", n/200, n%200, p))
			}
			in.ENIs = append(in.ENIs, eni)
		}
		st.Instances = append(st.Instances, in)
	}
	// Each Ingress on its own ALB today, so every host moves by DNS.
	for k, in := range objs.Ingresses {
		name := fmt.Sprintf("k8s-%s-%s-%010d", in.Namespace, in.Name, k)
		st.LoadBalancers = append(st.LoadBalancers, awsapi.LoadBalancer{ARN: "arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/app/" + name + "/1", Name: name,
			Type: "application", Scheme: "internet-facing", DNSName: name + ".us-west-2.elb.amazonaws.com",
			Tags: map[string]string{"elbv2.k8s.aws/cluster": "bench", "ingress.k8s.aws/stack": in.Namespace + "/" + in.Name}})
	}
	i := 0
	for _, d := range objs.Deployments {
		for r := range 2 {
			n := i % nodes
			objs.Pods = append(objs.Pods, corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", d.Name, r), Namespace: d.Namespace, Labels: d.Spec.Template.Labels},
				Spec:   corev1.PodSpec{NodeName: fmt.Sprintf("node-%d", n), Containers: d.Spec.Template.Spec.Containers},
				Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: fmt.Sprintf("10.%d.%d.%d", n/200, n%200, 1+(i/nodes)%250)}})
			i++
		}
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = "bench"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t := topology.Build(objs, st, topology.Options{Defaults: d})
		p := Build(t, Options{})
		if len(p.Groups) != 200 {
			b.Fatalf("groups = %d", len(p.Groups))
		}
		if c := p.Phases[0].Steps[4].Check; c == nil || c.Status != CheckPass || !strings.Contains(c.Message, "10000 pod(s)") {
			b.Fatalf("security groups: %+v", c)
		}
		if c := p.Phases[0].Steps[6].Check; c == nil || !strings.Contains(c.Message, "5000 host(s)") || !strings.Contains(c.Message, "example.com (Z1)") {
			b.Fatalf("DNS: %+v", c)
		}
	}
}
