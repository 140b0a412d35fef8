package lbc

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

func ingressClass(name, controller string, isDefault bool, created time.Time, params *networkingv1.IngressClassParametersReference) networkingv1.IngressClass {
	c := networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(created)},
		Spec:       networkingv1.IngressClassSpec{Controller: controller, Parameters: params},
	}
	if isDefault {
		c.Annotations = map[string]string{DefaultIngressClassAnnotation: "true"}
	}
	return c
}

func TestClassOf(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	paramsRef := &networkingv1.IngressClassParametersReference{APIGroup: ptr(ParamsAPIGroup), Kind: ParamsKind, Name: "internet"}
	badRef := &networkingv1.IngressClassParametersReference{APIGroup: ptr("example.com"), Kind: "Config", Name: "x"}
	classes := []networkingv1.IngressClass{
		ingressClass("alb", ControllerName, false, t0, nil),
		ingressClass("alb-internet", ControllerName, false, t0, paramsRef),
		ingressClass("alb-bad", ControllerName, false, t0, badRef),
		ingressClass("nginx", "k8s.io/ingress-nginx", true, t0, nil),
	}
	withClass := func(ing *networkingv1.Ingress, class string) *networkingv1.Ingress {
		ing.Spec.IngressClassName = &class
		return ing
	}
	tests := []struct {
		name    string
		ing     *networkingv1.Ingress
		classes []networkingv1.IngressClass
		opts    ClassOptions
		want    Ownership
		problem bool
	}{
		{"legacy alb annotation", ingress("ns", "a", map[string]string{IngressClassAnnotation: "alb"}), classes, DefaultClassOptions(),
			Ownership{Owned: true, Controller: "alb", ClassName: "alb", Legacy: true}, false},
		{"legacy nginx annotation", ingress("ns", "a", map[string]string{IngressClassAnnotation: "nginx"}), classes, DefaultClassOptions(),
			Ownership{Controller: "nginx", ClassName: "nginx", Legacy: true}, false},
		{"annotation wins over ingressClassName", withClass(ingress("ns", "a", map[string]string{IngressClassAnnotation: "nginx"}), "alb"), classes, DefaultClassOptions(),
			Ownership{Controller: "nginx", ClassName: "nginx", Legacy: true}, false},
		{"annotation alb ignores params of spec class", withClass(ingress("ns", "a", map[string]string{IngressClassAnnotation: "alb"}), "alb-internet"), classes, DefaultClassOptions(),
			Ownership{Owned: true, Controller: "alb", ClassName: "alb", Legacy: true}, false},
		{"ingressClassName alb", withClass(ingress("ns", "a", nil), "alb"), classes, DefaultClassOptions(),
			Ownership{Owned: true, Controller: "alb", ClassName: "alb"}, false},
		{"ingressClassName with params", withClass(ingress("ns", "a", nil), "alb-internet"), classes, DefaultClassOptions(),
			Ownership{Owned: true, Controller: "alb", ClassName: "alb-internet", ParamsName: "internet"}, false},
		{"params of unknown kind", withClass(ingress("ns", "a", nil), "alb-bad"), classes, DefaultClassOptions(),
			Ownership{Controller: "alb", ClassName: "alb-bad"}, true},
		{"ingressClassName nginx", withClass(ingress("ns", "a", nil), "nginx"), classes, DefaultClassOptions(),
			Ownership{Controller: "k8s.io/ingress-nginx", ClassName: "nginx"}, false},
		{"missing class", withClass(ingress("ns", "a", nil), "gone"), classes, DefaultClassOptions(),
			Ownership{ClassName: "gone"}, true},
		{"no class, stored object: the default class's (controller v2.5+)", ingress("ns", "a", nil), classes, DefaultClassOptions(),
			Ownership{Controller: "k8s.io/ingress-nginx", ClassName: "nginx", Defaulted: true}, false},
		{"no class, --ingress-class empty: owned", ingress("ns", "a", nil), classes[:3], ClassOptions{},
			Ownership{Owned: true, Controller: "alb"}, false},
		{"legacy alb with --ingress-class empty", ingress("ns", "a", map[string]string{IngressClassAnnotation: "alb"}), classes, ClassOptions{},
			Ownership{Owned: true, Controller: "alb", ClassName: "alb", Legacy: true}, false},
		{"custom --ingress-class", ingress("ns", "a", map[string]string{IngressClassAnnotation: "alb"}), classes, ClassOptions{IngressClass: "public"},
			Ownership{Controller: "alb", ClassName: "alb", Legacy: true}, false},
		{"new manifest gets default class", ingress("ns", "a", nil), classes, ClassOptions{IngressClass: "alb"},
			Ownership{Controller: "k8s.io/ingress-nginx", ClassName: "nginx", Defaulted: true}, false},
		{"newest default wins", ingress("ns", "a", nil), []networkingv1.IngressClass{
			ingressClass("old", "k8s.io/ingress-nginx", true, t0, nil),
			ingressClass("new", ControllerName, true, t0.Add(time.Hour), nil),
		}, ClassOptions{IngressClass: "alb"},
			Ownership{Owned: true, Controller: "alb", ClassName: "new", Defaulted: true}, false},
		{"no default class", ingress("ns", "a", nil), classes[:3], ClassOptions{IngressClass: "alb"},
			Ownership{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ClassOfWith(tt.ing, tt.classes, tt.opts)
			if (got.Problem != nil) != tt.problem {
				t.Errorf("problem = %v, want problem %v", got.Problem, tt.problem)
			}
			got.Problem = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ownership (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassOfAndClassOfNew(t *testing.T) {
	classes := []networkingv1.IngressClass{ingressClass("alb", ControllerName, true, time.Time{}, nil)}
	tests := []struct {
		name string
		fn   func(*networkingv1.Ingress, []networkingv1.IngressClass) Ownership
		want Ownership
	}{
		{"stored: the default class's, as the controller (v2.5+) takes it", ClassOf, Ownership{Owned: true, Controller: "alb", ClassName: "alb", Defaulted: true}},
		{"new", ClassOfNew, Ownership{Owned: true, Controller: "alb", ClassName: "alb", Defaulted: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.fn(ingress("ns", "a", nil), classes)); diff != "" {
				t.Errorf("ownership (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParamsSelectsNamespace(t *testing.T) {
	sel := &v1beta1.IngressClassParamsSpec{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}}
	bad := &v1beta1.IngressClassParamsSpec{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Bogus"}}}}
	tests := []struct {
		name    string
		params  *v1beta1.IngressClassParamsSpec
		labels  map[string]string
		want    bool
		wantErr bool
	}{
		{"no params", nil, nil, true, false},
		{"no selector", &v1beta1.IngressClassParamsSpec{}, nil, true, false},
		{"match", sel, map[string]string{"team": "a"}, true, false},
		{"mismatch", sel, map[string]string{"team": "b"}, false, false},
		{"bad selector", bad, nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParamsSelectsNamespace(tt.params, tt.labels)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("selects (-want +got):\n%s", diff)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}
