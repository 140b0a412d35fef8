package lbc

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestPodBranchENI takes the annotation's entry for the pod's own address,
// and nothing from a malformed annotation or another address.
func TestPodBranchENI(t *testing.T) {
	for _, tc := range []struct {
		name, annotation, ip, want string
	}{
		{"branch", `[{"eniId":"eni-1","ifAddress":"0a:58:0a:00:01:01","privateIp":"10.0.1.101","vlanId":1,"subnetCidr":"10.0.1.0/24"}]`, "10.0.1.101", "eni-1"},
		{"the pod's own address", `[{"eniId":"eni-1","privateIp":"10.0.1.9"},{"eniId":"eni-2","privateIp":"10.0.1.101"}]`, "10.0.1.101", "eni-2"},
		{"another address", `[{"eniId":"eni-1","privateIp":"10.0.1.9"}]`, "10.0.1.101", ""},
		{"malformed", `{"eniId":"eni-1"}`, "10.0.1.101", ""},
		{"no address yet", `[{"eniId":"eni-1","privateIp":""}]`, "", ""},
		{"none", "", "10.0.1.101", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &corev1.Pod{Status: corev1.PodStatus{PodIP: tc.ip}}
			if tc.annotation != "" {
				p.ObjectMeta = metav1.ObjectMeta{Annotations: map[string]string{PodENIAnnotation: tc.annotation}}
			}
			got, ok := PodBranchENI(p)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("PodBranchENI = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}
