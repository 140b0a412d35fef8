package plan

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// classify decides, for every Ingress, whether it moves, stays or is blocked:
// ALB Ingresses in instance mode or on an ALB of their own move; other
// controllers' Ingresses are never touched; an Ingress the controller cannot
// build (or whose kept group it cannot build) is blocked with an error
// finding, and the rest is still planned.
func (b *builder) classify() {
	t := b.t
	for _, in := range t.Ingresses {
		b.names[in.Key()] = true
		if len(in.Object.Status.LoadBalancer.Ingress) > 0 {
			b.anyStatus = true
		}
	}
	for _, g := range t.Groups {
		if g.ID.IsExplicit() && b.o.Regroup && !pinned(g) && (groupHasInstance(g) || len(g.Conflicts) > 0) {
			b.regroup[g] = true
		}
	}
	reportedGroup := map[*topology.Group]bool{}
	for _, in := range t.ALBIngresses() {
		g := in.Group
		instance := hasInstance(in)
		inPlace := g.ID.IsExplicit() && !b.regroup[g]
		switch {
		case inPlace && !instance:
			continue // already ip on a shared ALB: nothing to do
		case !g.ID.IsExplicit() && !instance && b.o.GroupBy.Mode == GroupByNone:
			continue
		}
		if reason, remedy := blockingProblem(in); reason != "" {
			b.add(finding(scan.Error, CodeBlocked, fmt.Sprintf("Ingress %s is not planned: %s", in.Key(), reason), remedy, in.Ref()))
			continue
		}
		if inPlace {
			if why := groupBlocked(g); why != "" {
				if !reportedGroup[g] {
					reportedGroup[g] = true
					b.add(finding(scan.Error, scan.CodeGroupConflict,
						fmt.Sprintf("group %s is kept (existing explicit group) but the controller cannot build it: %s; its Ingresses are not planned", g.ID, why),
						"fix the group's members, or pass --regroup to plan them into new conflict-free groups", groupRefs(g)...))
				}
				continue
			}
		}
		if reason, remedy := targetTypeOverride(in); reason != "" {
			b.add(finding(scan.Error, CodeTargetTypeOverride, fmt.Sprintf("Ingress %s is not planned: %s", in.Key(), reason), remedy, in.Ref()))
			continue
		}
		if !inPlace {
			if tgs := unmanagedTargets(in); len(tgs) > 0 {
				b.add(finding(scan.Error, CodeUnmanagedTarget,
					fmt.Sprintf("Ingress %s is not planned: its actions forward to target group(s) %s, which an ALB's rules share with no other ALB; a copy on a new ALB cannot use them", in.Key(), strings.Join(tgs, ", ")),
					"move those rules to Service backends first, or keep the Ingress in its group (without --regroup, or with --group-by none for an explicit group)", in.Ref()))
				continue
			}
		} else if n, tuples := maxShiftTuples(in); n > b.o.Limits.TargetGroupsPerAction {
			b.add(finding(scan.Error, CodeBlocked,
				fmt.Sprintf("Ingress %s is not planned: shifting its weighted action %s in place needs %d target groups in one action, over the quota of %d", in.Key(), tuples, n, b.o.Limits.TargetGroupsPerAction),
				"split the action, or pass --regroup to move it to a new ALB by DNS instead", in.Ref()))
			continue
		}
		hp := b.planHealthCheck(in)
		if hp.block != "" {
			b.add(finding(scan.Error, CodeBlocked, fmt.Sprintf("Ingress %s is not planned: %s", in.Key(), hp.block), hp.remedy, in.Ref()))
			continue
		}
		m := &move{in: in, inPlace: inPlace, liveALB: b.hasLiveALB(in), annotations: hp.annotations, notes: hp.findings}
		m.newName = b.copyName(in)
		b.moves = append(b.moves, m)
		b.moveOf[in] = m
	}
	sort.SliceStable(b.moves, func(i, j int) bool { return b.moves[i].in.Key() < b.moves[j].in.Key() })
}

// copyName is <name><suffix>, or with -2, -3… when that name is taken.
func (b *builder) copyName(in *topology.Ingress) string {
	base := in.Object.Name + b.o.Suffix
	name := base
	for i := 2; b.names[ingressKey(in.Object.Namespace, name)]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	b.names[ingressKey(in.Object.Namespace, name)] = true
	return name
}

func hasInstance(in *topology.Ingress) bool {
	for _, be := range in.Backends {
		if be.Config.TargetType == v1beta1.TargetTypeInstance {
			return true
		}
	}
	return false
}

func groupHasInstance(g *topology.Group) bool {
	for _, in := range g.Ingresses {
		if hasInstance(in) {
			return true
		}
	}
	return false
}

// pinned reports a group named by IngressClassParams: an annotation cannot
// move its members elsewhere.
func pinned(g *topology.Group) bool {
	for _, in := range g.Ingresses {
		if in.Params != nil && in.Params.Spec.Group != nil {
			return true
		}
	}
	return false
}

func groupRefs(g *topology.Group) []topology.ObjectRef {
	out := make([]topology.ObjectRef, 0, len(g.Ingresses))
	for _, in := range g.Ingresses {
		out = append(out, in.Ref())
	}
	return out
}

