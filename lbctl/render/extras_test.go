package render

import (
	"bytes"
	"strings"
	"testing"
)

// classed turns the test Ingress into one of IngressClass alb (so that
// IngressClassParams apply) and adds annotations.
func classed(name, annotations string) string {
	s := strings.Replace(ingress(name, annotations), "    kubernetes.io/ingress.class: alb\n", "", 1)
	return strings.Replace(s, "spec:\n", "spec:\n  ingressClassName: alb\n", 1)
}

// paramsClass is IngressClass alb with IngressClassParams p of spec.
func paramsClass(spec string) string {
	return `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb, parameters: {apiGroup: elbv2.k8s.aws, kind: IngressClassParams, name: p}}
---
apiVersion: elbv2.k8s.aws/v1beta1
kind: IngressClassParams
metadata: {name: p}
spec: ` + spec + "\n"
}

const inGroup = "    alb.ingress.kubernetes.io/group.name: g\n"

func TestCapacityReservationFromAnnotationOrParams(t *testing.T) {
	ann := func(units string) string {
		return inGroup + "    alb.ingress.kubernetes.io/minimum-load-balancer-capacity: CapacityUnits=" + units
	}
	g := group(t, build(t, nil, nil, svc, ingress("a", ann("100")), ingress("b", ann("100"))), "g")
	lb := specOf[LoadBalancerSpec](t, g, TypeLoadBalancer, "LoadBalancer")
	if lb.MinimumCapacity == nil || lb.MinimumCapacity.CapacityUnits != 100 {
		t.Errorf("capacity %+v, want 100 units", lb.MinimumCapacity)
	}
	if v := viewOf(t, g); !strings.Contains(v, "100 capacity units reserved") {
		t.Errorf("view does not show the reservation:\n%s", v)
	}
	if g := group(t, build(t, nil, nil, svc, ingress("a", ann("100")), ingress("b", ann("200"))), "g"); !strings.Contains(g.Error, "minimum-load-balancer-capacity CapacityUnits: 100 | 200") {
		t.Errorf("members asking 100 and 200 units: error %q", g.Error)
	}
	bad := inGroup + "    alb.ingress.kubernetes.io/minimum-load-balancer-capacity: Units=5"
	if g := group(t, build(t, nil, nil, svc, ingress("a", bad)), "g"); !strings.Contains(g.Error, "invalid key to set the capacity: Units") {
		t.Errorf("a key other than CapacityUnits: error %q", g.Error)
	}
	off := group(t, build(t, []string{"--feature-gates=LBCapacityReservation=false"}, nil, svc, ingress("a", ann("100"))), "g")
	if lb := specOf[LoadBalancerSpec](t, off, TypeLoadBalancer, "LoadBalancer"); lb.MinimumCapacity != nil {
		t.Errorf("the gate off still reserved %+v", lb.MinimumCapacity)
	}
	// IngressClassParams on the first member win, and members' annotations
	// then never conflict.
	p := paramsClass("{group: {name: g}, minimumLoadBalancerCapacity: {capacityUnits: 400}}")
	g = group(t, build(t, nil, nil, p, svc, classed("a", ann("100")), classed("b", ann("200"))), "g")
	if g.Error != "" {
		t.Fatalf("group error %q", g.Error)
	}
	if lb := specOf[LoadBalancerSpec](t, g, TypeLoadBalancer, "LoadBalancer"); lb.MinimumCapacity == nil || lb.MinimumCapacity.CapacityUnits != 400 {
		t.Errorf("capacity %+v, want IngressClassParams' 400", lb.MinimumCapacity)
	}
}

