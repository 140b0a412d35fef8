package kube

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

func classIngress(name, class string, annotations map[string]string) networkingv1.Ingress {
	ing := networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Annotations: annotations}}
	if class != "" {
		ing.Spec.IngressClassName = &class
	}
	return ing
}

func ingressClass(name, controller, params string) networkingv1.IngressClass {
	c := networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: networkingv1.IngressClassSpec{Controller: controller}}
	if params != "" {
		g := "elbv2.k8s.aws"
		c.Spec.Parameters = &networkingv1.IngressClassParametersReference{APIGroup: &g, Kind: "IngressClassParams", Name: params}
	}
	return c
}

func classParams(name string) v1beta1.IngressClassParams {
	return v1beta1.IngressClassParams{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// What an Ingress names and the manifests do not hold comes from what was
// stated, else the cluster, else (class alb only) the chart's default; the
// manifests' own classes win over all of them.
func TestSupplyClasses(t *testing.T) {
	ingresses := []networkingv1.Ingress{
		classIngress("game", "alb", nil),
		classIngress("internal", "alb-internal", nil),
		classIngress("docs", "nginx", nil),
		// the legacy annotation reads no IngressClass
		classIngress("legacy", "ignored", map[string]string{"kubernetes.io/ingress.class": "alb"}),
	}
	cluster := &Classes{
		IngressClasses: []networkingv1.IngressClass{
			ingressClass("alb", "ingress.k8s.aws/alb", "alb"),
			ingressClass("alb-internal", "ingress.k8s.aws/alb", "internal"),
			ingressClass("unused", "example.com/other", ""),
		},
		IngressClassParams: []v1beta1.IngressClassParams{classParams("alb"), classParams("internal")},
	}
	type class struct{ Name, Controller, Params string }
	tests := []struct {
		name    string
		held    []networkingv1.IngressClass
		supply  ClassSupply
		classes []class
		params  []string
		want    []SuppliedClass
		whole   bool
		note    string
	}{
		{name: "nothing read: the chart's default for alb only",
			classes: []class{{"alb", "ingress.k8s.aws/alb", ""}},
			want:    []SuppliedClass{{"alb", "ingress.k8s.aws/alb", ClassAssumed}}},
		{name: "the cluster's classes and parameters",
			supply:  ClassSupply{Cluster: cluster},
			classes: []class{{"alb", "ingress.k8s.aws/alb", "alb"}, {"alb-internal", "ingress.k8s.aws/alb", "internal"}, {"unused", "example.com/other", ""}},
			params:  []string{"alb", "internal"},
			want:    []SuppliedClass{{"alb", "ingress.k8s.aws/alb", ClassFromCluster}, {"alb-internal", "ingress.k8s.aws/alb", ClassFromCluster}},
			whole:   true, note: "read from the cluster (controller ingress.k8s.aws/alb)"},
		{name: "stated wins over the cluster and the default",
			supply:  ClassSupply{Stated: map[string]string{"alb": "ingress.k8s.aws/alb", "nginx": "k8s.io/ingress-nginx"}, Cluster: cluster},
			classes: []class{{"alb", "ingress.k8s.aws/alb", ""}, {"alb-internal", "ingress.k8s.aws/alb", "internal"}, {"nginx", "k8s.io/ingress-nginx", ""}, {"unused", "example.com/other", ""}},
			params:  []string{"alb", "internal"},
			want:    []SuppliedClass{{"alb", "ingress.k8s.aws/alb", ClassStated}, {"nginx", "k8s.io/ingress-nginx", ClassStated}, {"alb-internal", "ingress.k8s.aws/alb", ClassFromCluster}},
			whole:   true, note: "IngressClass alb-internal: not in the manifests; read from the cluster"},
		{name: "the manifests' own class wins, and a disagreeing statement is noted",
			held:    []networkingv1.IngressClass{ingressClass("alb", "ingress.k8s.aws/alb", "")},
			supply:  ClassSupply{Stated: map[string]string{"alb": "eks.amazonaws.com/alb"}},
			classes: []class{{"alb", "ingress.k8s.aws/alb", ""}},
			note:    "the manifests hold it with controller ingress.k8s.aws/alb, which wins over the eks.amazonaws.com/alb stated for it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := &Objects{FromFiles: true, Ingresses: ingresses, IngressClasses: tc.held}
			o.SupplyClasses(tc.supply)
			var classes []class
			for _, c := range o.IngressClasses {
				classes = append(classes, class{c.Name, c.Spec.Controller, paramsName(&c)})
			}
			var params []string
			for _, p := range o.IngressClassParams {
				params = append(params, p.Name)
			}
			if diff := cmp.Diff(tc.classes, classes); diff != "" {
				t.Errorf("classes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.params, params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, o.SuppliedClasses); diff != "" {
				t.Errorf("SuppliedClasses (-want +got):\n%s", diff)
			}
			if o.ClassesFromCluster != tc.whole {
				t.Errorf("ClassesFromCluster = %v, want %v", o.ClassesFromCluster, tc.whole)
			}
			var notes []string
			for _, n := range o.Notes {
				notes = append(notes, n.Source+": "+n.Message)
			}
			if tc.note != "" && !strings.Contains(strings.Join(notes, "\n"), tc.note) {
				t.Errorf("notes %q, want one with %q", notes, tc.note)
			}
			if tc.note == "" && len(notes) > 0 {
				t.Errorf("notes %q, want none", notes)
			}
		})
	}
}

func TestLacksClasses(t *testing.T) {
	withClass := &Objects{Ingresses: []networkingv1.Ingress{classIngress("game", "alb", nil)}}
	if !withClass.LacksClasses(nil) {
		t.Error("an Ingress naming a class the objects do not hold: LacksClasses false")
	}
	if withClass.LacksClasses(map[string]string{"alb": "ingress.k8s.aws/alb"}) {
		t.Error("the class stated: LacksClasses true")
	}
	withParams := &Objects{Ingresses: withClass.Ingresses, IngressClasses: []networkingv1.IngressClass{ingressClass("alb", "ingress.k8s.aws/alb", "alb")}}
	if !withParams.LacksClasses(nil) {
		t.Error("a held class whose IngressClassParams are not held: LacksClasses false")
	}
	withParams.IngressClassParams = []v1beta1.IngressClassParams{classParams("alb")}
	if withParams.LacksClasses(nil) {
		t.Error("class and parameters held: LacksClasses true")
	}
	legacy := &Objects{Ingresses: []networkingv1.Ingress{classIngress("old", "", map[string]string{"kubernetes.io/ingress.class": "alb"})}}
	if legacy.LacksClasses(nil) {
		t.Error("the legacy annotation needs no IngressClass: LacksClasses true")
	}
}

func TestReadClasses(t *testing.T) {
	kc := fake.NewClientset(&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: "ingress.k8s.aws/alb"}})
	params := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "IngressClassParams", "metadata": map[string]any{"name": "internal"},
		"spec": map[string]any{"scheme": "internal"}}}
	listKinds := map[schema.GroupVersionResource]string{v1beta1.IngressClassParamsResource: "IngressClassParamsList"}
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds)
	// The tracker would guess the resource "ingressclassparamses" from the kind.
	if err := dc.Tracker().Create(v1beta1.IngressClassParamsResource, params, ""); err != nil {
		t.Fatal(err)
	}
	c, err := ReadClasses(context.Background(), kc, dc)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.IngressClasses) != 1 || c.IngressClasses[0].Name != "alb" || len(c.IngressClassParams) != 1 || c.IngressClassParams[0].Spec.Scheme == nil {
		t.Fatalf("read %+v", c)
	}

	// No IngressClassParams CRD: the cluster has none.
	noCRD := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds)
	noCRD.PrependReactor("list", "ingressclassparams", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(v1beta1.IngressClassParamsResource.GroupResource(), "")
	})
	if c, err := ReadClasses(context.Background(), kc, noCRD); err != nil || len(c.IngressClasses) != 1 {
		t.Errorf("without the CRD: %+v, %v; want the classes and no error", c, err)
	}

	// Forbidden is an error the caller notes.
	denied := fake.NewClientset()
	denied.PrependReactor("list", "ingressclasses", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingressclasses"}, "", nil)
	})
	if _, err := ReadClasses(context.Background(), denied, dc); err == nil || !strings.Contains(err.Error(), "list ingressclasses") {
		t.Errorf("forbidden: err = %v, want one naming the list", err)
	}
}
