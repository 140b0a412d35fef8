package plan

import (
	"fmt"
	"sort"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Phase names.
const (
	PhasePreflight = "preflight"
	PhaseCreate    = "create"
	PhaseRestart   = "restart"
	PhaseWait      = "wait-healthy"
	PhaseShift     = "shift-traffic"
	PhaseCleanup   = "cleanup"
	PhaseVerify    = "verify"
)

// replacements predicts, with the controller's naming, what it creates when
// the copies appear and deletes when the old Ingresses go: a new target group
// and TargetGroupBinding per copy backend (the target type, Ingress and group
// are in the name hash), a new ALB (and managed security group) per new group
// with a new DNS name, and the old ALB of every group that loses its last
// Ingress.
func (b *builder) replacements() []Replacement {
	var out []Replacement
	cluster := b.t.Cluster
	for _, bn := range b.bins {
		if bn.after == nil || len(bn.moves) == 0 {
			continue
		}
		first := bn.moves[0].ref()
		if !bn.inPlace {
			out = append(out, Replacement{Phase: PhaseCreate, Action: Create, Kind: "LoadBalancer", Name: bn.after.LoadBalancerName, Group: bn.displayName(), For: first,
				Because: fmt.Sprintf("new group %s: the controller creates a new ALB with a new DNS name (the group and scheme are in the name hash)", bn.displayName())})
			if _, own := bn.moves[0].in.Config.Exclusive[lbc.SuffixSecurityGroups]; !own {
				out = append(out, Replacement{Phase: PhaseCreate, Action: Create, Kind: "SecurityGroup", Name: lbc.ManagedSecurityGroupName(cluster, bn.id), Group: bn.displayName(), For: first,
					Because: "the managed frontend security group of the new ALB"})
			}
		}
		for _, m := range bn.moves {
			old := map[string]*topology.Backend{}
			for _, be := range m.in.Backends {
				old[be.Ref.Service+":"+be.Ref.Port.String()] = be
			}
			for _, be := range m.backends {
				if be.TargetGroupName == "" {
					continue
				}
				because := fmt.Sprintf("the copy %s moves Service %s:%s to group %s (group and Ingress are in the name hash)", m.newName, be.Ref.Service, be.Ref.Port.String(), bn.displayName())
				if o := old[be.Ref.Service+":"+be.Ref.Port.String()]; o != nil && o.Config.TargetType == v1beta1.TargetTypeInstance {
					because = fmt.Sprintf("target type instance → ip for Service %s:%s (the target type is in the name hash)", be.Ref.Service, be.Ref.Port.String())
				}
				out = append(out,
					Replacement{Phase: PhaseCreate, Action: Create, Kind: "TargetGroup", Name: be.TargetGroupName, Group: bn.displayName(), For: m.ref(), Because: because},
					Replacement{Phase: PhaseCreate, Action: Create, Kind: "TargetGroupBinding", Namespace: m.in.Object.Namespace, Name: be.TargetGroupName, Group: bn.displayName(), For: m.ref(), Because: because})
			}
			for _, be := range m.in.Backends {
				name := be.TargetGroupName
				if be.TargetGroup != nil {
					name = be.TargetGroup.Name
				}
				if name == "" || (!m.liveALB && be.TargetGroup == nil) {
					continue
				}
				binding := name
				if be.Binding != nil {
					binding = be.Binding.Name
				}
				because := fmt.Sprintf("its Ingress %s is deleted after cut-over", m.in.Key())
				out = append(out,
					Replacement{Phase: PhaseCleanup, Action: Delete, Kind: "TargetGroup", Name: name, Group: m.in.Group.ID.String(), For: m.ref(), Because: because},
					Replacement{Phase: PhaseCleanup, Action: Delete, Kind: "TargetGroupBinding", Namespace: m.in.Object.Namespace, Name: binding, Group: m.in.Group.ID.String(), For: m.ref(), Because: because})
			}
		}
	}
	for _, g := range b.emptied() {
		name, dns := g.LoadBalancerName, ""
		if g.LoadBalancer != nil {
			name, dns = g.LoadBalancer.Name, g.LoadBalancer.DNSName
		} else {
			for _, in := range g.Ingresses {
				if st := in.Object.Status.LoadBalancer.Ingress; len(st) > 0 && dns == "" {
					dns = st[0].Hostname
				}
			}
		}
		first := g.Ingresses[0].Ref()
		out = append(out, Replacement{Phase: PhaseCleanup, Action: Delete, Kind: "LoadBalancer", Name: name, DNSName: dns, Group: g.ID.String(), For: first,
			Because: fmt.Sprintf("group %s loses its last Ingress, so the controller deletes its ALB", g.ID)})
		if _, own := g.Ingresses[0].Config.Exclusive[lbc.SuffixSecurityGroups]; !own {
			out = append(out, Replacement{Phase: PhaseCleanup, Action: Delete, Kind: "SecurityGroup", Name: lbc.ManagedSecurityGroupName(cluster, g.ID), Group: g.ID.String(), For: first,
				Because: "the managed frontend security group of the deleted ALB"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, c := out[i], out[j]
		if a.Phase != c.Phase {
			return a.Phase == PhaseCreate
		}
		if a.Kind != c.Kind {
			return kindRank(a.Kind) < kindRank(c.Kind)
		}
		if a.Namespace != c.Namespace {
			return a.Namespace < c.Namespace
		}
		return a.Name < c.Name
	})
	if out == nil {
		out = []Replacement{}
	}
	return out
}

func kindRank(k string) int {
	switch k {
	case "LoadBalancer":
		return 0
	case "SecurityGroup":
		return 1
	case "TargetGroup":
		return 2
	}
	return 3
}

// emptied are today's groups with an ALB that lose every member: all of
// them move to new groups and are deleted in phase 6.
func (b *builder) emptied() []*topology.Group {
	var out []*topology.Group
	for _, g := range b.t.Groups {
		all := len(g.Ingresses) > 0
		live := false
		for _, in := range g.Ingresses {
			m := b.moveOf[in]
			if m == nil || m.inPlace {
				all = false
				break
			}
			live = live || m.liveALB
		}
		if all && live {
			out = append(out, g)
		}
	}
	return out
}