func TestIPAMPoolFromAnnotationOrParams(t *testing.T) {
	ann := func(pool string) string { return inGroup + "    alb.ingress.kubernetes.io/ipam-ipv4-pool-id: " + pool }
	g := group(t, build(t, nil, nil, svc, ingress("a", ann("ipam-pool-1")), ingress("b", "")), "g")
	if lb := specOf[LoadBalancerSpec](t, g, TypeLoadBalancer, "LoadBalancer"); lb.IPv4IPAMPool != "ipam-pool-1" {
		t.Errorf("pool %q, want ipam-pool-1", lb.IPv4IPAMPool)
	}
	if g := group(t, build(t, nil, nil, svc, ingress("a", ann("ipam-pool-1")), ingress("b", ann("ipam-pool-2"))), "g"); !strings.Contains(g.Error, "conflicting ipam-ipv4-pool-id: ipam-pool-1 | ipam-pool-2") {
		t.Errorf("two pools: error %q", g.Error)
	}
	p := paramsClass("{group: {name: g}, ipamConfiguration: {ipv4IPAMPoolId: ipam-pool-9}}")
	g = group(t, build(t, nil, nil, p, svc, classed("a", ann("ipam-pool-1")), classed("b", ann("ipam-pool-2"))), "g")
	if lb := specOf[LoadBalancerSpec](t, g, TypeLoadBalancer, "LoadBalancer"); g.Error != "" || lb.IPv4IPAMPool != "ipam-pool-9" {
		t.Errorf("error %q, pool %q: IngressClassParams' ipam-pool-9 wins", g.Error, lb.IPv4IPAMPool)
	}
}

func TestPrefixListsOpenTheManagedSecurityGroup(t *testing.T) {
	ann := func(lists string) string {
		return inGroup + "    alb.ingress.kubernetes.io/security-group-prefix-lists: " + lists
	}
	g := group(t, build(t, nil, nil, svc, ingress("a", ann("pl-b, pl-a"))), "g")
	sg := specOf[SecurityGroupSpec](t, g, TypeSecurityGroup, "ManagedLBSecurityGroup")
	if len(sg.Ingress) != 2 || sg.Ingress[0].PrefixLists[0].ListID != "pl-a" || sg.Ingress[1].PrefixLists[0].ListID != "pl-b" || sg.Ingress[0].FromPort != 80 {
		t.Errorf("rules %+v, want port 80 from pl-a and pl-b and no 0.0.0.0/0", sg.Ingress)
	}
	// with inbound CIDRs both are allowed in
	both := group(t, build(t, nil, nil, svc, ingress("a", ann("pl-a")+"\n    alb.ingress.kubernetes.io/inbound-cidrs: 10.0.0.0/8")), "g")
	if sg := specOf[SecurityGroupSpec](t, both, TypeSecurityGroup, "ManagedLBSecurityGroup"); len(sg.Ingress) != 2 || sg.Ingress[0].IPRanges[0].CIDRIP != "10.0.0.0/8" {
		t.Errorf("rules %+v, want 10.0.0.0/8 and pl-a", sg.Ingress)
	}
	if g := group(t, build(t, nil, nil, svc, ingress("a", ann("pl-a")), ingress("b", ann("pl-b"))), "g"); !strings.Contains(g.Error, "conflicting security-group-prefix-lists on port 80: pl-a | pl-b") {
		t.Errorf("members on port 80 with different prefix lists: error %q", g.Error)
	}
	// IngressClassParams prefixListsIDs replace the annotation
	p := paramsClass("{group: {name: g}, prefixListsIDs: [pl-p]}")
	g = group(t, build(t, nil, nil, p, svc, classed("a", ann("pl-a"))), "g")
	if sg := specOf[SecurityGroupSpec](t, g, TypeSecurityGroup, "ManagedLBSecurityGroup"); len(sg.Ingress) != 1 || sg.Ingress[0].PrefixLists[0].ListID != "pl-p" {
		t.Errorf("rules %+v, want IngressClassParams' pl-p only", sg.Ingress)
	}
}

const https = "    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-west-2:1:certificate/c\n"

