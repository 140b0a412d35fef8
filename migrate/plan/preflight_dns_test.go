package plan

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/awsapi"
)

func TestPreflightDNS(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	if c := preflightResult(t, p, "DNS ownership"); c.Status != CheckNotChecked || c.Needs == "" {
		t.Errorf("no ExternalDNS seen: %+v", c)
	}
	edns := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: external-dns, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: e}}\n  template:\n    metadata: {labels: {app: e}}\n    spec: {containers: [{name: e, image: registry.k8s.io/external-dns/external-dns:v0.15.0}]}\n"
	p = Build(topoYAML(t, oneApp(edns)), Options{})
	if c := preflightResult(t, p, "DNS ownership"); c.Status != CheckPass {
		t.Errorf("ExternalDNS deployed: %+v", c)
	}
	p = Build(topoYAML(t, oneApp(edns)), Options{DNS: DNSRoute53})
	if c := preflightResult(t, p, "DNS ownership"); c.Status != CheckNotChecked {
		t.Errorf("route53: %+v", c)
	}
	// In place: no DNS change.
	grp := docs(albClass, yService("a", "web", 30001), yIngress("a", "web", "web.example.com", "web", map[string]string{"alb.ingress.kubernetes.io/group.name": "g"}))
	p = Build(topoYAML(t, grp), Options{})
	if c := preflightResult(t, p, "DNS ownership"); c.Status != CheckPass {
		t.Errorf("in place: %+v", c)
	}
}

// TestPreflightDNSZones judges the hosts against the Route53 zones read.
func TestPreflightDNSZones(t *testing.T) {
	edns := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: external-dns, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: e}}\n  template:\n    metadata: {labels: {app: e}}\n    spec: {containers: [{name: e, image: registry.k8s.io/external-dns/external-dns:v0.15.0}]}\n"
	public := []awsapi.HostedZone{{ID: "Z1", Name: "example.com."}}
	private := []awsapi.HostedZone{{ID: "Z2", Name: "example.com.", Private: true}}
	for _, tc := range []struct {
		name   string
		y      string
		zones  []awsapi.HostedZone
		dns    DNSMode
		status string
		says   string
	}{
		{"route53, zone found", oneApp(), public, DNSRoute53, CheckPass, "in Route53 zone(s) example.com (Z1)"},
		{"route53, only a private zone for an internet-facing ALB", oneApp(), private, DNSRoute53, CheckFail, "web.example.com (no public hosted zone)"},
		{"route53, no zone", oneApp(), nil, DNSRoute53, CheckFail, "create the zone"},
		{"externaldns, zone found", oneApp(edns), public, DNSExternalDNS, CheckPass, "ExternalDNS (Deployment kube-system/external-dns) manages 1 host(s) (web.example.com) in Route53 zone(s) example.com (Z1)"},
		{"externaldns, no zone", oneApp(edns), nil, DNSExternalDNS, CheckWarn, "no Route53 zone of this account holds web.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// web's own ALB today, so its host moves by DNS.
			st := &awsapi.State{HostedZonesRead: true, HostedZones: tc.zones, LoadBalancers: []awsapi.LoadBalancer{{ARN: "arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/app/k8s-a-web-0/1",
				Name: "k8s-a-web-0", Scheme: "internet-facing", Type: "application", Tags: map[string]string{"elbv2.k8s.aws/cluster": "prod", "ingress.k8s.aws/stack": "a/web"}}}}
			p := Build(topoWith(t, tc.y, st), Options{DNS: tc.dns})
			c := preflightResult(t, p, "DNS ownership")
			if c.Status != tc.status || !strings.Contains(c.Message, tc.says) {
				t.Errorf("got %s %q, want %s saying %q", c.Status, c.Message, tc.status, tc.says)
			}
			// The manual Route53 steps name the zone to change.
			if tc.dns == DNSRoute53 && tc.status == CheckPass {
				manual := 0
				for _, ph := range p.Phases {
					for _, s := range ph.Steps {
						if s.Op == OpManual {
							manual++
							if !strings.Contains(s.Action, "web.example.com in zone example.com (Z1):") {
								t.Errorf("manual step without its zone: %s", s.Action)
							}
						}
					}
				}
				if manual != len(DefaultSteps()) {
					t.Errorf("%d manual steps, want one per shift step", manual)
				}
			}
		})
	}
}
