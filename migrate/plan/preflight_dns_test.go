package plan

import "testing"

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
