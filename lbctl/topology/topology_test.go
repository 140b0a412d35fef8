package topology

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

// The fixture: namespace shop with
//   - Ingress web: its own (implicit) group shop/web, instance targets on
//     Service web;
//   - Ingresses api (ip targets on Service api) and admin (instance targets
//     on Service web) in the explicit group "platform";
//
// and Ingress other/nginx of another controller. AWS holds this cluster's
// ALBs and target groups, a staging cluster's with the same stack tags, an
// untagged ALB and an orphan.

const (
	arnTGWeb        = "arn:tg/web"
	arnTGWebStaging = "arn:tg/web-staging"
	arnTGAPI        = "arn:tg/api"
	arnTGAdmin      = "arn:tg/admin"
)

func ingress(ns, name, class string, ann map[string]string, svc string, port intstr.IntOrString) networkingv1.Ingress {
	be := networkingv1.IngressServiceBackend{Name: svc}
	if port.Type == intstr.String {
		be.Port.Name = port.StrVal
	} else {
		be.Port.Number = port.IntVal
	}
	pt := networkingv1.PathTypePrefix
	return networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/" + name, PathType: &pt, Backend: networkingv1.IngressBackend{Service: &be}}}}}}}},
	}
}

func service(name string, targetPort, nodePort int32) corev1.Service {
	return corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(targetPort), NodePort: nodePort}}},
	}
}

func pod(name, app, ip string, ips ...string) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Labels: map[string]string{"app": app}},
		Status: corev1.PodStatus{PodIP: ip}}
	for _, x := range ips {
		p.Status.PodIPs = append(p.Status.PodIPs, corev1.PodIP{IP: x})
	}
	return p
}

func node(name, providerID, ip string) corev1.Node {
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{ProviderID: providerID},
		Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}}}}
}

func binding(name, arn, svc string, port intstr.IntOrString) v1beta1.TargetGroupBinding {
	return v1beta1.TargetGroupBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
		Spec: v1beta1.TargetGroupBindingSpec{TargetGroupARN: arn, ServiceRef: v1beta1.ServiceReference{Name: svc, Port: port}}}
}

func tags(cluster, stack, resource string) map[string]string {
	t := map[string]string{}
	if cluster != "" {
		t[lbc.TagCluster] = cluster
	}
	if stack != "" {
		t[lbc.TagStack] = stack
	}
	if resource != "" {
		t[lbc.TagResource] = resource
	}
	return t
}

func targets(ids ...string) []awsapi.Target {
	var out []awsapi.Target
	for _, id := range ids {
		host, port, _ := strings.Cut(id, ":")
		var p int32
		fmt.Sscan(port, &p)
		out = append(out, awsapi.Target{ID: host, Port: p, State: "healthy"})
	}
	return out
}

func fixtureObjects() *kube.Objects {
	platform := map[string]string{lbc.Key(lbc.SuffixGroupName): "platform"}
	return &kube.Objects{
		IngressClasses: []networkingv1.IngressClass{
			{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerName}},
			{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		},
		Ingresses: []networkingv1.Ingress{
			ingress("other", "nginx", "nginx", nil, "web", intstr.FromInt32(80)),
			ingress("shop", "admin", "alb", platform, "web", intstr.FromInt32(80)),
			ingress("shop", "api", "alb", map[string]string{lbc.Key(lbc.SuffixGroupName): "platform", lbc.Key(lbc.SuffixTargetType): "ip"}, "api", intstr.FromString("http")),
			ingress("shop", "web", "alb", nil, "web", intstr.FromInt32(80)),
		},
		Services: []corev1.Service{service("api", 9090, 30090), service("web", 8080, 30080)},
		Pods: []corev1.Pod{
			pod("api-1", "api", "10.0.2.21"),
			pod("web-1", "web", "10.0.1.11"),
			pod("web-2", "web", "", "10.0.1.12", "fd00::12"), // known by its PodIPs only
		},
		Nodes: []corev1.Node{
			node("node-a", "aws:///us-west-2a/i-0aaa", "192.168.0.10"),
			node("node-b", "aws:///us-west-2b/i-0bbb", "192.168.0.11"),
			node("node-c", "", "192.168.0.12"), // no instance ID
		},
		TargetGroupBindings: []v1beta1.TargetGroupBinding{
			binding("k8s-shop-web-bound", arnTGWeb, "web", intstr.FromInt32(80)),
			// The api binding names the Service port by number, the Ingress by name.
			binding("k8s-shop-api-bound", arnTGAPI, "api", intstr.FromInt32(80)),
		},
	}
}

