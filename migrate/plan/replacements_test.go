package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

// TestReplacementsUseControllerNaming recomputes the predicted names with
// lbc directly: the new ALB from the group and scheme, the new target group
// from the copy's key with target type ip, the old ALB that is deleted.
func TestReplacementsUseControllerNaming(t *testing.T) {
	y := docs(albClass,
		"apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: a, uid: u-web}\nspec: {type: NodePort, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30001}]}\n",
		yIngress("a", "web", "web.example.com", "web", map[string]string{"alb.ingress.kubernetes.io/scheme": "internet-facing"}))
	p := Build(topoYAML(t, y), Options{})
	type r struct{ Phase, Action, Kind, Name string }
	var got []r
	for _, x := range p.Replacements {
		got = append(got, r{x.Phase, x.Action, x.Kind, x.Name})
	}
	newTG := lbc.TargetGroupName(lbc.TargetGroupKey{Cluster: "prod", Group: lbc.GroupID{Name: "a"},
		Ingress: types.NamespacedName{Namespace: "a", Name: "web-ip"}, Service: types.NamespacedName{Namespace: "a", Name: "web"}, ServiceUID: "u-web",
		Port: intstr.FromInt32(80), TargetPort: 8080, TargetType: v1beta1.TargetTypeIP, Protocol: "HTTP", ProtocolVersion: "HTTP1"})
	oldTG := lbc.TargetGroupName(lbc.TargetGroupKey{Cluster: "prod", Group: lbc.GroupID{Namespace: "a", Name: "web"},
		Ingress: types.NamespacedName{Namespace: "a", Name: "web"}, Service: types.NamespacedName{Namespace: "a", Name: "web"}, ServiceUID: "u-web",
		Port: intstr.FromInt32(80), TargetPort: 30001, TargetType: v1beta1.TargetTypeInstance, Protocol: "HTTP", ProtocolVersion: "HTTP1"})
	want := []r{
		{PhaseCreate, Create, "LoadBalancer", lbc.LoadBalancerName("prod", lbc.GroupID{Name: "a"}, "internet-facing")},
		{PhaseCreate, Create, "SecurityGroup", lbc.ManagedSecurityGroupName("prod", lbc.GroupID{Name: "a"})},
		{PhaseCreate, Create, "TargetGroup", newTG},
		{PhaseCreate, Create, "TargetGroupBinding", newTG},
		{PhaseCleanup, Delete, "LoadBalancer", lbc.LoadBalancerName("prod", lbc.GroupID{Namespace: "a", Name: "web"}, "internet-facing")},
		{PhaseCleanup, Delete, "SecurityGroup", lbc.ManagedSecurityGroupName("prod", lbc.GroupID{Namespace: "a", Name: "web"})},
		{PhaseCleanup, Delete, "TargetGroup", oldTG},
		{PhaseCleanup, Delete, "TargetGroupBinding", oldTG},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replacements (-want +got):\n%s", diff)
	}
	if p.Groups[0].LoadBalancer != want[0].Name {
		t.Errorf("group ALB %s, want %s", p.Groups[0].LoadBalancer, want[0].Name)
	}
}

// TestReplacementsKeptGroup: an in-place change keeps the ALB (no ALB is
// created or deleted), but still replaces the target group.
func TestReplacementsKeptGroup(t *testing.T) {
	grp := map[string]string{"alb.ingress.kubernetes.io/group.name": "g"}
	y := docs(albClass, yService("a", "web", 30001), yIngress("a", "web", "web.example.com", "web", grp))
	p := Build(topoYAML(t, y), Options{})
	kinds := map[string]int{}
	for _, r := range p.Replacements {
		kinds[r.Action+" "+r.Kind]++
	}
	want := map[string]int{"create TargetGroup": 1, "create TargetGroupBinding": 1, "delete TargetGroup": 1, "delete TargetGroupBinding": 1}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Error(diff)
	}
}
