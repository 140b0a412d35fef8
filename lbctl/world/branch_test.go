package world

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

// TestBranchENIIDs lists the branch interfaces of the pods whose pod-eni
// annotation names one for their address.
func TestBranchENIIDs(t *testing.T) {
	pod := func(ip, ann string) corev1.Pod {
		p := corev1.Pod{Status: corev1.PodStatus{PodIP: ip}}
		if ann != "" {
			p.ObjectMeta = metav1.ObjectMeta{Annotations: map[string]string{lbc.PodENIAnnotation: ann}}
		}
		return p
	}
	got := BranchENIIDs([]corev1.Pod{
		pod("10.0.3.7", `[{"eniId":"eni-1","privateIp":"10.0.3.7"}]`),
		pod("10.0.1.5", ""),
		pod("10.0.3.8", `not json`),
		pod("10.0.3.9", `[{"eniId":"eni-2","privateIp":"10.0.3.9"}]`),
	})
	if fmt.Sprint(got) != "[eni-1 eni-2]" {
		t.Errorf("BranchENIIDs = %v", got)
	}
}