func fixtureAWS() *awsapi.State {
	return &awsapi.State{
		LoadBalancers: []awsapi.LoadBalancer{
			{ARN: "arn:lb/staging-web", Name: "k8s-shop-web-staging", Tags: tags("staging", "shop/web", "")},
			{ARN: "arn:lb/untagged-platform", Name: "k8s-platform-untagged", Tags: tags("", "platform", "")},
			{ARN: "arn:lb/web", Name: "k8s-shop-web-prod", Tags: tags("prod", "shop/web", "")},
			{ARN: "arn:lb/platform", Name: "k8s-platform-prod", Tags: tags("prod", "platform", "")},
			{ARN: "arn:lb/orphan", Name: "k8s-old-gone", Tags: tags("prod", "old/gone", "")},
		},
		TargetGroups: []awsapi.TargetGroup{
			{ARN: arnTGWeb, Name: "k8s-shop-web-prod", TargetType: "instance", Tags: tags("prod", "shop/web", "shop/web-web:80"),
				Targets: targets("i-0aaa:30080", "i-0bbb:30080", "i-0zzz:30080")},
			// Another cluster's copy of the same stack and resource.
			{ARN: arnTGWebStaging, Name: "k8s-shop-web-staging", TargetType: "instance", Tags: tags("staging", "shop/web", "shop/web-web:80"),
				Targets: targets("i-0sss:30080")},
			{ARN: arnTGAPI, Name: "k8s-shop-api-bound", TargetType: "ip",
				Targets: targets("10.0.2.21:9090", "10.0.1.12:8080", "10.9.9.9:9090")},
			{ARN: arnTGAdmin, Name: "k8s-shop-web-admin", TargetType: "instance", Tags: tags("prod", "platform", "shop/admin-web:80"),
				Targets: targets("i-0aaa:30080")},
			{ARN: "arn:tg/orphan", Name: "k8s-old-gone", TargetType: "ip", Tags: tags("prod", "old/gone", "old/gone-x:80")},
		},
	}
}

func build(cluster string, objs *kube.Objects, st *awsapi.State) *Topology {
	d := lbc.DefaultDefaults()
	d.ClusterName = cluster
	return Build(objs, st, Options{Defaults: d})
}

func ingressByKey(t *testing.T, topo *Topology, key string) *Ingress {
	t.Helper()
	for _, in := range topo.Ingresses {
		if in.Key() == key {
			return in
		}
	}
	t.Fatalf("no Ingress %s", key)
	return nil
}

