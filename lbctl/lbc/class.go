package lbc

import (
	"fmt"
	"sort"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Ownership says whether the ALB controller reconciles an Ingress and, if
// not, who is meant to, so a scan can tell "not ours" from "ours but broken".
type Ownership struct {
	// Owned is true when the ALB controller reconciles the Ingress.
	Owned bool
	// Controller is "alb" when the Ingress is meant for the ALB controller
	// (even if Problem keeps it from being reconciled), else the other
	// controller: the IngressClass spec.controller, or the legacy annotation
	// value such as "nginx". Empty when the Ingress names no class at all.
	Controller string
	// ClassName is the annotation value or spec.ingressClassName in effect.
	ClassName string
	// Legacy is true when the kubernetes.io/ingress.class annotation decided;
	// it wins over spec.ingressClassName and brings no IngressClassParams.
	Legacy bool
	// Defaulted is true when ClassName came from the cluster's default
	// IngressClass.
	Defaulted bool
	// ParamsName is the IngressClassParams the class references, if any.
	ParamsName string
	// Problem is why the controller ignores an Ingress meant for it: its
	// IngressClass does not exist or references parameters of another kind.
	Problem error
}

// ClassOptions mirror the controller flags and API-server behaviour that
// decide ownership.
type ClassOptions struct {
	// IngressClass is the controller's --ingress-class flag ("alb" by
	// default). When empty the controller also owns Ingresses without any
	// class, and the legacy annotation value "alb".
	IngressClass string
}

// ControllerNameAutoMode is spec.controller of IngressClasses served by EKS
// Auto Mode's own load balancing (not the AWS Load Balancer Controller): it
// builds ALBs too, but from IngressClassParams of eks.amazonaws.com/v1, with
// groups only through them. lbctl recognises its Ingresses and leaves them
// alone; it does not model that controller.
const ControllerNameAutoMode = "eks.amazonaws.com/alb"

// DefaultClassOptions are the controller's defaults for stored Ingresses.
func DefaultClassOptions() ClassOptions { return ClassOptions{IngressClass: IngressClassALB} }

// ClassOf reports the ownership of a stored Ingress under the controller's
// default flags. An Ingress without any class is the default IngressClass's
// (the controller's class loader does so since v2.5).
func ClassOf(ing *networkingv1.Ingress, classes []networkingv1.IngressClass) Ownership {
	return ClassOfWith(ing, classes, DefaultClassOptions())
}

// ClassOfNew reports the ownership an Ingress manifest will have once
// created: the API server's admission gives it the default IngressClass,
// which is also what the controller assumes for a stored one (ClassOf).
func ClassOfNew(ing *networkingv1.Ingress, classes []networkingv1.IngressClass) Ownership {
	return ClassOf(ing, classes)
}

// ClassOfWith is ClassOf with explicit options (classifyIngress in the controller).
func ClassOfWith(ing *networkingv1.Ingress, classes []networkingv1.IngressClass, opts ClassOptions) Ownership {
	if v, ok := ing.Annotations[IngressClassAnnotation]; ok {
		owned := v == opts.IngressClass || (opts.IngressClass == "" && v == IngressClassALB)
		o := Ownership{Owned: owned, ClassName: v, Legacy: true, Controller: v}
		if owned {
			o.Controller = IngressClassALB
		}
		return o
	}
	name := ""
	defaulted := false
	if ing.Spec.IngressClassName != nil {
		name = *ing.Spec.IngressClassName
	} else if def := DefaultIngressClass(classes); def != nil {
		// The API server's admission gives a new Ingress the default class;
		// the controller (v2.5+) also takes it for a stored Ingress without one.
		name, defaulted = def.Name, true
	}
	if name == "" {
		if opts.IngressClass == "" {
			return Ownership{Owned: true, Controller: IngressClassALB}
		}
		return Ownership{}
	}
	o := Ownership{ClassName: name, Defaulted: defaulted}
	var class *networkingv1.IngressClass
	for i := range classes {
		if classes[i].Name == name {
			class = &classes[i]
			break
		}
	}
	if class == nil {
		o.Problem = fmt.Errorf("invalid ingress class: IngressClass %q not found", name)
		return o
	}
	if class.Spec.Controller != ControllerName {
		o.Controller = class.Spec.Controller
		return o
	}
	o.Controller = IngressClassALB
	if p := class.Spec.Parameters; p != nil {
		if p.APIGroup == nil || *p.APIGroup != ParamsAPIGroup || p.Kind != ParamsKind {
			o.Problem = fmt.Errorf("invalid ingress class: IngressClass %v references unknown parameters", class.Name)
			return o
		}
		o.ParamsName = p.Name
	}
	o.Owned = true
	return o
}

// ChartIngressClass is the IngressClass the controller's Helm chart creates
// with its default values (ingressClass: alb, createIngressClassResource:
// true): named alb, served by ingress.k8s.aws/alb. Depending on the chart
// version and values it may also reference an IngressClassParams the chart
// creates (ingressClassParams.create), whose spec is empty by default and
// sets nothing, so the class is modelled without parameters. Repositories rarely
// hold this object: the chart puts it in the cluster. lbctl assumes it for
// manifests that name alb when nothing else says what serves it.
func ChartIngressClass() networkingv1.IngressClass {
	return networkingv1.IngressClass{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "IngressClass"},
		ObjectMeta: metav1.ObjectMeta{Name: IngressClassALB},
		Spec:       networkingv1.IngressClassSpec{Controller: ControllerName},
	}
}

