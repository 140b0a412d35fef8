package scan_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// bigGroup makes one explicit group of n Ingresses, each with paths rules
// to its own NodePort Service, on nodes nodes.
func bigGroup(n, paths, nodes int) *kube.Objects {
	o := &kube.Objects{IngressClasses: []networkingv1.IngressClass{{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerName}}}}
	alb := "alb"
	prefix := networkingv1.PathTypePrefix
	for i := range nodes {
		o.Nodes = append(o.Nodes, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%d", i)}})
	}
	for i := range n {
		name := fmt.Sprintf("app-%03d", i)
		o.Services = append(o.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "big"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: int32(30000 + i)}}}})
		var hp []networkingv1.HTTPIngressPath
		for p := range paths {
			hp = append(hp, networkingv1.HTTPIngressPath{Path: fmt.Sprintf("/%s/%d", name, p), PathType: &prefix,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: 80}}}})
		}
		o.Ingresses = append(o.Ingresses, networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "big", Annotations: map[string]string{lbc.Key("group.name"): "big"}},
			Spec:       networkingv1.IngressSpec{IngressClassName: &alb, Rules: []networkingv1.IngressRule{{IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: hp}}}}},
		})
	}
	return o
}

func findingsByCode(t *testing.T, o *kube.Objects) map[string]scan.Severity {
	t.Helper()
	top := topology.Build(o, nil, topology.Options{Defaults: lbc.DefaultDefaults()})
	out := map[string]scan.Severity{}
	for _, f := range scan.Findings(top, scan.Options{}) {
		if f.Severity.Rank() > out[f.Code].Rank() || out[f.Code] == "" {
			out[f.Code] = f.Severity
		}
	}
	return out
}

func TestQuotaFindings(t *testing.T) {
	for _, tc := range []struct {
		name                string
		ingresses, paths, n int
		code                string
		want                scan.Severity // "" = no finding
	}{
		{"rules under", 39, 2, 1, scan.CodeGroupRules, ""},
		{"rules near", 42, 2, 1, scan.CodeGroupRules, scan.Warning},
		{"rules over", 51, 2, 1, scan.CodeGroupRules, scan.Error},
		{"target groups over", 101, 1, 1, scan.CodeGroupTargetGroups, scan.Error},
		{"instance targets fine", 10, 1, 10, scan.CodeInstanceTargets, ""},
		{"instance targets near", 30, 1, 30, scan.CodeInstanceTargets, scan.Warning},
		{"instance targets over", 40, 1, 30, scan.CodeInstanceTargets, scan.Error},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := findingsByCode(t, bigGroup(tc.ingresses, tc.paths, tc.n))[tc.code]
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.code, got, tc.want)
			}
		})
	}
}
