package kubelet

import (
	"context"
	"fmt"
	"reflect"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ManagedBy marks the EndpointSlices the sandbox keeps, as the real
// controller's endpointslice-controller.k8s.io value does.
const ManagedBy = "endpointslice.sandbox.lbctl.dev"

// syncEndpointSlices keeps one EndpointSlice per selector Service listing
// its pods with ready/serving/terminating conditions.
func (k *Kubelet) syncEndpointSlices(ctx context.Context) error {
	svcs, err := k.services.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, svc := range svcs {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		want, err := k.desiredSlice(svc)
		if err != nil {
			return err
		}
		cur, err := k.slices.EndpointSlices(svc.Namespace).Get(want.Name)
		switch {
		case apierrors.IsNotFound(err):
			if _, err := k.kc.DiscoveryV1().EndpointSlices(svc.Namespace).Create(ctx, want, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("create endpointslice %s/%s: %w", svc.Namespace, want.Name, err)
			}
		case err != nil:
			return err
		case !reflect.DeepEqual(cur.Endpoints, want.Endpoints) || !reflect.DeepEqual(cur.Ports, want.Ports):
			upd := cur.DeepCopy()
			upd.Endpoints, upd.Ports = want.Endpoints, want.Ports
			if _, err := k.kc.DiscoveryV1().EndpointSlices(svc.Namespace).Update(ctx, upd, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
				return fmt.Errorf("update endpointslice %s/%s: %w", svc.Namespace, want.Name, err)
			}
		}
	}
	return nil
}

func (k *Kubelet) desiredSlice(svc *corev1.Service) (*discoveryv1.EndpointSlice, error) {
	pods, err := k.pods.Pods(svc.Namespace).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return nil, err
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	es := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name + "-lbctl", Namespace: svc.Namespace, Labels: map[string]string{
			discoveryv1.LabelServiceName: svc.Name, discoveryv1.LabelManagedBy: ManagedBy}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{},
	}
	for _, sp := range svc.Spec.Ports {
		port := targetPortOf(sp, pods)
		es.Ports = append(es.Ports, discoveryv1.EndpointPort{Name: ptr(sp.Name), Port: ptr(port), Protocol: ptr(sp.Protocol)})
	}
	for _, p := range pods {
		if p.Status.PodIP == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		terminating := p.DeletionTimestamp != nil
		ready := podReady(p) && !terminating
		serving := condStatus(p.Status.Conditions, corev1.ContainersReady) == corev1.ConditionTrue
		ep := discoveryv1.Endpoint{
			Addresses:  []string{p.Status.PodIP},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr(ready), Serving: ptr(serving), Terminating: ptr(terminating)},
			NodeName:   ptr(p.Spec.NodeName),
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
		}
		if n := k.node(p.Spec.NodeName); n != nil {
			ep.Zone = ptr(n.Zone)
		}
		es.Endpoints = append(es.Endpoints, ep)
	}
	return es, nil
}

// targetPortOf resolves a Service port's targetPort (a name is looked up in
// the pods' container ports).
func targetPortOf(sp corev1.ServicePort, pods []*corev1.Pod) int32 {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, p := range pods {
			for _, c := range p.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == sp.TargetPort.StrVal {
						return cp.ContainerPort
					}
				}
			}
		}
		return 0
	}
	return sp.Port
}

func ptr[T any](v T) *T { return &v }
