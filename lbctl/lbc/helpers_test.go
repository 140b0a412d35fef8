package lbc

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ingress builds a test Ingress in namespace ns with the given annotations
// (pairs of suffix-less full keys) and rules.
func ingress(ns, name string, ann map[string]string, rules ...networkingv1.IngressRule) *networkingv1.Ingress {
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann},
		Spec:       networkingv1.IngressSpec{Rules: rules},
	}
}

func ptr[T any](v T) *T { return &v }

func pathType(t networkingv1.PathType) *networkingv1.PathType { return &t }

// httpRule is an Ingress rule for host with the given paths.
func httpRule(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
	return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
		HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths},
	}}
}

// svcPath routes path (of type pt, nil for none) to service svc on a port
// number, or on a port name when portName is set.
func svcPath(path string, pt *networkingv1.PathType, svc string, port int32, portName string) networkingv1.HTTPIngressPath {
	return networkingv1.HTTPIngressPath{Path: path, PathType: pt, Backend: networkingv1.IngressBackend{
		Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Name: portName, Number: port}},
	}}
}

func nn(ns, name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }

func backend(ns, ing, svc string, port intstr.IntOrString) *BackendRef {
	return &BackendRef{Ingress: nn(ns, ing), Service: svc, Port: port}
}

// service builds a Service with one port.
func service(ns, name string, ann map[string]string, typ corev1.ServiceType, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: ann, UID: types.UID(ns + "-" + name + "-uid")},
		Spec:       corev1.ServiceSpec{Type: typ, Ports: ports},
	}
}

// errStrings renders errors for cmp.Diff.
func errStrings(errs []error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}