// MissingParamsError is the controller's refusal of an Ingress whose
// IngressClass references IngressClassParams that do not exist: it ignores
// the Ingress (ErrInvalidIngressClass in the controller's class loader) and
// the group it belongs to fails to reconcile.
func MissingParamsError(class, params string) error {
	return fmt.Errorf("invalid ingress class: IngressClass %s references IngressClassParams %q, which does not exist", class, params)
}

// DefaultIngressClass returns the IngressClass the API server assigns to new
// class-less Ingresses: among those annotated is-default-class "true", the
// newest, ties broken by name. Nil when there is none.
func DefaultIngressClass(classes []networkingv1.IngressClass) *networkingv1.IngressClass {
	var defaults []*networkingv1.IngressClass
	for i := range classes {
		if classes[i].Annotations[DefaultIngressClassAnnotation] == "true" {
			defaults = append(defaults, &classes[i])
		}
	}
	if len(defaults) == 0 {
		return nil
	}
	sort.Slice(defaults, func(i, j int) bool {
		ti, tj := defaults[i].CreationTimestamp.UnixNano(), defaults[j].CreationTimestamp.UnixNano()
		if ti == tj {
			return defaults[i].Name < defaults[j].Name
		}
		return ti > tj
	})
	return defaults[0]
}

// ParamsSelectsNamespace tells whether IngressClassParams may be used by
// Ingresses in a namespace with the given labels; the controller ignores an
// Ingress whose namespace the params' namespaceSelector does not match.
func ParamsSelectsNamespace(params *v1beta1.IngressClassParamsSpec, namespaceLabels map[string]string) (bool, error) {
	if params == nil || params.NamespaceSelector == nil {
		return true, nil
	}
	sel, err := metav1.LabelSelectorAsSelector(params.NamespaceSelector)
	if err != nil {
		return false, fmt.Errorf("IngressClassParams namespaceSelector: %w", err)
	}
	return sel.Matches(labels.Set(namespaceLabels)), nil
}

// AutoMode says whether EKS Auto Mode's load balancing serves the Ingress
// (its IngressClass names ControllerNameAutoMode).
func (o Ownership) AutoMode() bool { return o.Controller == ControllerNameAutoMode }

// AutoModeParamsAPIGroup is the API group of the IngressClassParams an
// Auto Mode IngressClass references (eks.amazonaws.com/v1); lbctl does not
// read them.
const AutoModeParamsAPIGroup = "eks.amazonaws.com"

// AutoModeIgnoredAnnotations are annotation suffixes EKS Auto Mode does not
// support (its migration reference): it groups only through its
// IngressClassParams, so group.name does nothing, and it neither associates
// WAF Classic ACLs nor creates ACM certificates nor writes dry-run plans.
func AutoModeIgnoredAnnotations() []string {
	return []string{SuffixGroupName, SuffixGroupOrder, SuffixWAFACLID, SuffixWebACLID, SuffixCreateACMCert, "dry-run-plan"}
}

// AutoModeIgnored lists the annotations of an Auto Mode Ingress that Auto
// Mode ignores, sorted.
func AutoModeIgnored(ing *networkingv1.Ingress) []string {
	var out []string
	for _, s := range AutoModeIgnoredAnnotations() {
		if _, ok := ing.Annotations[Key(s)]; ok {
			out = append(out, Key(s))
		}
	}
	sort.Strings(out)
	return out
}

// AutoModeGroup is the group EKS Auto Mode puts an Ingress of class in:
// its own (namespace/name) unless the class references IngressClassParams,
// whose group.name lbctl does not read (known is false then). The
// group.name annotation never counts.
func AutoModeGroup(ing *networkingv1.Ingress, class *networkingv1.IngressClass) (g GroupID, known bool) {
	if class != nil && class.Spec.Parameters != nil {
		return GroupID{}, false
	}
	return GroupID{Namespace: ing.Namespace, Name: ing.Name}, true
}
