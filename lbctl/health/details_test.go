package health

import (
	"strings"
	"testing"
	"time"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

func detailsFixture(t *testing.T, aws *awsapi.State) (Details, Snapshot) {
	t.Helper()
	objs, err := kube.ReadFiles([]string{"testdata/kube-only.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = "prod"
	topo := topology.Build(objs, aws, topology.Options{Defaults: d})
	return DetailsOf(topo), Build(topology.Build(objs, nil, topology.Options{Defaults: d}), time.Unix(0, 0), nil)
}

func contains(t *testing.T, what string, lines []string, want ...string) {
	t.Helper()
	text := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// Describe and YAML show what lbctl holds: the AWS description of an ALB
// (listeners, rules, the target groups forwarded to) and of a target group
// (health check, tags), the pod behind a target; and say so when AWS was
// not read rather than invent anything.
func TestDetails(t *testing.T) {
	aws := &awsapi.State{
		LoadBalancers: []awsapi.LoadBalancer{{ARN: "arn:lb/1", Name: "k8s-teama-shop-0123456789", DNSName: "shop.elb.example", Scheme: "internet-facing", Type: "application",
			Zones: []string{"us-west-2a"}, Listeners: []awsapi.Listener{{ARN: "arn:l/80", Port: 80, Protocol: "HTTP", Rules: []awsapi.Rule{
				{ARN: "arn:r/1", Priority: "1", Paths: []string{"/*"}, Action: "forward", Forward: []awsapi.WeightedTargetGroup{{ARN: "arn:tg/1", Weight: 1}}},
				{ARN: "arn:r/d", Priority: "default", IsDefault: true, Action: "fixed-response"}}}}}},
		TargetGroups: []awsapi.TargetGroup{{ARN: "arn:tg/1", Name: "k8s-teama-shop-abcdef0123", TargetType: "ip", Protocol: "HTTP", Port: 8080,
			HealthCheck:      awsapi.HealthCheck{Protocol: "HTTP", Port: "traffic-port", Path: "/healthz", IntervalSeconds: 15, TimeoutSeconds: 5, HealthyThreshold: 2, UnhealthyThreshold: 2, Matcher: "200"},
			LoadBalancerARNs: []string{"arn:lb/1"}, Tags: map[string]string{"elbv2.k8s.aws/cluster": "prod"}}},
	}
	d, s := detailsFixture(t, aws)
	contains(t, "describe load balancer", d.DescribeLoadBalancer("k8s-teama-shop-0123456789", s.Rows),
		"ARN:           arn:lb/1", "DNS name:      shop.elb.example", "HTTP:80", "priority 1 host - path /* → forward to k8s-teama-shop-abcdef0123 (weight 1)", "default → fixed-response")
	contains(t, "describe target group", d.DescribeTargetGroup("k8s-teama-shop-abcdef0123", nil),
		"Protocol:      HTTP port 8080", "HTTP port traffic-port path /healthz matcher 200", "every 15s, timeout 5s, healthy after 2, unhealthy after 2",
		"Load balancers: k8s-teama-shop-0123456789", "elbv2.k8s.aws/cluster=prod")
	y, err := d.LoadBalancerYAML("k8s-teama-shop-0123456789")
	if err != nil || !strings.HasPrefix(y, "# AWS load balancer\narn: arn:lb/1\n") || !strings.Contains(y, "dnsName: shop.elb.example") || !strings.Contains(y, "\n  port: 80\n") {
		t.Errorf("load balancer YAML: %v\n%s", err, y)
	}
	y, err = d.TargetGroupYAML("k8s-teama-shop-abcdef0123")
	if err != nil || !strings.Contains(y, "path: /healthz") {
		t.Errorf("target group YAML: %v\n%s", err, y)
	}

	// The pod behind a target: its conditions in describe, the object in
	// YAML with its kind and without managed fields.
	r := s.Rows[1]
	contains(t, "describe target", d.DescribeTarget(r), "Target:        10.0.1.21", "State:         unknown", "Reason:        AWS.NotRead",
		"Pod:           team-a/shop-2", "Ready:         false", "Zone:          us-west-2a", "Pod IP:        10.0.1.21")
	y, err = d.TargetYAML(r)
	if err != nil || !strings.HasPrefix(y, "apiVersion: v1\nkind: Pod\n") || !strings.Contains(y, "name: shop-2") || strings.Contains(y, "managedFields") {
		t.Errorf("pod YAML: %v\n%s", err, y)
	}

	// Without AWS: said, not invented.
	none, _ := detailsFixture(t, nil)
	contains(t, "describe without AWS", none.DescribeLoadBalancer(s.Rows[0].LoadBalancer, s.Rows), "AWS: not read", "Ingresses:     team-a/shop")
	contains(t, "describe of an ALB AWS did not list", d.DescribeLoadBalancer("k8s-other-0", s.Rows), "AWS: no ALB of this name in what AWS listed")
	contains(t, "describe with nothing held", Details{}.DescribeTargetGroup("tg", nil), "AWS: no description held by this view")
	// The Kubernetes objects behind an ALB and a target group follow AWS's
	// description, or say why there is none.
	lb, tg := s.Rows[0].LoadBalancer, s.Rows[0].TargetGroup
	y, err = none.LoadBalancerYAML(lb)
	if err != nil || !strings.HasPrefix(y, "# AWS: not read") || !strings.Contains(y, "---\n# Ingress team-a/shop\napiVersion: networking.k8s.io/v1\nkind: Ingress\n") {
		t.Errorf("load balancer YAML without AWS: %v\n%s", err, y)
	}
	y, err = none.TargetGroupYAML(tg)
	if err != nil || !strings.HasPrefix(y, "# AWS: not read") || !strings.Contains(y, "---\n# Service team-a/shop\napiVersion: v1\nkind: Service\n") || strings.Contains(y, "managedFields") {
		t.Errorf("target group YAML without AWS: %v\n%s", err, y)
	}
}