func TestMutualAuthenticationOnHTTPSListeners(t *testing.T) {
	ann := func(v string) string {
		return inGroup + https + "    alb.ingress.kubernetes.io/mutual-authentication: '" + v + "'"
	}
	verify := `[{"port":443,"mode":"verify","trustStore":"arn:aws:elasticloadbalancing:us-west-2:1:truststore/ts/1"}]`
	g := group(t, build(t, nil, nil, svc, ingress("a", ann(verify)), ingress("b", inGroup+https)), "g")
	ls := specOf[ListenerSpec](t, g, TypeListener, "443")
	ma := ls.MutualAuthentication
	if ma == nil || ma.Mode != "verify" || ma.TrustStoreARN == nil || !strings.HasSuffix(*ma.TrustStoreARN, "truststore/ts/1") || ma.IgnoreClientCertificateExpiry == nil || *ma.IgnoreClientCertificateExpiry {
		t.Errorf("mTLS %+v, want verify with the trust store and expiry not ignored", ma)
	}
	if v := viewOf(t, g); !strings.Contains(v, "certificate(s), mTLS verify  ") {
		t.Errorf("view does not show mutual TLS:\n%s", v)
	}
	if plain := specOf[ListenerSpec](t, group(t, build(t, nil, nil, svc, ingress("a", inGroup+https)), "g"), TypeListener, "443"); plain.MutualAuthentication != nil {
		t.Errorf("an HTTPS listener without mutual-authentication got %+v", plain.MutualAuthentication)
	}
	pass := `[{"port":443,"mode":"passthrough"}]`
	if g := group(t, build(t, nil, nil, svc, ingress("a", ann(verify)), ingress("b", ann(pass))), "g"); !strings.Contains(g.Error, "conflicting mutual-authentication on port 443") {
		t.Errorf("verify and passthrough on one listener: error %q", g.Error)
	}
	for v, want := range map[string]string{
		`[]`:                             "empty mutualAuthentication configuration",
		`[{"port":443,"mode":"verify"}]`: "trustStore is required when mutualAuthentication mode is verify for port 443",
		`[{"port":443,"mode":"strict"}]`: "mutualAuthentication mode value must be among [off, passthrough, verify] for port 443",
		`[{"port":443,"mode":"off","trustStore":"ts"}]`: "Mutual Authentication mode off does not support trustStore for port 443",
	} {
		if g := group(t, build(t, nil, nil, svc, ingress("a", ann(v))), "g"); !strings.Contains(g.Error, want) {
			t.Errorf("%s: error %q, want %q", v, g.Error, want)
		}
	}
	named := build(t, nil, nil, svc, ingress("a", ann(`[{"port":443,"mode":"verify","trustStore":"ts"}]`)))
	if len(named.Warnings) != 1 || !strings.Contains(named.Warnings[0], `trust store "ts" for port 443 by name`) {
		t.Errorf("a trust store named by name: warnings %q", named.Warnings)
	}
}

func TestListenerAttributesMergeWithParamsWinning(t *testing.T) {
	ann := func(v string) string {
		return inGroup + "    alb.ingress.kubernetes.io/listener-attributes.HTTP-80: " + v
	}
	g := group(t, build(t, nil, nil, svc, ingress("a", ann("routing.http.response.server.enabled=false")), ingress("b", "")), "g")
	if ls := specOf[ListenerSpec](t, g, TypeListener, "80"); len(ls.ListenerAttributes) != 1 || ls.ListenerAttributes[0] != (KeyValue{Key: "routing.http.response.server.enabled", Value: "false"}) {
		t.Errorf("listener attributes %+v", ls.ListenerAttributes)
	}
	a, b := ann("routing.http.response.server.enabled=false"), ann("routing.http.response.server.enabled=true")
	if g := group(t, build(t, nil, nil, svc, ingress("a", a), ingress("b", b)), "g"); !strings.Contains(g.Error, "conflicting listener-attributes.HTTP-80 routing.http.response.server.enabled on port 80: false | true") {
		t.Errorf("two values of one attribute: error %q", g.Error)
	}
	p := paramsClass("{group: {name: g}, listeners: [{protocol: HTTP, port: 80, listenerAttributes: [{key: routing.http.response.server.enabled, value: 'true'}]}]}")
	g = group(t, build(t, nil, nil, p, svc, classed("a", a), classed("b", b)), "g")
	if g.Error != "" {
		t.Fatalf("group error %q: IngressClassParams settle the attribute", g.Error)
	}
	if ls := specOf[ListenerSpec](t, g, TypeListener, "80"); len(ls.ListenerAttributes) != 1 || ls.ListenerAttributes[0].Value != "true" {
		t.Errorf("listener attributes %+v, want IngressClassParams' true", ls.ListenerAttributes)
	}
}

