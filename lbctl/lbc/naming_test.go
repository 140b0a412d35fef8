package lbc

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// hash10 recomputes the documented formula independently of naming.go.
func hash10(parts ...string) string {
	var all []byte
	for _, p := range parts {
		all = append(all, p...)
	}
	sum := sha256.Sum256(all)
	return hex.EncodeToString(sum[:])[:10]
}

func TestLoadBalancerName(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		g       GroupID
		scheme  string
		want    string
	}{
		// Vectors from the controller's own tests (model_build_load_balancer_test.go, cluster "").
		{"upstream implicit vector", "", GroupID{Namespace: "awesome-ns", Name: "ing-1"}, SchemeInternetFacing, "k8s-awesomen-ing1-43b698093c"},
		{"upstream explicit vector", "", GroupID{Name: "explicit-group"}, SchemeInternal, "k8s-explicitgroup-5bf9e53c23"},
		// Vector from model_builder_test.go (cluster "cluster-dummy").
		{"upstream model builder vector", "cluster-dummy", GroupID{Namespace: "ns-1", Name: "ing-1"}, SchemeInternal, "k8s-ns1-ing1-b7e914000d"},
		// Hand-computed from the formula.
		{"explicit group truncated to 17", "prod", GroupID{Name: "my-team.awesome-group-with-long-name"}, SchemeInternal,
			"k8s-myteamawesomegrou-" + hash10("prod", "my-team.awesome-group-with-long-name", "internal")},
		{"implicit group truncated to 8+8", "prod", GroupID{Namespace: "payments-prod", Name: "checkout-api"}, SchemeInternetFacing,
			"k8s-payments-checkout-" + hash10("prod", "payments-prod/checkout-api", "internet-facing")},
		{"scheme changes the name", "prod", GroupID{Namespace: "payments-prod", Name: "checkout-api"}, SchemeInternal,
			"k8s-payments-checkout-" + hash10("prod", "payments-prod/checkout-api", "internal")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, LoadBalancerName(tt.cluster, tt.g, tt.scheme)); diff != "" {
				t.Errorf("name (-want +got):\n%s", diff)
			}
		})
	}
}