// blockingProblem is why the controller cannot build the Ingress itself
// (a value it rejects, a missing class, Service or port); a copy would
// inherit it.
func blockingProblem(in *topology.Ingress) (string, string) {
	for _, err := range in.Errors {
		if errors.Is(err, lbc.ErrTolerated) {
			continue
		}
		var ae *lbc.AnnotationError
		if errors.As(err, &ae) {
			return fmt.Sprintf("annotation %s=%q: %v", ae.Annotation, ae.Value, ae.Err), fmt.Sprintf("write %s as %s, then plan again", ae.Annotation, ae.Expected)
		}
		return err.Error(), "fix the Ingress (see `" + buildinfo.Command() + " scan`), then plan again"
	}
	for _, be := range in.Backends {
		if be.Err != nil {
			return fmt.Sprintf("backend %s:%s: %v", be.Ref.Service, be.Ref.Port.String(), be.Err), "create the Service and port, or fix the Ingress backend"
		}
	}
	return "", ""
}

// groupBlocked is why the controller cannot reconcile a kept group: member
// conflicts, or one member it cannot build.
func groupBlocked(g *topology.Group) string {
	if len(g.Conflicts) > 0 {
		var parts []string
		for _, c := range g.Conflicts {
			what := c.Annotation
			if c.Key != "" {
				what += " key " + c.Key
			}
			if c.Port != 0 {
				what += fmt.Sprintf(" on port %d", c.Port)
			}
			parts = append(parts, what)
		}
		return "members set " + strings.Join(parts, ", ") + " differently"
	}
	for _, err := range g.Errors {
		if !errors.Is(err, lbc.ErrTolerated) {
			return err.Error()
		}
	}
	for _, in := range g.Ingresses {
		if reason, _ := blockingProblem(in); reason != "" {
			return "member " + in.Key() + ": " + reason
		}
	}
	return ""
}

// targetTypeOverride finds settings that win over the copy's target-type
// annotation: a Service annotation (shared with the old Ingress, so changing
// it would flip the old one too) or IngressClassParams.
func targetTypeOverride(in *topology.Ingress) (string, string) {
	if in.Params != nil && in.Params.Spec.TargetType != nil && *in.Params.Spec.TargetType != v1beta1.TargetTypeIP {
		return fmt.Sprintf("IngressClassParams %s sets targetType %s, which wins over annotations", in.Params.Name, *in.Params.Spec.TargetType),
			"use an IngressClass whose IngressClassParams set targetType ip (or none)"
	}
	for _, be := range in.Backends {
		if be.Service == nil {
			continue
		}
		if v, ok := be.Service.Annotations[lbc.Key(lbc.SuffixTargetType)]; ok && v != string(v1beta1.TargetTypeIP) {
			return fmt.Sprintf("Service %s/%s sets %s: %s, which wins over the Ingress and would flip the old Ingress too", be.Service.Namespace, be.Service.Name, lbc.Key(lbc.SuffixTargetType), v),
				"move the annotation from the Service to the Ingresses that use it, then plan again"
		}
	}
	return "", ""
}

// unmanagedTargets lists target groups an Ingress's actions forward to by
// ARN or name.
func unmanagedTargets(in *topology.Ingress) []string {
	var out []string
	seen := map[string]bool{}
	add := func(a *lbc.Action) {
		if a == nil || a.ForwardConfig == nil {
			return
		}
		for _, tt := range a.ForwardConfig.TargetGroups {
			var s string
			switch {
			case tt.TargetGroupARN != nil:
				s = *tt.TargetGroupARN
			case tt.TargetGroupName != nil:
				s = *tt.TargetGroupName
			default:
				continue
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	for _, r := range in.Rules {
		add(r.Action)
	}
	if dt, _ := lbc.DefaultTarget(in.Object, in.Config); dt != nil {
		add(dt.Action)
	}
	sort.Strings(out)
	return out
}

// maxShiftTuples is the most target groups one action needs while traffic
// shifts in place: each Service tuple is doubled (old and new target group).
func maxShiftTuples(in *topology.Ingress) (int, string) {
	best, name := 0, ""
	for _, r := range in.Rules {
		n := 2
		label := fmt.Sprintf("for hosts %v paths %v", r.Hosts, r.Paths)
		if r.Action != nil {
			if r.Action.ForwardConfig == nil {
				continue
			}
			n = 0
			for _, tt := range r.Action.ForwardConfig.TargetGroups {
				if tt.ServiceName != nil {
					n += 2
				} else {
					n++
				}
			}
		}
		if n > best {
			best, name = n, label
		}
	}
	return best, name
}

// hasLiveALB tells whether the Ingress's group has an ALB today: the joined
// one when AWS was read, else an address in the Ingress status; with neither
// AWS nor any status in the input (plain manifests) it is assumed.
func (b *builder) hasLiveALB(in *topology.Ingress) bool {
	if b.t.AWS != nil {
		return in.Group.LoadBalancer != nil
	}
	if len(in.Object.Status.LoadBalancer.Ingress) > 0 {
		return true
	}
	return !b.anyStatus
}
