package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

const svc = `
apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web, uid: 11111111-2222-3333-4444-555555555555}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}]
`

const albClass = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb}
`

func ingress(name, annotations string) string {
	return `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: shop
  name: ` + name + `
  annotations:
    kubernetes.io/ingress.class: alb
` + annotations + `
spec:
  rules:
  - host: ` + name + `.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
`
}

// build renders manifests as the controller with args would.
func build(t *testing.T, args []string, st *awsapi.State, docs ...string) *Model {
	t.Helper()
	objs, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: strings.NewReader(strings.Join(docs, "\n---\n"))})
	if err != nil {
		t.Fatal(err)
	}
	d, err := lbc.ApplyControllerArgs(lbc.DefaultDefaults(), args)
	if err != nil {
		t.Fatal(err)
	}
	if d.ClusterName == "" {
		d.ClusterName = "prod"
	}
	return Render(topology.Build(objs, st, topology.Options{Defaults: d}), Options{DefaultTags: d.DefaultTags})
}

func group(t *testing.T, m *Model, id string) Group {
	t.Helper()
	for _, g := range m.Groups {
		if g.ID == id {
			return g
		}
	}
	t.Fatalf("no group %s in %+v", id, m.Groups)
	return Group{}
}

func specOf[T any](t *testing.T, g Group, typ, id string) T {
	t.Helper()
	var v T
	raw, ok := g.Stack.Resources[typ][id]
	if !ok {
		t.Fatalf("group %s has no %s %s", g.ID, typ, id)
	}
	decode(raw, &v)
	return v
}

func TestControllerFlagsChangeNamesAndScheme(t *testing.T) {
	plain := group(t, build(t, nil, nil, svc, ingress("a", "")), "shop/a")
	flagged := group(t, build(t, []string{"--default-load-balancer-scheme=internet-facing", "--default-target-type", "ip"}, nil, svc, ingress("a", "")), "shop/a")
	lb1 := specOf[LoadBalancerSpec](t, plain, TypeLoadBalancer, "LoadBalancer")
	lb2 := specOf[LoadBalancerSpec](t, flagged, TypeLoadBalancer, "LoadBalancer")
	if lb1.Scheme != "internal" || lb2.Scheme != "internet-facing" {
		t.Errorf("schemes %q and %q, want internal then internet-facing", lb1.Scheme, lb2.Scheme)
	}
	if lb1.Name == lb2.Name {
		t.Errorf("the scheme is part of the ALB name's hash, both are %s", lb1.Name)
	}
	tg1 := specOf[TargetGroupSpec](t, plain, TypeTargetGroup, "shop/a-web:http")
	tg2 := specOf[TargetGroupSpec](t, flagged, TypeTargetGroup, "shop/a-web:http")
	if tg1.TargetType != "instance" || tg1.Port != 30080 || tg2.TargetType != "ip" || tg2.Port != 8080 {
		t.Errorf("target groups %s:%d and %s:%d, want instance:30080 then ip:8080", tg1.TargetType, tg1.Port, tg2.TargetType, tg2.Port)
	}
	if tg1.Name == tg2.Name {
		t.Errorf("target type and port are part of the target group name's hash, both are %s", tg1.Name)
	}
}

func TestControllerArgsRejected(t *testing.T) {
	for _, args := range [][]string{{"--default-target-type=nodeport"}, {"--default-load-balancer-scheme", "public"}, {"--feature-gates=A"}, {"--cluster-name"}} {
		if _, err := lbc.ApplyControllerArgs(lbc.DefaultDefaults(), args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	d, err := lbc.ApplyControllerArgs(lbc.DefaultDefaults(), []string{"--aws-max-retries=3", "--ingress-class", "public", "--enable-backend-security-group=false", "--default-tags=team=a,env=prod"})
	if err != nil {
		t.Fatal(err)
	}
	if d.IngressClass != "public" || d.BackendSecurityGroup || d.DefaultTags["env"] != "prod" {
		t.Errorf("settings %+v", d)
	}
}

func TestSecurityGroupRulesByPortAndFamily(t *testing.T) {
	ports := `    alb.ingress.kubernetes.io/listen-ports: '[{"HTTPS": 443}, {"HTTP": 80}]'
    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-west-2:1:certificate/x`
	for _, tc := range []struct {
		name, ann string
		want      []string
	}{
		{"ipv4 ALB: no IPv6 rule", ports, []string{"80 0.0.0.0/0", "443 0.0.0.0/0"}},
		{"dualstack ALB: both families", ports + "\n    alb.ingress.kubernetes.io/ip-address-type: dualstack", []string{"80 0.0.0.0/0", "80 ::/0", "443 0.0.0.0/0", "443 ::/0"}},
		{"explicit IPv6 CIDR on an ipv4 ALB is dropped", ports + "\n    alb.ingress.kubernetes.io/inbound-cidrs: 10.0.0.0/8,2001:db8::/32", []string{"80 10.0.0.0/8", "443 10.0.0.0/8"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sg := specOf[SecurityGroupSpec](t, group(t, build(t, nil, nil, svc, ingress("a", tc.ann)), "shop/a"), TypeSecurityGroup, "ManagedLBSecurityGroup")
			var got []string
			for _, p := range sg.Ingress {
				for _, r := range p.IPRanges {
					got = append(got, strings.Join([]string{itoa(p.FromPort), r.CIDRIP}, " "))
				}
				for _, r := range p.IPv6Ranges {
					got = append(got, strings.Join([]string{itoa(p.FromPort), r.CIDRIPv6}, " "))
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("inbound rules %v, want %v", got, tc.want)
			}
		})
	}
}

func itoa(n int32) string { b, _ := json.Marshal(n); return string(b) }

func TestAuthAndTransformsOnHTTPSRules(t *testing.T) {
	ann := `    alb.ingress.kubernetes.io/listen-ports: '[{"HTTP": 80}, {"HTTPS": 443}]'
    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-west-2:1:certificate/x
    alb.ingress.kubernetes.io/auth-type: cognito
    alb.ingress.kubernetes.io/auth-idp-cognito: '{"userPoolARN": "arn:pool", "userPoolClientID": "c", "userPoolDomain": "d"}'
    alb.ingress.kubernetes.io/auth-session-timeout: '3600'
    alb.ingress.kubernetes.io/transforms.web: '[{"type": "url-rewrite", "urlRewriteConfig": {"rewrites": [{"regex": "^/a/(.*)$", "replace": "/$1"}]}}]'`
	g := group(t, build(t, nil, nil, svc, ingress("a", ann)), "shop/a")
	https := specOf[ListenerRuleSpec](t, g, TypeListenerRule, "443:1")
	if len(https.Actions) != 2 || https.Actions[0].Type != "authenticate-cognito" || https.Actions[1].Type != "forward" {
		t.Fatalf("HTTPS rule actions %+v, want authenticate-cognito then forward", https.Actions)
	}
	if c := https.Actions[0].AuthenticateCognito; c.UserPoolARN != "arn:pool" || c.SessionTimeout != 3600 || c.Scope != "openid" || c.OnUnauthenticatedRequest != "authenticate" {
		t.Errorf("cognito config %+v", c)
	}
	http := specOf[ListenerRuleSpec](t, g, TypeListenerRule, "80:1")
	if len(http.Actions) != 1 || http.Actions[0].Type != "forward" {
		t.Errorf("HTTP rule actions %+v, want a forward alone (no authentication on HTTP)", http.Actions)
	}
	if len(https.Transforms) != 1 || !strings.Contains(string(https.Transforms[0]), `"url-rewrite"`) {
		t.Errorf("transforms %s", https.Transforms)
	}
}

func TestMissingServiceIsA503AndIPv6NeedsDualstack(t *testing.T) {
	orphan := strings.Replace(ingress("a", ""), "name: web, port", "name: gone, port", 1)
	g := group(t, build(t, nil, nil, svc, orphan), "shop/a")
	r := specOf[ListenerRuleSpec](t, g, TypeListenerRule, "80:1")
	if fr := r.Actions[0].FixedResponseConfig; fr == nil || fr.StatusCode != "503" || fr.MessageBody != "Backend service does not exist" {
		t.Errorf("rule to a missing Service: %+v, want the 503 fixed response", r.Actions)
	}
	if len(g.Stack.Resources[TypeTargetGroup]) != 0 {
		t.Errorf("a target group for a missing Service: %v", g.Stack.Resources[TypeTargetGroup])
	}

	v6 := strings.Replace(svc, "spec:\n", "spec:\n  ipFamilies: [IPv6]\n", 1)
	g = group(t, build(t, nil, nil, v6, ingress("a", "")), "shop/a")
	if !strings.Contains(g.Error, "lb not dual-stack") {
		t.Errorf("IPv6 Service behind an ipv4 ALB: error %q, want the group to fail", g.Error)
	}
	g = group(t, build(t, nil, nil, v6, ingress("a", "    alb.ingress.kubernetes.io/ip-address-type: dualstack")), "shop/a")
	if tg := specOf[TargetGroupSpec](t, g, TypeTargetGroup, "shop/a-web:http"); tg.IPAddressType != "ipv6" {
		t.Errorf("IPv6 Service behind a dualstack ALB: target group %s, want ipv6", tg.IPAddressType)
	}
}

func TestGroupLoadAndClassRejections(t *testing.T) {
	grouped := func(name, order string) string {
		return ingress(name, "    alb.ingress.kubernetes.io/group.name: shared\n    alb.ingress.kubernetes.io/group.order: '"+order+"'")
	}
	g := group(t, build(t, nil, nil, svc, grouped("a", "1001"), grouped("b", "1")), "shared")
	if g.Members != nil || !strings.HasPrefix(g.Error, "group load:") {
		t.Errorf("group.order out of range: members %v, error %q; want the group not to load", g.Members, g.Error)
	}

	params := paramsClass("{group: {name: team}, namespaceSelector: {matchLabels: {team: a}}, loadBalancerName: from-params, sslRedirectPort: '443'}") + `
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: b}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other, labels: {team: a}}
`
	classed := func(ns string) string {
		s := strings.Replace(ingress("a", `    alb.ingress.kubernetes.io/load-balancer-name: from-annotation
    alb.ingress.kubernetes.io/listen-ports: '[{"HTTP": 80}, {"HTTPS": 443}]'
    alb.ingress.kubernetes.io/certificate-arn: arn:aws:acm:us-west-2:1:certificate/x`), "    kubernetes.io/ingress.class: alb\n", "", 1)
		s = strings.Replace(s, "namespace: shop", "namespace: "+ns, 1)
		return strings.Replace(s, "spec:\n", "spec:\n  ingressClassName: alb\n", 1)
	}
	otherSvc := strings.Replace(svc, "namespace: shop", "namespace: other", 1)
	m := build(t, nil, nil, params, svc, otherSvc, classed("shop"), classed("other"))
	if len(m.IngressErrors) != 1 || m.IngressErrors[0].Ingress != "shop/a" || !strings.Contains(m.IngressErrors[0].Error, "namespaceSelector") {
		t.Errorf("rejected %+v, want shop/a for the namespaceSelector", m.IngressErrors)
	}
	g = group(t, m, "team")
	if strings.Join(g.Members, ",") != "other/a" {
		t.Errorf("members %v, want other/a only", g.Members)
	}
	if lb := specOf[LoadBalancerSpec](t, g, TypeLoadBalancer, "LoadBalancer"); lb.Name != "from-params" {
		t.Errorf("ALB name %q, want IngressClassParams' loadBalancerName", lb.Name)
	}
	l := specOf[ListenerSpec](t, g, TypeListener, "80")
	if l.DefaultActions[0].RedirectConfig == nil || l.DefaultActions[0].RedirectConfig.Port != "443" {
		t.Errorf("port 80 default %+v, want IngressClassParams' sslRedirectPort", l.DefaultActions)
	}
	if _, ok := g.Stack.Resources[TypeListenerRule]["80:1"]; ok {
		t.Error("rules on a listener that only redirects")
	}
}

func TestDefaultClassAndTargetControlPort(t *testing.T) {
	def := strings.Replace(albClass, "metadata: {name: alb}", "metadata: {name: alb, annotations: {ingressclass.kubernetes.io/is-default-class: 'true'}}", 1)
	classless := strings.Replace(ingress("a", "    alb.ingress.kubernetes.io/target-type: ip\n    alb.ingress.kubernetes.io/target-control-port.web.http: '3000'"), "    kubernetes.io/ingress.class: alb\n", "", 1)
	with := group(t, build(t, nil, nil, def, svc, classless), "shop/a")
	tg := specOf[TargetGroupSpec](t, with, TypeTargetGroup, "shop/a-web:http")
	if tg.TargetControlPort != 3000 {
		t.Errorf("targetControlPort %d, want 3000", tg.TargetControlPort)
	}
	without := group(t, build(t, nil, nil, def, svc, strings.Replace(classless, "    alb.ingress.kubernetes.io/target-control-port.web.http: '3000'\n", "", 1)), "shop/a")
	if other := specOf[TargetGroupSpec](t, without, TypeTargetGroup, "shop/a-web:http"); other.Name == tg.Name {
		t.Errorf("the control port is part of the target group name's hash; both are %s", tg.Name)
	}
	if m := build(t, nil, nil, albClass, svc, classless); len(m.Groups) != 0 {
		t.Errorf("a class-less Ingress without a default IngressClass was rendered: %+v", m.Groups)
	}
}

func TestAttributeConflictResolvedByParams(t *testing.T) {
	params := paramsClass("{group: {name: g}, loadBalancerAttributes: [{key: idle_timeout.timeout_seconds, value: '120'}]}")
	member := func(name, timeout string) string {
		return classed(name, "    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds="+timeout)
	}
	g := group(t, build(t, nil, nil, params, svc, member("a", "60"), member("b", "30")), "g")
	if g.Error != "" {
		t.Fatalf("group error %q: IngressClassParams settle the attribute", g.Error)
	}
	lb := specOf[LoadBalancerSpec](t, g, TypeLoadBalancer, "LoadBalancer")
	if len(lb.LoadBalancerAttributes) != 1 || lb.LoadBalancerAttributes[0].Value != "120" {
		t.Errorf("attributes %+v, want IngressClassParams' 120", lb.LoadBalancerAttributes)
	}
}

func TestRenderIsByteStable(t *testing.T) {
	docs := []string{svc, ingress("a", "    alb.ingress.kubernetes.io/group.name: g\n    alb.ingress.kubernetes.io/tags: a=1,b=2,c=3"), ingress("b", "    alb.ingress.kubernetes.io/group.name: g")}
	first, _ := json.Marshal(build(t, nil, nil, docs...))
	for i := 0; i < 20; i++ {
		again, _ := json.Marshal(build(t, nil, nil, docs...))
		if !bytes.Equal(first, again) {
			t.Fatalf("run %d differs:\n%s\n%s", i, first, again)
		}
	}
	var buf bytes.Buffer
	if err := WriteView(&buf, build(t, nil, nil, docs...)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GROUP g", "LISTENER HTTP:80", "TARGET GROUPS", "host a.example.com"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("view lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestViewEscapesControlCharacters(t *testing.T) {
	m := &Model{IngressErrors: []IngressError{{Ingress: "a/b", Error: "bad \x1b]0;title\x07 value"}}}
	var buf bytes.Buffer
	if err := WriteView(&buf, m); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07") {
		t.Errorf("control characters reached the terminal: %q", buf.String())
	}
}

func TestDiffKinds(t *testing.T) {
	limits := lbc.DefaultLimits()
	limits.RulesPerALB = 1
	before := build(t, nil, nil, svc, ingress("a", ""), ingress("b", ""))
	twoRules := strings.Replace(ingress("a", ""), "      - {path: /,", "      - {path: /x, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}\n      - {path: /,", 1)
	after := build(t, nil, nil, svc, twoRules, strings.Replace(ingress("c", ""), "kubernetes.io/ingress.class: alb", "kubernetes.io/ingress.class: nginx", 1))
	rep := Diff(before, after, limits, map[ChangeKind]bool{ALBDeleted: true})
	kinds := map[ChangeKind]Change{}
	for _, c := range rep.Changes {
		kinds[c.Kind] = c
	}
	if c, ok := kinds[ALBDeleted]; !ok || c.Group != "shop/b" || c.Blocking {
		t.Errorf("shop/b's ALB goes, allowed: %+v", c)
	}
	if c, ok := kinds[QuotaExceeded]; !ok || !c.Blocking || c.Group != "shop/a" {
		t.Errorf("two rules over a quota of one: %+v", c)
	}
	if c, ok := kinds[RuleAdded]; !ok || c.Blocking {
		t.Errorf("rule added: %+v", c)
	}
	if rep.Blocking() != 1 {
		t.Errorf("blocking %d, want 1 (the quota): %+v", rep.Blocking(), rep.Changes)
	}
	if same := Diff(before, before, lbc.DefaultLimits(), nil); len(same.Changes) != 0 {
		t.Errorf("a model against itself: %+v", same.Changes)
	}
}

func TestUnmodelledInputsAreNamed(t *testing.T) {
	m := build(t, nil, nil, svc, ingress("a", "    alb.ingress.kubernetes.io/enable-frontend-nlb: 'true'\n    alb.ingress.kubernetes.io/create-acm-cert: 'true'\n    alb.ingress.kubernetes.io/wafv2-acl-name: shop-acl"))
	want := []string{"create-acm-cert", "enable-frontend-nlb", `"shop-acl"`}
	if len(m.Warnings) != len(want) {
		t.Fatalf("warnings %q, want one each for %v", m.Warnings, want)
	}
	for i, w := range want {
		if !strings.Contains(m.Warnings[i], w) || !strings.Contains(m.Warnings[i], "shop/a") {
			t.Errorf("warning %d %q does not name %s on shop/a", i, m.Warnings[i], w)
		}
	}
	// frontend-nlb-* settings without enable-frontend-nlb change nothing.
	if m := build(t, nil, nil, svc, ingress("a", "    alb.ingress.kubernetes.io/frontend-nlb-scheme: internal")); len(m.Warnings) != 0 {
		t.Errorf("an ignored frontend NLB setting warned: %q", m.Warnings)
	}
	if m := build(t, nil, nil, svc, ingress("a", "")); len(m.Warnings) != 0 {
		t.Errorf("a modelled Ingress warned: %q", m.Warnings)
	}
}