func TestManagedSecurityGroupName(t *testing.T) {
	tests := []struct {
		name string
		g    GroupID
		want string
	}{
		{"explicit", GroupID{Name: "shop"}, "k8s-shop-" + hash10("prod", "shop")},
		{"implicit", GroupID{Namespace: "shop", Name: "web"}, "k8s-shop-web-" + hash10("prod", "shop/web")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ManagedSecurityGroupName("prod", tt.g)); diff != "" {
				t.Errorf("name (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupLoadBalancerName(t *testing.T) {
	g := GroupID{Name: "shop"}
	m := func(name string) Member {
		cfg := IngressConfig{Exclusive: map[string]string{}}
		if name != "" {
			cfg.Exclusive[SuffixLoadBalancerName] = name
		}
		return Member{Config: cfg}
	}
	tests := []struct {
		name    string
		members []Member
		want    string
		wantErr bool
	}{
		{"generated", []Member{m(""), m("")}, LoadBalancerName("prod", g, SchemeInternal), false},
		{"one member names it", []Member{m(""), m("shop-prod")}, "shop-prod", false},
		{"same name twice", []Member{m("shop-prod"), m("shop-prod")}, "shop-prod", false},
		{"conflict", []Member{m("a"), m("b")}, "", true},
		{"too long", []Member{m("a-name-that-is-longer-than-32-chars")}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GroupLoadBalancerName("prod", g, SchemeInternal, tt.members)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("name (-want +got):\n%s", diff)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestTargetGroupName(t *testing.T) {
	base := TargetGroupKey{
		Cluster: "prod", Group: GroupID{Name: "shop"}, Ingress: nn("shop", "web"),
		Service: nn("shop", "frontend"), ServiceUID: "5f0c9e52-1a2b-4c3d-8e9f-001122334455",
		Port: intstr.FromString("http"), TargetPort: 31080, TargetType: v1beta1.TargetTypeInstance,
		Protocol: ProtocolHTTP, ProtocolVersion: ProtocolVersionHTTP1,
	}
	hashOf := func(k TargetGroupKey) string {
		return hash10(k.Cluster, k.Group.String(), k.Ingress.Namespace, k.Ingress.Name, string(k.ServiceUID),
			k.Port.String(), "31080", string(k.TargetType), k.Protocol, k.ProtocolVersion)
	}
	ip := base
	ip.TargetType, ip.TargetPort = v1beta1.TargetTypeIP, 31080
	tests := []struct {
		name string
		k    TargetGroupKey
		want string
	}{
		// Vector from the controller's model_builder_test.go: Service UID empty in that test.
		{"upstream vector", TargetGroupKey{Cluster: "cluster-dummy", Group: GroupID{Namespace: "ns-1", Name: "ing-1"}, Ingress: nn("ns-1", "ing-1"),
			Service: nn("ns-1", "svc-1"), Port: intstr.FromString("http"), TargetPort: 32768, TargetType: v1beta1.TargetTypeInstance,
			Protocol: ProtocolHTTP, ProtocolVersion: ProtocolVersionHTTP1}, "k8s-ns1-svc1-9889425938"},
		{"hand computed", base, "k8s-shop-frontend-" + hashOf(base)},
		{"instance to ip changes the hash", ip, "k8s-shop-frontend-" + hashOf(ip)},
		{"service name only in the prefix", TargetGroupKey{Cluster: "cluster-dummy", Group: GroupID{Namespace: "ns-1", Name: "ing-1"}, Ingress: nn("ns-1", "ing-1"),
			Service: nn("ns-1", "svc-2"), Port: intstr.FromString("http"), TargetPort: 32768, TargetType: v1beta1.TargetTypeInstance,
			Protocol: ProtocolHTTP, ProtocolVersion: ProtocolVersionHTTP1}, "k8s-ns1-svc2-9889425938"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, TargetGroupName(tt.k)); diff != "" {
				t.Errorf("name (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(types.NamespacedName{Namespace: tt.k.Service.Namespace, Name: tt.want}, TargetGroupBindingName(tt.k)); diff != "" {
				t.Errorf("binding (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("instance and ip differ", func(t *testing.T) {
		if TargetGroupName(base) == TargetGroupName(ip) {
			t.Error("target type is not part of the hash")
		}
	})
}

func TestTags(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"stack explicit", StackTag(GroupID{Name: "shop"}), "shop"},
		{"stack implicit", StackTag(GroupID{Namespace: "shop", Name: "web"}), "shop/web"},
		{"target group", TargetGroupResourceTag(nn("ns-1", "ing-1"), "svc-1", intstr.FromString("http")), "ns-1/ing-1-svc-1:http"},
		{"target group numeric port", TargetGroupResourceTag(nn("shop", "web"), "api", intstr.FromInt32(8080)), "shop/web-api:8080"},
		{"listener", ListenerResourceTag(443), "443"},
		{"rule", RuleResourceTag(443, 101), "443:101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("tag (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStackTag(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want GroupID
	}{
		{"explicit", "shop", GroupID{Name: "shop"}},
		{"explicit with dots", "my-team.awesome-group", GroupID{Name: "my-team.awesome-group"}},
		{"implicit", "shop/web", GroupID{Namespace: "shop", Name: "web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseStackTag(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.in, StackTag(got)); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRuleResourceTag(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		port, prio int32
		wantErr    bool
	}{
		{"ok", "443:7", 443, 7, false},
		{"no colon", "443", 0, 0, true},
		{"not numbers", "a:b", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port, prio, err := ParseRuleResourceTag(tt.in)
			if diff := cmp.Diff([2]int32{tt.port, tt.prio}, [2]int32{port, prio}); diff != "" {
				t.Errorf("parsed (-want +got):\n%s", diff)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestStackLabelsAndResourceTags(t *testing.T) {
	tests := []struct {
		name string
		got  map[string]string
		want map[string]string
	}{
		{"explicit labels", StackLabels(GroupID{Name: "shop"}), map[string]string{"ingress.k8s.aws/stack": "shop"}},
		{"implicit labels", StackLabels(GroupID{Namespace: "shop", Name: "web"}), map[string]string{"ingress.k8s.aws/stack-namespace": "shop", "ingress.k8s.aws/stack-name": "web"}},
		{"load balancer tags", ResourceTags("prod", GroupID{Name: "shop"}, LoadBalancerResourceTag),
			map[string]string{"elbv2.k8s.aws/cluster": "prod", "ingress.k8s.aws/stack": "shop", "ingress.k8s.aws/resource": "LoadBalancer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.got); diff != "" {
				t.Errorf("map (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadBalancerNameProblem(t *testing.T) {
	for name, bad := range map[string]bool{
		"shop-public": false, "A1-b2": false, strings.Repeat("a", 32): false,
		"": true, strings.Repeat("a", 33): true, "-shop": true, "shop-": true, "internal-shop": true,
		"shop_public": true, "shop.public": true, "shöp": true,
	} {
		if got := LoadBalancerNameProblem(name) != ""; got != bad {
			t.Errorf("LoadBalancerNameProblem(%q) = %q, want a problem: %v", name, LoadBalancerNameProblem(name), bad)
		}
	}
}