func TestWAFAndShieldAddOns(t *testing.T) {
	ann := inGroup + "    alb.ingress.kubernetes.io/wafv2-acl-arn: arn:aws:wafv2:acl\n    alb.ingress.kubernetes.io/waf-acl-id: none\n    alb.ingress.kubernetes.io/shield-advanced-protection: 'false'"
	g := group(t, build(t, nil, nil, svc, ingress("a", ann), ingress("b", inGroup)), "g")
	lbARN := "#/resources/AWS::ElasticLoadBalancingV2::LoadBalancer/LoadBalancer/status/loadBalancerARN"
	if w := specOf[WAFv2AssociationSpec](t, g, TypeWAFv2Association, "LoadBalancer"); w.WebACLARN != "arn:aws:wafv2:acl" || w.ResourceARN.Ref != lbARN {
		t.Errorf("WAFv2 association %+v", w)
	}
	if v := viewOf(t, g); !strings.Contains(v, "WAFv2 arn:aws:wafv2:acl, WAF Classic removed, Shield Advanced off") {
		t.Errorf("view does not show the add-ons:\n%s", v)
	}
	if w := specOf[WAFRegionalAssociationSpec](t, g, TypeWAFRegionalAssoc, "LoadBalancer"); w.WebACLID != "" {
		t.Errorf("waf-acl-id none removes the association, got %+v", w)
	}
	if s := specOf[ShieldProtectionSpec](t, g, TypeShieldProtection, "LoadBalancer"); s.Enabled {
		t.Errorf("shield %+v, want disabled", s)
	}
	none := group(t, build(t, nil, nil, svc, ingress("a", "    alb.ingress.kubernetes.io/wafv2-acl-arn: none")), "shop/a")
	if w := specOf[WAFv2AssociationSpec](t, none, TypeWAFv2Association, "LoadBalancer"); w.WebACLARN != "" {
		t.Errorf("wafv2-acl-arn none removes the association, got %+v", w)
	}
	if plain := group(t, build(t, nil, nil, svc, ingress("a", "")), "shop/a"); plain.Stack.Resources[TypeWAFv2Association] != nil || plain.Stack.Resources[TypeShieldProtection] != nil {
		t.Errorf("add-ons without annotations: %v", plain.Stack.Resources)
	}
	// IngressClassParams' wafv2AclArn counts besides the annotation: they must agree.
	p := paramsClass("{group: {name: g}, wafv2AclArn: arn:aws:wafv2:other}")
	if g := group(t, build(t, nil, nil, p, svc, classed("a", inGroup+"    alb.ingress.kubernetes.io/wafv2-acl-arn: arn:aws:wafv2:acl")), "g"); !strings.Contains(g.Error, "conflicting WAFv2 WebACL ARNs") {
		t.Errorf("annotation and IngressClassParams disagree: error %q", g.Error)
	}
}

