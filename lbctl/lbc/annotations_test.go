package lbc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestAnnotationKeys(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"scheme", Key(SuffixScheme), "alb.ingress.kubernetes.io/scheme"},
		{"group name", Key(SuffixGroupName), "alb.ingress.kubernetes.io/group.name"},
		{"manage sg rules", Key(SuffixManageBackendSecurityGroupRules), "alb.ingress.kubernetes.io/manage-backend-security-group-rules"},
		{"action", ActionKey("redirect-to-https"), "alb.ingress.kubernetes.io/actions.redirect-to-https"},
		{"condition", ConditionKey("svc-a"), "alb.ingress.kubernetes.io/conditions.svc-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
		})
	}
}

func TestALBAnnotationSplit(t *testing.T) {
	tests := []struct {
		name   string
		suffix string
		want   string // "exclusive", "merged" or "neither"
	}{
		{"scheme is exclusive", SuffixScheme, "exclusive"},
		{"ssl-redirect is exclusive", SuffixSSLRedirect, "exclusive"},
		{"inbound-cidrs is exclusive per port", SuffixInboundCIDRs, "exclusive"},
		{"listen-ports merge", SuffixListenPorts, "merged"},
		{"load-balancer-attributes merge per key in code", SuffixLoadBalancerAttributes, "merged"},
		{"tags merge", SuffixTags, "merged"},
		{"target-type is per backend", SuffixTargetType, "neither"},
	}
	in := func(list []string, s string) bool {
		for _, v := range list {
			if v == s {
				return true
			}
		}
		return false
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := "neither"
			if in(ExclusiveALBAnnotations(), tt.suffix) {
				got = "exclusive"
			}
			if in(MergedALBAnnotations(), tt.suffix) {
				if got != "neither" {
					t.Fatalf("%s is in both lists", tt.suffix)
				}
				got = "merged"
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("split (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadinessGateConditionType(t *testing.T) {
	tests := []struct {
		name string
		tgb  string
		want corev1.PodConditionType
	}{
		{"controller made binding", "k8s-ns1-svc1-9889425938", "target-health.elbv2.k8s.aws/k8s-ns1-svc1-9889425938"},
		{"hand made binding", "my-tgb", "target-health.elbv2.k8s.aws/my-tgb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ReadinessGateConditionType(tt.tgb)); diff != "" {
				t.Errorf("condition type (-want +got):\n%s", diff)
			}
		})
	}
}
