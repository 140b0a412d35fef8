package kubelet

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

// injectReadinessGates does what the controller's pod mutating webhook does
// at pod creation: in a namespace labelled for injection, a pod selected by a
// Service that an ip-mode TargetGroupBinding references gets a readiness gate
// per binding. Pods created before the binding get none (restart them).
func (k *Kubelet) injectReadinessGates(ctx context.Context, pod *corev1.Pod) error {
	if k.dyn == nil {
		return nil
	}
	ns, err := k.namespaces.Get(pod.Namespace)
	if err != nil || ns.Labels[lbc.LabelReadinessGateInject] != lbc.ReadinessGateInjectEnabled {
		return nil
	}
	list, err := k.dyn.Resource(v1beta1.TargetGroupBindingsResource).Namespace(pod.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil // no CRD: nothing to inject
	}
	for _, item := range list.Items {
		var tgb v1beta1.TargetGroupBinding
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, &tgb); err != nil {
			continue
		}
		if tgb.Spec.TargetType == nil || *tgb.Spec.TargetType != v1beta1.TargetTypeIP {
			continue
		}
		svc, err := k.services.Services(pod.Namespace).Get(tgb.Spec.ServiceRef.Name)
		if err != nil || len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			continue
		}
		ct := lbc.ReadinessGateConditionType(tgb.Name)
		has := false
		for _, g := range pod.Spec.ReadinessGates {
			has = has || g.ConditionType == ct
		}
		if !has {
			pod.Spec.ReadinessGates = append(pod.Spec.ReadinessGates, corev1.PodReadinessGate{ConditionType: ct})
		}
	}
	return nil
}

// WithDynamic gives the kubelet a dynamic client, needed to see
// TargetGroupBindings for readiness-gate injection.
func (k *Kubelet) WithDynamic(dc dynamic.Interface) *Kubelet {
	k.dyn = dc
	return k
}
