package topology

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/awsapi"
)

func TestInferCluster(t *testing.T) {
	lb := func(tags map[string]string) awsapi.LoadBalancer { return awsapi.LoadBalancer{Tags: tags} }
	for _, tc := range []struct {
		name  string
		lbs   []awsapi.LoadBalancer
		want  string
		names []string
	}{
		{"none", nil, "", nil},
		{"no cluster tags", []awsapi.LoadBalancer{lb(nil), lb(map[string]string{"ingress.k8s.aws/stack": "shop/web"})}, "", nil},
		{"one cluster", []awsapi.LoadBalancer{lb(map[string]string{"elbv2.k8s.aws/cluster": "prod"}), lb(map[string]string{"elbv2.k8s.aws/cluster": "prod"}), lb(nil)}, "prod", []string{"prod"}},
		{"two clusters", []awsapi.LoadBalancer{lb(map[string]string{"elbv2.k8s.aws/cluster": "staging"}), lb(map[string]string{"elbv2.k8s.aws/cluster": "prod"})}, "", []string{"prod", "staging"}},
		{"three clusters, repeated", []awsapi.LoadBalancer{lb(map[string]string{"elbv2.k8s.aws/cluster": "staging"}), lb(map[string]string{"elbv2.k8s.aws/cluster": "prod"}),
			lb(map[string]string{"elbv2.k8s.aws/cluster": "dev"}), lb(map[string]string{"elbv2.k8s.aws/cluster": "prod"})}, "", []string{"dev", "prod", "staging"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Target groups' tags do not count: only the ALBs' do.
			tgs := []awsapi.TargetGroup{{Tags: map[string]string{"elbv2.k8s.aws/cluster": "from-a-target-group"}}}
			got, names := InferCluster(&awsapi.State{LoadBalancers: tc.lbs, TargetGroups: tgs})
			if got != tc.want {
				t.Errorf("cluster = %q, want %q", got, tc.want)
			}
			if diff := cmp.Diff(tc.names, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}
