package kube

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

// ClassSource says where lbctl took an IngressClass that the manifests name
// but do not hold: a repository rarely holds it, the controller's Helm chart
// puts it in the cluster.
type ClassSource string

// Where an IngressClass came from, in the order SupplyClasses looks.
const (
	// ClassStated: the user stated the controller that serves it
	// (--ingress-class NAME=CONTROLLER).
	ClassStated ClassSource = "stated"
	// ClassFromCluster: read from the cluster the kubeconfig points at.
	ClassFromCluster ClassSource = "cluster"
	// ClassAssumed: nothing said what serves it, and it is the class the
	// controller's Helm chart creates (lbc.ChartIngressClass).
	ClassAssumed ClassSource = "assumed"
)

// SuppliedClass is an IngressClass the manifests' Ingresses name and the
// manifests do not hold, and where lbctl took it from.
type SuppliedClass struct {
	Name       string      `json:"name"`
	Controller string      `json:"controller"`
	Source     ClassSource `json:"source"`
}

// Classes are a cluster's IngressClasses and IngressClassParams (ReadClasses).
type Classes struct {
	IngressClasses     []networkingv1.IngressClass
	IngressClassParams []v1beta1.IngressClassParams
}

// ClassSupply is where SupplyClasses takes what the manifests lack.
type ClassSupply struct {
	// Stated maps class names to the controller that serves them, as the
	// user stated; they win over the cluster's and the chart's default.
	Stated map[string]string
	// Cluster are the cluster's classes and parameters; nil when they were
	// not read, and then the chart's default class is assumed.
	Cluster *Classes
}

// namedClasses are the IngressClass names the Ingresses' spec.ingressClassName
// give, sorted. An Ingress with the legacy kubernetes.io/ingress.class
// annotation is left out: the controller matches the annotation against its
// --ingress-class flag and reads no IngressClass for it.
func (o *Objects) namedClasses() []string {
	var names []string
	for _, ing := range o.Ingresses {
		if _, legacy := ing.Annotations[lbc.IngressClassAnnotation]; legacy || ing.Spec.IngressClassName == nil {
			continue
		}
		if n := *ing.Spec.IngressClassName; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func (o *Objects) class(name string) *networkingv1.IngressClass {
	for i := range o.IngressClasses {
		if o.IngressClasses[i].Name == name {
			return &o.IngressClasses[i]
		}
	}
	return nil
}

func (o *Objects) hasParams(name string) bool {
	return slices.ContainsFunc(o.IngressClassParams, func(p v1beta1.IngressClassParams) bool { return p.Name == name })
}

// LacksClasses tells whether the Ingresses name an IngressClass that neither
// the objects hold nor stated gives, or a held class references
// IngressClassParams the objects do not hold: then the cluster has
// something to say.
func (o *Objects) LacksClasses(stated map[string]string) bool {
	for _, n := range o.namedClasses() {
		if _, ok := stated[n]; !ok && o.class(n) == nil {
			return true
		}
	}
	for _, c := range o.IngressClasses {
		if p := paramsName(&c); p != "" && !o.hasParams(p) {
			return true
		}
	}
	return false
}

// paramsName is the IngressClassParams an ALB IngressClass references ("" for
// none, or parameters of another kind, which lbc.ClassOf reports).
func paramsName(c *networkingv1.IngressClass) string {
	p := c.Spec.Parameters
	if c.Spec.Controller != lbc.ControllerName || p == nil || p.APIGroup == nil || *p.APIGroup != lbc.ParamsAPIGroup || p.Kind != lbc.ParamsKind {
		return ""
	}
	return p.Name
}

// SupplyClasses adds the IngressClasses and IngressClassParams the manifests
// lack, so that the Ingresses that name them are read as the controller will
// read them: first the classes stated, then, when the cluster's were read,
// every class and parameters object of the cluster the manifests do not hold
// (the manifests' own win: they are what is applied); without the cluster's,
// the chart's default class alb when an Ingress names it. Each class an
// Ingress names that came from elsewhere is recorded in SuppliedClasses (and
// noted when it came from the cluster). A
// class or IngressClassParams that nothing supplies stays missing:
// lbc.ClassOf and the topology report it.
func (o *Objects) SupplyClasses(s ClassSupply) {
	named := o.namedClasses()
	record := func(c networkingv1.IngressClass, src ClassSource) {
		o.IngressClasses = append(o.IngressClasses, c)
		if !slices.Contains(named, c.Name) {
			return
		}
		o.SuppliedClasses = append(o.SuppliedClasses, SuppliedClass{Name: c.Name, Controller: c.Spec.Controller, Source: src})
		if src == ClassFromCluster {
			o.Notes = append(o.Notes, Note{Source: "IngressClass " + c.Name,
				Message: "not in the manifests; read from the cluster (controller " + c.Spec.Controller + ")"})
		}
	}
	for _, n := range slices.Sorted(maps.Keys(s.Stated)) {
		ctrl := s.Stated[n]
		if held := o.class(n); held != nil {
			if held.Spec.Controller != ctrl {
				o.Notes = append(o.Notes, Note{Source: "IngressClass " + n,
					Message: fmt.Sprintf("the manifests hold it with controller %s, which wins over the %s stated for it", held.Spec.Controller, ctrl)})
			}
			continue
		}
		record(networkingv1.IngressClass{
			TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
			ObjectMeta: metav1.ObjectMeta{Name: n},
			Spec:       networkingv1.IngressClassSpec{Controller: ctrl},
		}, ClassStated)
	}
	if s.Cluster != nil {
		o.ClassesFromCluster = true
		for _, c := range s.Cluster.IngressClasses {
			if o.class(c.Name) == nil {
				record(c, ClassFromCluster)
			}
		}
		for _, p := range s.Cluster.IngressClassParams {
			if !o.hasParams(p.Name) {
				o.IngressClassParams = append(o.IngressClassParams, p)
			}
		}
	} else if chart := lbc.ChartIngressClass(); slices.Contains(named, chart.Name) && o.class(chart.Name) == nil {
		record(chart, ClassAssumed)
	}
	o.Sort()
}