func TestBuildGroupsImplicitAndExplicit(t *testing.T) {
	topo := build("prod", fixtureObjects(), nil)
	type groupView struct {
		ID       string
		Explicit bool
		Members  []string
		LBPrefix bool
	}
	var got []groupView
	for _, g := range topo.Groups {
		v := groupView{ID: g.ID.String(), Explicit: g.ID.IsExplicit()}
		for _, in := range g.Ingresses {
			v.Members = append(v.Members, in.Key())
			if in.Group != g {
				t.Errorf("%s points at group %v, listed in %s", in.Key(), in.Group, g.ID)
			}
		}
		want := "k8s-" + strings.ReplaceAll(g.ID.String(), "/", "-") + "-"
		v.LBPrefix = strings.HasPrefix(g.LoadBalancerName, want)
		got = append(got, v)
		if g.LoadBalancer != nil {
			t.Errorf("group %s joined an ALB without AWS state", g.ID)
		}
	}
	want := []groupView{
		{ID: "platform", Explicit: true, Members: []string{"shop/admin", "shop/api"}, LBPrefix: true},
		{ID: "shop/web", Explicit: false, Members: []string{"shop/web"}, LBPrefix: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("groups (-want +got):\n%s", diff)
	}
	var alb []string
	for _, in := range topo.ALBIngresses() {
		alb = append(alb, in.Key())
	}
	if diff := cmp.Diff([]string{"shop/admin", "shop/api", "shop/web"}, alb); diff != "" {
		t.Errorf("ALB Ingresses (-want +got):\n%s", diff)
	}
	if nginx := ingressByKey(t, topo, "other/nginx"); nginx.Group != nil || len(nginx.Backends) != 0 {
		t.Errorf("another controller's Ingress joined group %v with %d backends", nginx.Group, len(nginx.Backends))
	}
}

func TestBuildJoinsALBByGroupTags(t *testing.T) {
	lb := func(arn, cluster, stack string) awsapi.LoadBalancer {
		return awsapi.LoadBalancer{ARN: arn, Name: arn, Tags: tags(cluster, stack, "")}
	}
	for _, tc := range []struct {
		name    string
		cluster string
		lbs     []awsapi.LoadBalancer
		noAWS   bool
		// want is the ALB ARN of group shop/web ("" none).
		want string
	}{
		{name: "this cluster's, not another's listed first", cluster: "prod",
			lbs: []awsapi.LoadBalancer{lb("staging", "staging", "shop/web"), lb("prod", "prod", "shop/web")}, want: "prod"},
		{name: "only another cluster's", cluster: "prod", lbs: []awsapi.LoadBalancer{lb("staging", "staging", "shop/web")}},
		{name: "no cluster tag", cluster: "prod", lbs: []awsapi.LoadBalancer{lb("untagged", "", "shop/web")}},
		{name: "another group's stack", cluster: "prod", lbs: []awsapi.LoadBalancer{lb("platform", "prod", "platform"), lb("other-web", "prod", "other/web")}},
		{name: "the explicit group's name is not an implicit group's", cluster: "prod", lbs: []awsapi.LoadBalancer{lb("web", "prod", "web")}},
		{name: "cluster unknown: any cluster's", cluster: "", lbs: []awsapi.LoadBalancer{lb("untagged", "", "shop/web"), lb("staging", "staging", "shop/web")}, want: "staging"},
		{name: "AWS not read", cluster: "prod", noAWS: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &awsapi.State{LoadBalancers: tc.lbs}
			if tc.noAWS {
				st = nil
			}
			topo := build(tc.cluster, fixtureObjects(), st)
			g := ingressByKey(t, topo, "shop/web").Group
			got := ""
			if g.LoadBalancer != nil {
				got = g.LoadBalancer.ARN
			}
			if got != tc.want {
				t.Errorf("ALB of shop/web = %q, want %q", got, tc.want)
			}
		})
	}

	// The full fixture: each group its own cluster's ALB.
	topo := build("prod", fixtureObjects(), fixtureAWS())
	got := map[string]string{}
	for _, g := range topo.Groups {
		if g.LoadBalancer != nil {
			got[g.ID.String()] = g.LoadBalancer.ARN
		}
	}
	if diff := cmp.Diff(map[string]string{"platform": "arn:lb/platform", "shop/web": "arn:lb/web"}, got); diff != "" {
		t.Errorf("ALBs by group (-want +got):\n%s", diff)
	}
}

func TestBuildJoinsTargetGroups(t *testing.T) {
	topo := build("prod", fixtureObjects(), fixtureAWS())
	for _, tc := range []struct {
		ingress, service string
		wantTG           string // "" none
		wantBinding      string // "" none
	}{
		// By the resource tag of this cluster (not staging's same tag).
		{"shop/web", "web", arnTGWeb, "k8s-shop-web-bound"},
		// By the TargetGroupBinding: the target group has no tags; the
		// binding says port 80, the Ingress port "http", the same port.
		{"shop/api", "api", arnTGAPI, "k8s-shop-api-bound"},
		// The same Service port in another group: that group's target group.
		{"shop/admin", "web", arnTGAdmin, ""},
	} {
		t.Run(tc.ingress, func(t *testing.T) {
			in := ingressByKey(t, topo, tc.ingress)
			if len(in.Backends) != 1 {
				t.Fatalf("%d backends, want 1", len(in.Backends))
			}
			b := in.Backends[0]
			if b.Err != nil || b.Service == nil || b.Service.Name != tc.service {
				t.Fatalf("backend %s: service %v, err %v", b.Ref.Service, b.Service, b.Err)
			}
			got, bound := "", ""
			if b.TargetGroup != nil {
				got = b.TargetGroup.ARN
			}
			if b.Binding != nil {
				bound = b.Binding.Name
			}
			if got != tc.wantTG || bound != tc.wantBinding {
				t.Errorf("target group %q binding %q, want %q %q", got, bound, tc.wantTG, tc.wantBinding)
			}
			if !strings.HasPrefix(b.TargetGroupName, "k8s-shop-"+tc.service+"-") {
				t.Errorf("predicted target group name %q", b.TargetGroupName)
			}
		})
	}
}