func TestFrontendNLBSettingsMustAgree(t *testing.T) {
	on := inGroup + "    alb.ingress.kubernetes.io/enable-frontend-nlb: 'true'\n"
	if g := group(t, build(t, nil, nil, svc, ingress("a", on), ingress("b", inGroup+"    alb.ingress.kubernetes.io/enable-frontend-nlb: 'false'")), "g"); !strings.Contains(g.Error, "conflicting enable-frontend-nlb") {
		t.Errorf("one member on, one off: error %q", g.Error)
	}
	sch := func(s string) string { return on + "    alb.ingress.kubernetes.io/frontend-nlb-scheme: " + s }
	if g := group(t, build(t, nil, nil, svc, ingress("a", sch("internal")), ingress("b", sch("internet-facing"))), "g"); !strings.Contains(g.Error, "conflicting frontend-nlb-scheme") {
		t.Errorf("two frontend NLB schemes: error %q", g.Error)
	}
	subnets := func(s string) string { return on + "    alb.ingress.kubernetes.io/frontend-nlb-subnets: " + s }
	if g := group(t, build(t, nil, nil, svc, ingress("a", subnets("subnet-a,subnet-b")), ingress("b", subnets("subnet-b, subnet-a"))), "g"); g.Error != "" {
		t.Errorf("the same subnets in another order: error %q", g.Error)
	}
	tags := func(s string) string { return on + "    alb.ingress.kubernetes.io/frontend-nlb-tags: " + s }
	if g := group(t, build(t, nil, nil, svc, ingress("a", tags("team=a,env=prod")), ingress("b", tags("team=b,env=prod"))), "g"); !strings.Contains(g.Error, "conflicting frontend-nlb-tags team: a | b") {
		t.Errorf("two values of one frontend NLB tag: error %q", g.Error)
	}
	off := inGroup + "    alb.ingress.kubernetes.io/frontend-nlb-scheme: "
	if g := group(t, build(t, nil, nil, svc, ingress("a", off+"internal"), ingress("b", off+"internet-facing")), "g"); g.Error != "" {
		t.Errorf("frontend NLB settings without a frontend NLB failed the group: %q", g.Error)
	}
}

func TestAutoModeIngressesAreNamedNotRendered(t *testing.T) {
	auto := `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: auto}
spec: {controller: eks.amazonaws.com/alb}
`
	ing := strings.Replace(classed("a", inGroup), "ingressClassName: alb", "ingressClassName: auto", 1)
	m := build(t, nil, nil, auto, svc, ing)
	if len(m.Groups) != 0 || len(m.IngressErrors) != 0 {
		t.Errorf("an Auto Mode Ingress was rendered: %+v %+v", m.Groups, m.IngressErrors)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "shop/a belongs to EKS Auto Mode") || !strings.Contains(m.Warnings[0], "its own ALB group shop/a") ||
		!strings.Contains(m.Warnings[0], "ignores its alb.ingress.kubernetes.io/group.name") {
		t.Errorf("warnings %q", m.Warnings)
	}
}

func TestListenerAndRuleTags(t *testing.T) {
	g := group(t, build(t, []string{"--default-tags=team=web"}, nil, svc,
		ingress("a", inGroup+"    alb.ingress.kubernetes.io/tags: app=a"), ingress("b", inGroup+"    alb.ingress.kubernetes.io/tags: tier=front")), "g")
	ls := specOf[ListenerSpec](t, g, TypeListener, "80")
	if len(ls.Tags) != 3 || ls.Tags["team"] != "web" || ls.Tags["app"] != "a" || ls.Tags["tier"] != "front" {
		t.Errorf("listener tags %v, want --default-tags and every member's", ls.Tags)
	}
	for id, raw := range g.Stack.Resources[TypeListenerRule] {
		var r ListenerRuleSpec
		decode(raw, &r)
		if len(r.Tags) != 2 || r.Tags["team"] != "web" || (r.Tags["app"] == "") == (r.Tags["tier"] == "") {
			t.Errorf("rule %s tags %v, want --default-tags and its own member's only", id, r.Tags)
		}
	}
}

// viewOf is what a person sees of group g.
func viewOf(t *testing.T, g Group) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteView(&b, &Model{Groups: []Group{g}}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
