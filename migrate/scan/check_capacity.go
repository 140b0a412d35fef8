package scan

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkInstanceTargets estimates instance-mode targets per ALB: every
// selected node is registered in every instance target group.
func checkInstanceTargets(t *topology.Topology, o Options) []Finding {
	nodes := t.Objects.Nodes
	if len(nodes) == 0 || o.Limits.TargetsPerALB <= 0 {
		return nil
	}
	var out []Finding
	for _, g := range t.Groups {
		targets, tgs := 0, 0
		var objs []topology.ObjectRef
		for _, in := range g.Ingresses {
			objs = append(objs, in.Ref())
			for _, b := range in.Backends {
				if b.Config.TargetType != v1beta1.TargetTypeInstance {
					continue
				}
				tgs++
				targets += countNodes(nodes, b.Config.TargetNodeLabels)
			}
		}
		max := o.Limits.TargetsPerALB
		switch {
		case targets > max:
			out = append(out, Finding{Severity: Error, Code: CodeInstanceTargets, Objects: objs,
				Message: fmt.Sprintf("group %s registers about %d instance targets (%d nodes × %d target groups), over the %d targets per ALB", g.ID, targets, len(nodes), tgs, max),
				Remedy:  "move to ip targets (one target per pod) or restrict nodes with target-node-labels"})
		case float64(targets) >= o.near()*float64(max):
			out = append(out, Finding{Severity: Warning, Code: CodeInstanceTargets, Objects: objs,
				Message: fmt.Sprintf("group %s registers about %d instance targets (%d nodes × %d target groups) of %d allowed per ALB", g.ID, targets, len(nodes), tgs, max),
				Remedy:  "move to ip targets before the node count grows"})
		}
	}
	return out
}

func countNodes(nodes []corev1.Node, sel map[string]string) int {
	if len(sel) == 0 {
		return len(nodes)
	}
	s := labels.SelectorFromSet(sel)
	n := 0
	for i := range nodes {
		if s.Matches(labels.Set(nodes[i].Labels)) {
			n++
		}
	}
	return n
}

// ZoneLabel is the well-known node label that names its availability zone.
const ZoneLabel = corev1.LabelTopologyZone

// checkSubnets compares free subnet addresses with what ALBs (8 per subnet)
// and ip-mode pods need.
func checkSubnets(t *topology.Topology, o Options) []Finding {
	if t.AWS == nil || len(t.AWS.Subnets) == 0 {
		return nil
	}
	var out []Finding
	byID := map[string]int{}
	free := map[string]int{}
	for i, s := range t.AWS.Subnets {
		byID[s.ID] = i
		free[s.Zone] += int(s.AvailableIPs)
	}
	reported := map[string]bool{}
	for _, g := range t.Groups {
		if g.LoadBalancer == nil {
			continue
		}
		for _, id := range g.LoadBalancer.Subnets {
			i, ok := byID[id]
			if !ok || reported[id] {
				continue
			}
			s := t.AWS.Subnets[i]
			if s.AvailableIPs < 8 {
				reported[id] = true
				out = append(out, Finding{Severity: Error, Code: CodeSubnetALB, Objects: refs(topology.ObjectRef{Kind: "Subnet", Name: s.ID}),
					Message: fmt.Sprintf("subnet %s (%s) has %d free addresses; an ALB needs at least 8 in each of its subnets, and subnet discovery skips it", s.ID, s.Zone, s.AvailableIPs),
					Remedy:  "free addresses or add a larger subnet in " + s.Zone + " tagged for load balancers"})
			}
		}
	}
	// Pods that ip mode will register, per zone of their node.
	need := map[string]int{}
	var objs = map[string][]topology.ObjectRef{}
	for _, in := range t.ALBIngresses() {
		for _, b := range in.Backends {
			if b.Config.TargetType != v1beta1.TargetTypeInstance {
				continue
			}
			for _, p := range b.Pods {
				n := t.Node(p.Spec.NodeName)
				if n == nil {
					continue
				}
				z := n.Labels[ZoneLabel]
				need[z]++
				if len(objs[z]) < 5 {
					objs[z] = append(objs[z], in.Ref())
				}
			}
		}
	}
	zones := make([]string, 0, len(need))
	for z := range need {
		zones = append(zones, z)
	}
	sort.Strings(zones)
	for _, z := range zones {
		if z == "" {
			continue
		}
		if want := need[z] + o.warm(); free[z] < want {
			out = append(out, Finding{Severity: Warning, Code: CodeSubnetPods, Objects: dedupe(objs[z]),
				Message: fmt.Sprintf("zone %s: subnets have %d free addresses; ip mode registers %d pods there plus a warm pool of %d", z, free[z], need[z], o.warm()),
				Remedy:  "add subnet capacity (or a secondary CIDR) in " + z + " before moving to ip targets"})
		}
	}
	return out
}

func dedupe(in []topology.ObjectRef) []topology.ObjectRef {
	seen := map[topology.ObjectRef]bool{}
	var out []topology.ObjectRef
	for _, r := range in {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
