package kubelet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// registerNodes creates the virtual nodes as EKS would show them.
func (k *Kubelet) registerNodes(ctx context.Context) error {
	for _, n := range k.opts.Nodes {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: map[string]string{
				corev1.LabelTopologyZone: n.Zone, corev1.LabelTopologyRegion: "us-west-2",
				corev1.LabelHostname: n.Name, corev1.LabelOSStable: "linux", corev1.LabelInstanceTypeStable: "m6i.large",
				"eks.amazonaws.com/nodegroup": "sandbox",
			}},
			Spec: corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/%s", n.Zone, n.InstanceID)},
		}
		got, err := k.kc.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			got, err = k.kc.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
		}
		if err != nil {
			return fmt.Errorf("register node %s: %w", n.Name, err)
		}
		got.Status = corev1.NodeStatus{
			// ExternalIP is where the node's kubelet API listens: its
			// loopback address, which the API server is told to prefer.
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.IP}, {Type: corev1.NodeHostName, Address: n.Name},
				{Type: corev1.NodeExternalIP, Address: k.loopback(n.IP)}},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(k.kubeletPort())}},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
				Message: "lbctl sandbox node", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("110")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("7Gi"), corev1.ResourcePods: resource.MustParse("110")},
			NodeInfo:    corev1.NodeSystemInfo{KubeletVersion: "v1.33.4-lbctl-sandbox", OperatingSystem: "linux", Architecture: "amd64"},
		}
		if _, err := k.kc.CoreV1().Nodes().UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("node %s status: %w", n.Name, err)
		}
	}
	return nil
}
