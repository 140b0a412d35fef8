package kube

import (
	"context"

	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Create writes objects into a cluster as a live one would hold them,
// statuses included (pod IPs, readiness, node addresses), creating the
// namespaces they use. It is for the sandbox and tests, which have no
// kubelet or scheduler: clusterIPs are left to the API server to allocate.
// Objects that already exist are left as they are.
func Create(ctx context.Context, kc kubernetes.Interface, dc dynamic.Interface, o *Objects) error {
	create := func(what string, err error) error {
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create %s: %w", what, err)
		}
		return nil
	}
	nsSeen := map[string]bool{}
	for _, ns := range o.Namespaces {
		ns := clean(ns.DeepCopy())
		nsSeen[ns.Name] = true
		if _, err := kc.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); create("namespace "+ns.Name, err) != nil {
			return create("namespace "+ns.Name, err)
		}
	}
	ensureNS := func(name string) error {
		if name == "" || nsSeen[name] {
			return nil
		}
		nsSeen[name] = true
		_, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
		return create("namespace "+name, err)
	}
	for i := range o.Nodes {
		n := clean(o.Nodes[i].DeepCopy())
		got, err := kc.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err := create("node "+n.Name, err); err != nil {
			return err
		}
		if err == nil {
			got.Status = o.Nodes[i].Status
			if _, err := kc.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("node %s status: %w", n.Name, err)
			}
		}
	}
	for i := range o.IngressClasses {
		c := clean(o.IngressClasses[i].DeepCopy())
		if _, err := kc.NetworkingV1().IngressClasses().Create(ctx, c, metav1.CreateOptions{}); create("ingressclass "+c.Name, err) != nil {
			return create("ingressclass "+c.Name, err)
		}
	}
	for i := range o.IngressClassParams {
		p := o.IngressClassParams[i]
		p.APIVersion, p.Kind = v1beta1.SchemeGroupVersion.String(), "IngressClassParams"
		if err := createDynamic(ctx, dc, v1beta1.IngressClassParamsResource, "", clean(p.DeepCopy())); err != nil {
			return err
		}
	}
	for i := range o.Services {
		s := clean(o.Services[i].DeepCopy())
		if err := ensureNS(s.Namespace); err != nil {
			return err
		}
		s.Spec.ClusterIP, s.Spec.ClusterIPs = "", nil
		if s.Spec.Type == corev1.ServiceTypeClusterIP || s.Spec.Type == "" {
			for j := range s.Spec.Ports {
				s.Spec.Ports[j].NodePort = 0
			}
		}
		s.Status = corev1.ServiceStatus{}
		if _, err := kc.CoreV1().Services(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{}); err == nil {
			continue // exists: its NodePorts are allocated already
		}
		if _, err := kc.CoreV1().Services(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); create("service "+s.Namespace+"/"+s.Name, err) != nil {
			return create("service "+s.Namespace+"/"+s.Name, err)
		}
	}
	for i := range o.Deployments {
		d := clean(o.Deployments[i].DeepCopy())
		if err := ensureNS(d.Namespace); err != nil {
			return err
		}
		d.Status = appsv1.DeploymentStatus{}
		if _, err := kc.AppsV1().Deployments(d.Namespace).Create(ctx, d, metav1.CreateOptions{}); create("deployment "+d.Namespace+"/"+d.Name, err) != nil {
			return create("deployment "+d.Namespace+"/"+d.Name, err)
		}
	}
	for i := range o.Pods {
		p := clean(o.Pods[i].DeepCopy())
		if err := ensureNS(p.Namespace); err != nil {
			return err
		}
		status := p.Status
		p.Status = corev1.PodStatus{}
		got, err := kc.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
		if err := create("pod "+p.Namespace+"/"+p.Name, err); err != nil {
			return err
		}
		if err == nil {
			got.Status = status
			if _, err := kc.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("pod %s/%s status: %w", p.Namespace, p.Name, err)
			}
		}
	}
	for i := range o.EndpointSlices {
		es := clean(o.EndpointSlices[i].DeepCopy())
		if err := ensureNS(es.Namespace); err != nil {
			return err
		}
		for j := range es.Endpoints {
			if r := es.Endpoints[j].TargetRef; r != nil {
				r.UID, r.ResourceVersion = "", ""
			}
		}
		if _, err := kc.DiscoveryV1().EndpointSlices(es.Namespace).Create(ctx, es, metav1.CreateOptions{}); create("endpointslice "+es.Namespace+"/"+es.Name, err) != nil {
			return create("endpointslice "+es.Namespace+"/"+es.Name, err)
		}
	}
	for i := range o.Ingresses {
		in := clean(o.Ingresses[i].DeepCopy())
		if err := ensureNS(in.Namespace); err != nil {
			return err
		}
		status := in.Status
		got, err := kc.NetworkingV1().Ingresses(in.Namespace).Create(ctx, in, metav1.CreateOptions{})
		if err := create("ingress "+in.Namespace+"/"+in.Name, err); err != nil {
			return err
		}
		if err == nil && len(status.LoadBalancer.Ingress) > 0 {
			got.Status = status
			if _, err := kc.NetworkingV1().Ingresses(in.Namespace).UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("ingress %s/%s status: %w", in.Namespace, in.Name, err)
			}
		}
	}
	for i := range o.TargetGroupBindings {
		b := o.TargetGroupBindings[i]
		b.APIVersion, b.Kind = v1beta1.SchemeGroupVersion.String(), "TargetGroupBinding"
		if err := ensureNS(b.Namespace); err != nil {
			return err
		}
		if err := createDynamic(ctx, dc, v1beta1.TargetGroupBindingsResource, b.Namespace, clean(b.DeepCopy())); err != nil {
			return err
		}
	}
	return nil
}

// clean drops server-set metadata so an object read from a cluster can be
// created in another.
func clean[T metav1.Object](obj T) T {
	obj.SetResourceVersion("")
	obj.SetUID("")
	obj.SetCreationTimestamp(metav1.Time{})
	obj.SetManagedFields(nil)
	obj.SetGeneration(0)
	return obj
}

func createDynamic(ctx context.Context, dc dynamic.Interface, gvr schema.GroupVersionResource, ns string, obj any) error {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: m}
	delete(u.Object, "status")
	if ns == "" {
		_, err = dc.Resource(gvr).Create(ctx, u, metav1.CreateOptions{})
	} else {
		_, err = dc.Resource(gvr).Namespace(ns).Create(ctx, u, metav1.CreateOptions{})
	}
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create %s %s/%s: %w", gvr.Resource, ns, u.GetName(), err)
	}
	return nil
}
