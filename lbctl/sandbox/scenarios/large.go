package scenarios

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

// LargeOptions size the generated estate.
type LargeOptions struct {
	Namespaces, AppsPerNamespace, Replicas int
}

// Large generates a large "before" estate: by default 300 Ingresses over 30
// namespaces, each on its own ALB in instance mode, one replica each.
func Large(o LargeOptions) *kube.Objects {
	if o.Namespaces == 0 {
		o.Namespaces = 30
	}
	if o.AppsPerNamespace == 0 {
		o.AppsPerNamespace = 10
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	objs := &kube.Objects{IngressClasses: []networkingv1.IngressClass{{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerName}}}}
	prefix := networkingv1.PathTypePrefix
	alb := "alb"
	nodePort := int32(30000)
	for n := range o.Namespaces {
		ns := fmt.Sprintf("team-%02d", n)
		objs.Namespaces = append(objs.Namespaces, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		for a := range o.AppsPerNamespace {
			app := fmt.Sprintf("app-%02d", a)
			lbls := map[string]string{"app": app}
			replicas := int32(o.Replicas)
			objs.Deployments = append(objs.Deployments, appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns},
				Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbls},
					Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name: app, Image: "registry.example.com/" + app + ":1.0", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
					}}}}},
			})
			objs.Services = append(objs.Services, corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: lbls, Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: nodePort}}}})
			nodePort++
			objs.Ingresses = append(objs.Ingresses, networkingv1.Ingress{
				ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns, Annotations: map[string]string{lbc.Key(lbc.SuffixScheme): "internet-facing"}},
				Spec: networkingv1.IngressSpec{IngressClassName: &alb, Rules: []networkingv1.IngressRule{{Host: fmt.Sprintf("%s.%s.example.com", app, ns),
					IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix,
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: app, Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}},
			})
		}
	}
	objs.Sort()
	return objs
}
