package lbc

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
)

// PodENIAnnotation is where the VPC CNI's security groups for pods records
// a pod's branch network interface: a JSON list of {eniId, privateIp, …}.
const PodENIAnnotation = "vpc.amazonaws.com/pod-eni"

// PodBranchENI is the branch network interface the controller resolves a
// pod's address to before it looks at the node's interfaces
// (pkg/networking/pod_eni_info_resolver.go, resolveViaPodENIAnnotation):
// the annotation's entry whose privateIp is the pod's IP. A malformed
// annotation is ignored, as the controller ignores it (pkg/k8s/pod_info.go).
func PodBranchENI(p *corev1.Pod) (string, bool) {
	raw, ok := p.Annotations[PodENIAnnotation]
	if !ok || p.Status.PodIP == "" {
		return "", false
	}
	var infos []struct {
		ENIID     string `json:"eniId"`
		PrivateIP string `json:"privateIp"`
	}
	if err := json.Unmarshal([]byte(raw), &infos); err != nil {
		return "", false
	}
	id := ""
	for _, in := range infos {
		if in.PrivateIP == p.Status.PodIP {
			id = in.ENIID
		}
	}
	return id, id != ""
}