func TestBuildTargetGroupNotJoined(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*kube.Objects, *awsapi.State)
	}{
		{"another cluster's tags only", func(_ *kube.Objects, st *awsapi.State) {
			st.TargetGroups = []awsapi.TargetGroup{{ARN: arnTGWebStaging, Tags: tags("staging", "shop/web", "shop/web-web:80")}}
		}},
		{"another Ingress's resource tag", func(_ *kube.Objects, st *awsapi.State) {
			st.TargetGroups = []awsapi.TargetGroup{{ARN: arnTGWeb, Tags: tags("prod", "shop/web", "shop/other-web:80")}}
		}},
		{"a binding of another port", func(o *kube.Objects, st *awsapi.State) {
			st.TargetGroups = []awsapi.TargetGroup{{ARN: arnTGWeb}}
			o.TargetGroupBindings = []v1beta1.TargetGroupBinding{binding("b", arnTGWeb, "web", intstr.FromInt32(443))}
		}},
		{"a binding whose target group is not in AWS", func(o *kube.Objects, st *awsapi.State) {
			st.TargetGroups = nil
			o.TargetGroupBindings = []v1beta1.TargetGroupBinding{binding("b", arnTGWeb, "web", intstr.FromInt32(80))}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, st := fixtureObjects(), fixtureAWS()
			objs.TargetGroupBindings = nil
			tc.edit(objs, st)
			b := ingressByKey(t, build("prod", objs, st), "shop/web").Backends[0]
			if b.TargetGroup != nil || b.Binding != nil || b.Targets != nil {
				t.Errorf("joined target group %+v, binding %v, %d targets", b.TargetGroup, b.Binding, len(b.Targets))
			}
		})
	}
}

func targetView(ts []Target) []string {
	var out []string
	for _, t := range ts {
		s := fmt.Sprintf("%s:%d", t.ID, t.Port)
		switch {
		case t.Pod != nil:
			s += " pod " + t.Pod.Namespace + "/" + t.Pod.Name
		case t.Node != nil:
			s += " node " + t.Node.Name
		default:
			s += " -"
		}
		out = append(out, s)
	}
	return out
}

func TestBuildJoinsTargets(t *testing.T) {
	topo := build("prod", fixtureObjects(), fixtureAWS())
	for _, tc := range []struct {
		ingress string
		want    []string
	}{
		// ip targets: pods by IP (PodIP or any of PodIPs); an IP no pod has
		// stays unjoined.
		{"shop/api", []string{"10.0.2.21:9090 pod shop/api-1", "10.0.1.12:8080 pod shop/web-2", "10.9.9.9:9090 -"}},
		// instance targets on the NodePort: nodes by the instance ID of
		// their providerID; an instance no node has stays unjoined.
		{"shop/web", []string{"i-0aaa:30080 node node-a", "i-0bbb:30080 node node-b", "i-0zzz:30080 -"}},
		{"shop/admin", []string{"i-0aaa:30080 node node-a"}},
	} {
		t.Run(tc.ingress, func(t *testing.T) {
			b := ingressByKey(t, topo, tc.ingress).Backends[0]
			if diff := cmp.Diff(tc.want, targetView(b.Targets)); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
		})
	}
	if p := topo.PodByIP("fd00::12"); p == nil || p.Name != "web-2" {
		t.Errorf("PodByIP(fd00::12) = %v", p)
	}
}

func TestBuildPodsOfBackends(t *testing.T) {
	names := func(b *Backend) []string {
		var out []string
		for _, p := range b.Pods {
			out = append(out, p.Name)
		}
		return out
	}
	t.Run("by selector", func(t *testing.T) {
		topo := build("prod", fixtureObjects(), nil)
		if diff := cmp.Diff([]string{"web-1", "web-2"}, names(ingressByKey(t, topo, "shop/web").Backends[0])); diff != "" {
			t.Errorf("pods (-want +got):\n%s", diff)
		}
	})
	t.Run("EndpointSlices win over the selector", func(t *testing.T) {
		objs := fixtureObjects()
		objs.EndpointSlices = []discoveryv1.EndpointSlice{{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-abcde", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
			Endpoints: []discoveryv1.Endpoint{
				{Addresses: []string{"10.0.1.12"}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "web-2"}},
				{Addresses: []string{"10.0.1.99"}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "gone"}},
				{Addresses: []string{"10.0.1.98"}},
			},
		}}
		topo := build("prod", objs, nil)
		if diff := cmp.Diff([]string{"web-2"}, names(ingressByKey(t, topo, "shop/web").Backends[0])); diff != "" {
			t.Errorf("pods (-want +got):\n%s", diff)
		}
	})
	t.Run("a missing Service", func(t *testing.T) {
		objs := fixtureObjects()
		objs.Services = objs.Services[:1] // api only
		b := ingressByKey(t, build("prod", objs, fixtureAWS()), "shop/web").Backends[0]
		if b.Err == nil || !strings.Contains(b.Err.Error(), "service shop/web not found") || b.Pods != nil {
			t.Errorf("backend err %v, %d pods", b.Err, len(b.Pods))
		}
	})
}

