package plan

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

// gen builds estates in Go: Ingresses in instance mode on NodePort
// Services, each Service backed by a Deployment.
type gen struct {
	objs     *kube.Objects
	nodePort int32
}

func newGen() *gen {
	return &gen{objs: &kube.Objects{IngressClasses: []networkingv1.IngressClass{{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerName}}}}, nodePort: 30000}
}

func (g *gen) namespace(ns string) {
	g.objs.Namespaces = append(g.objs.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
}

// service adds a NodePort Service and its Deployment with replicas pods.
func (g *gen) service(ns, name string, replicas int32) {
	g.nodePort++
	lbls := map[string]string{"app": name}
	g.objs.Services = append(g.objs.Services, corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(fmt.Sprintf("uid-%s-%s", ns, name))},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: lbls,
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: g.nodePort}}}})
	g.objs.Deployments = append(g.objs.Deployments, appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "app", Image: "registry.example.com/" + name + ":1", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}, PeriodSeconds: 10},
			}}}}}})
}

// ingress adds an ALB Ingress with one host and the given paths, each to
// backend (a Service or an action name with use-annotation).
func (g *gen) ingress(ns, name, host string, ann map[string]string, paths map[string]networkingv1.IngressServiceBackend) {
	class := "alb"
	pt := networkingv1.PathTypePrefix
	var hp []networkingv1.HTTPIngressPath
	for _, p := range sortedKeys(paths) {
		b := paths[p]
		hp = append(hp, networkingv1.HTTPIngressPath{Path: p, PathType: &pt, Backend: networkingv1.IngressBackend{Service: &b}})
	}
	g.objs.Ingresses = append(g.objs.Ingresses, networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: ann},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: host,
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: hp}}}}},
	})
}

func svcPort(name string) networkingv1.IngressServiceBackend {
	return networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: 80}}
}

func actionPort(name string) networkingv1.IngressServiceBackend {
	return networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Name: lbc.UseAnnotationPort}}
}

// quotaEstate is one namespace "big" whose Ingresses together exceed one
// per-ALB quota (and only that one).
func quotaEstate(quota string) *kube.Objects {
	g := newGen()
	ns := "big"
	g.namespace(ns)
	switch quota {
	case "rules": // 40 × 3 paths to one Service: 120 rules, 40 target groups
		for i := range 40 {
			app := fmt.Sprintf("app-%02d", i)
			g.service(ns, app, 2)
			g.ingress(ns, app, app+".example.com", nil, map[string]networkingv1.IngressServiceBackend{"/a": svcPort(app), "/b": svcPort(app), "/c": svcPort(app)})
		}
	case "target-groups": // 30 × one rule forwarding to 4 Services: 30 rules, 120 target groups
		for i := range 30 {
			app := fmt.Sprintf("app-%02d", i)
			var tuples []string
			for j := range 4 {
				s := fmt.Sprintf("%s-v%d", app, j)
				g.service(ns, s, 1)
				tuples = append(tuples, fmt.Sprintf(`{"serviceName":%q,"servicePort":80,"weight":25}`, s))
			}
			ann := map[string]string{lbc.ActionKey("split"): `{"type":"forward","forwardConfig":{"targetGroups":[` + join(tuples, ",") + `]}}`}
			g.ingress(ns, app, app+".example.com", ann, map[string]networkingv1.IngressServiceBackend{"/": actionPort("split")})
		}
	case "certificates": // 30 × own certificate: 29 besides the default
		for i := range 30 {
			app := fmt.Sprintf("app-%02d", i)
			g.service(ns, app, 1)
			ann := map[string]string{lbc.Key(lbc.SuffixCertificateARN): fmt.Sprintf("arn:aws:acm:us-west-2:123456789012:certificate/%02d", i)}
			g.ingress(ns, app, app+".example.com", ann, map[string]networkingv1.IngressServiceBackend{"/": svcPort(app)})
		}
	case "targets": // 12 × 150 pods: 1,800 ip targets
		for i := range 12 {
			app := fmt.Sprintf("app-%02d", i)
			g.service(ns, app, 150)
			g.ingress(ns, app, app+".example.com", nil, map[string]networkingv1.IngressServiceBackend{"/": svcPort(app)})
		}
	case "listeners": // 60 × own HTTP port: 60 listeners
		for i := range 60 {
			app := fmt.Sprintf("app-%02d", i)
			g.service(ns, app, 1)
			ann := map[string]string{lbc.Key(lbc.SuffixListenPorts): fmt.Sprintf(`[{"HTTP":%d}]`, 8000+i)}
			g.ingress(ns, app, app+".example.com", ann, map[string]networkingv1.IngressServiceBackend{"/": svcPort(app)})
		}
	case "target-group-targets": // one Service with 1,200 pods: its target group alone is over 1,000, and a small one
		g.service(ns, "huge", 1200)
		g.ingress(ns, "huge", "huge.example.com", nil, map[string]networkingv1.IngressServiceBackend{"/": svcPort("huge")})
		g.service(ns, "small", 1)
		g.ingress(ns, "small", "small.example.com", nil, map[string]networkingv1.IngressServiceBackend{"/": svcPort("small")})
	case "discovered-certificates": // 30 × HTTPS with no certificate-arn: the controller finds one ACM certificate per host (quotaAWS), 29 besides the default; one host no certificate covers
		for i := range 30 {
			app := fmt.Sprintf("app-%02d", i)
			g.service(ns, app, 1)
			ann := map[string]string{lbc.Key(lbc.SuffixListenPorts): `[{"HTTPS":443}]`}
			g.ingress(ns, app, app+".example.com", ann, map[string]networkingv1.IngressServiceBackend{"/": svcPort(app)})
		}
		g.service(ns, "uncovered", 1)
		g.ingress(ns, "uncovered", "uncovered.other.test", map[string]string{lbc.Key(lbc.SuffixListenPorts): `[{"HTTPS":443}]`},
			map[string]networkingv1.IngressServiceBackend{"/": svcPort("uncovered")})
	case "single": // one Ingress alone over the rules quota, and a small one
		paths := map[string]networkingv1.IngressServiceBackend{}
		g.service(ns, "huge", 1)
		for i := range 120 {
			paths[fmt.Sprintf("/p%03d", i)] = svcPort("huge")
		}
		g.ingress(ns, "huge", "huge.example.com", nil, paths)
		g.service(ns, "small", 1)
		g.ingress(ns, "small", "small.example.com", nil, map[string]networkingv1.IngressServiceBackend{"/": svcPort("small")})
	}
	g.objs.Sort()
	return g.objs
}

// quotaAWS is the AWS side of a quota estate: ACM read, with a certificate
// per host for "discovered-certificates"; nil (AWS not read) for the rest.
func quotaAWS(quota string) *awsapi.State {
	if quota != "discovered-certificates" {
		return nil
	}
	st := &awsapi.State{CertificatesRead: true}
	for i := range 30 {
		st.Certificates = append(st.Certificates, awsapi.Certificate{ARN: fmt.Sprintf("arn:aws:acm:us-west-2:123456789012:certificate/d%02d", i),
			Domains: []string{fmt.Sprintf("app-%02d.example.com", i)}})
	}
	return st
}

func join(s []string, sep string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += sep
		}
		out += x
	}
	return out
}