// TestBuildOrphans: an ALB or target group tagged for the cluster whose
// stack no group read owns is an orphan only when the read covers the whole
// cluster; after any partial read it is unjudged, since it may serve an
// Ingress outside the scope.
func TestBuildOrphans(t *testing.T) {
	created := time.Date(2023, 4, 5, 6, 7, 0, 0, time.UTC)
	unowned := []Orphan{
		{Kind: "LoadBalancer", Name: "k8s-old-gone", ARN: "arn:lb/orphan", Stack: "old/gone", Created: &created},
		{Kind: "TargetGroup", Name: "k8s-old-gone", ARN: "arn:tg/orphan", Stack: "old/gone"},
	}
	for _, tc := range []struct {
		name     string
		scope    Scope
		orphans  []Orphan
		unjudged []Orphan
	}{
		{"whole cluster", Scope{AllNamespaces: true}, unowned, nil},
		{"one namespace", Scope{Namespace: "shop"}, nil, unowned},
		{"all namespaces with a selector", Scope{AllNamespaces: true, Selector: "app=cart"}, nil, unowned},
		{"manifests", Scope{Files: true}, nil, unowned},
		{"scope not given", Scope{}, nil, unowned},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := fixtureAWS()
			for i := range st.LoadBalancers {
				if st.LoadBalancers[i].ARN == "arn:lb/orphan" {
					st.LoadBalancers[i].Created = &created
				}
			}
			d := lbc.DefaultDefaults()
			d.ClusterName = "prod"
			topo := Build(fixtureObjects(), st, Options{Defaults: d, Scope: tc.scope})
			if topo.Scope != tc.scope {
				t.Errorf("scope %+v, want %+v", topo.Scope, tc.scope)
			}
			if diff := cmp.Diff(tc.orphans, topo.Orphans); diff != "" {
				t.Errorf("orphans (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.unjudged, topo.Unjudged); diff != "" {
				t.Errorf("unjudged (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScopeString(t *testing.T) {
	for _, tc := range []struct {
		s    Scope
		want string
	}{
		{Scope{Files: true}, "manifests"},
		{Scope{AllNamespaces: true}, "all namespaces"},
		{Scope{Namespace: "team-a"}, "namespace team-a"},
		{Scope{AllNamespaces: true, Selector: "app=cart"}, "all namespaces, Ingresses labelled app=cart"},
	} {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

// TestBuildBindingJoinIsStable: two bindings of the same Service port, none
// named as predicted; every Build must pick the same one.
func TestBuildBindingJoinIsStable(t *testing.T) {
	objs, st := fixtureObjects(), fixtureAWS()
	st.TargetGroups = append(st.TargetGroups,
		awsapi.TargetGroup{ARN: "arn:tg/api-a", TargetType: "ip"},
		awsapi.TargetGroup{ARN: "arn:tg/api-b", TargetType: "ip"})
	objs.TargetGroupBindings = []v1beta1.TargetGroupBinding{
		binding("api-b", "arn:tg/api-b", "api", intstr.FromString("http")),
		binding("api-a", "arn:tg/api-a", "api", intstr.FromString("http")),
	}
	seen := map[string]int{}
	for range 50 {
		b := ingressByKey(t, build("prod", objs, st), "shop/api").Backends[0]
		if b.TargetGroup == nil {
			t.Fatal("no target group joined")
		}
		seen[b.TargetGroup.ARN]++
	}
	if diff := cmp.Diff(map[string]int{"arn:tg/api-a": 50}, seen); diff != "" {
		t.Errorf("target groups joined over 50 builds (-want +got):\n%s", diff)
	}

	// A binding named as the controller names the target group wins.
	b := ingressByKey(t, build("prod", objs, st), "shop/api").Backends[0]
	objs.TargetGroupBindings[0].Name = b.TargetGroupName
	if got := ingressByKey(t, build("prod", objs, st), "shop/api").Backends[0].TargetGroup.ARN; got != "arn:tg/api-b" {
		t.Errorf("joined %s, want the binding named %s (arn:tg/api-b)", got, b.TargetGroupName)
	}
}

func TestInstanceID(t *testing.T) {
	for _, tc := range []struct{ providerID, want string }{
		{"aws:///us-west-2a/i-0123456789abcdef0", "i-0123456789abcdef0"},
		{"i-0abc", "i-0abc"},
		{"aws:///us-west-2a/fargate-ip-10-0-1-1", ""},
		{"kind://docker/kind/kind-control-plane", ""},
		{"", ""},
	} {
		n := node("n", tc.providerID, "")
		if got := InstanceID(&n); got != tc.want {
			t.Errorf("InstanceID(%q) = %q, want %q", tc.providerID, got, tc.want)
		}
	}
}

// An IngressClass whose IngressClassParams were not read: from a cluster
// that read them whole they do not exist and the controller refuses the
// Ingress; from manifests they may live in the cluster, so the Ingress is
// read without them and only flagged.
func TestBuildParamsMissing(t *testing.T) {
	group := lbc.ParamsAPIGroup
	objs := func(fromCluster bool) *kube.Objects {
		return &kube.Objects{
			ClassesFromCluster: fromCluster,
			IngressClasses: []networkingv1.IngressClass{{ObjectMeta: metav1.ObjectMeta{Name: "alb-public"}, Spec: networkingv1.IngressClassSpec{
				Controller: lbc.ControllerName, Parameters: &networkingv1.IngressClassParametersReference{APIGroup: &group, Kind: lbc.ParamsKind, Name: "public"}}}},
			Ingresses: []networkingv1.Ingress{ingress("shop", "web", "alb-public", nil, "web", intstr.FromInt32(80))},
			Services:  []corev1.Service{service("web", 8080, 30080)},
		}
	}
	for _, tc := range []struct {
		name        string
		fromCluster bool
		wantErr     bool
	}{{"from manifests", false, false}, {"from the cluster", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			in := ingressByKey(t, build("prod", objs(tc.fromCluster), nil), "shop/web")
			if !in.ParamsMissing || in.Params != nil || in.Group == nil {
				t.Fatalf("ParamsMissing %v, Params %v, group %v; want missing, none, an ALB Ingress still", in.ParamsMissing, in.Params, in.Group)
			}
			gotErr := false
			for _, err := range in.Errors {
				if strings.Contains(err.Error(), `IngressClassParams "public"`) {
					gotErr = true
				}
			}
			if gotErr != tc.wantErr {
				t.Errorf("errors %v: the controller's refusal recorded %v, want %v", in.Errors, gotErr, tc.wantErr)
			}
		})
	}
}

func TestAutoModeIngressJoinsNoALBGroup(t *testing.T) {
	objs := &kube.Objects{
		IngressClasses: []networkingv1.IngressClass{
			{ObjectMeta: metav1.ObjectMeta{Name: "auto"}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerNameAutoMode}},
			{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerName}},
		},
		Ingresses: []networkingv1.Ingress{
			ingress("shop", "web", "auto", map[string]string{lbc.Key(lbc.SuffixGroupName): "shared"}, "web", intstr.FromInt32(80)),
			ingress("shop", "api", "alb", map[string]string{lbc.Key(lbc.SuffixGroupName): "shared"}, "web", intstr.FromInt32(80)),
		},
		Services: []corev1.Service{service("web", 8080, 30080)},
	}
	topo := build("prod", objs, nil)
	web := ingressByKey(t, topo, "shop/web")
	if !web.Ownership.AutoMode() || web.Group != nil || len(web.Backends) != 0 {
		t.Errorf("Auto Mode's Ingress: ownership %+v, group %v, %d backends; want Auto Mode's and outside every ALB group", web.Ownership, web.Group, len(web.Backends))
	}
	if len(topo.Groups) != 1 || len(topo.Groups[0].Ingresses) != 1 || topo.Groups[0].Ingresses[0].Key() != "shop/api" {
		t.Errorf("group shared should hold shop/api alone: %+v", topo.Groups)
	}
	if c := topo.Class("auto"); c == nil || c.Spec.Controller != lbc.ControllerNameAutoMode {
		t.Errorf("Class(auto) = %v", c)
	}
}
