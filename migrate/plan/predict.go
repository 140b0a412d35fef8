package plan

import (
	"errors"
	"fmt"
	"sort"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// predict builds the topology as it will be once the phase-2 manifests are
// applied (old and new Ingresses side by side, renumbered orders) with the
// code the controller emulator runs, and reads the predictions off it: each
// group's ALB name and rules, each copy's target groups. Anything the
// controller would refuse there (a conflict, a member it cannot build) is an
// error finding: the plan's packing should have prevented it.
func (b *builder) predict() {
	objs := b.afterObjects(true)
	d := b.t.Defaults // the controller's flags, as the topology was read under them
	d.ClusterName = b.t.Cluster
	// The predicted world has no live AWS objects yet, only the ACM
	// certificates the copies' discovery by host picks from.
	var certs *awsapi.State
	if b.t.AWS != nil && b.t.AWS.CertificatesRead {
		certs = &awsapi.State{Certificates: b.t.AWS.Certificates, CertificatesRead: true}
	}
	b.after = topology.Build(objs, certs, topology.Options{Defaults: d})
	groups := make(map[lbc.GroupID]*topology.Group, len(b.after.Groups))
	for _, g := range b.after.Groups {
		groups[g.ID] = g
	}
	copies := make(map[string]*topology.Ingress, len(b.moves))
	for _, in := range b.after.Ingresses {
		if _, ok := in.Object.Annotations[AnnotationMigratedFrom]; ok {
			copies[in.Key()] = in
		}
	}
	for _, bn := range b.bins {
		g := groups[bn.id]
		bn.after = g
		if g == nil {
			b.add(finding(scan.Error, CodePredictionMismatch, fmt.Sprintf("group %s is missing from the predicted topology", bn.displayName()), "report this as an lbctl bug", bn.refs()...))
			continue
		}
		if len(g.Conflicts) > 0 {
			c := g.Conflicts[0]
			b.add(finding(scan.Error, CodePredictionMismatch,
				fmt.Sprintf("group %s as planned has conflicting %s (%v): the controller would not reconcile it", bn.displayName(), lbc.Key(c.Annotation), c.Values),
				"report this as an lbctl bug; meanwhile plan with --group-by none", bn.refs()...))
		}
		for _, err := range g.Errors {
			if !errors.Is(err, lbc.ErrTolerated) {
				b.add(finding(scan.Error, CodePredictionMismatch, fmt.Sprintf("group %s as planned: %v", bn.displayName(), err), "report this as an lbctl bug", bn.refs()...))
			}
		}
		for _, m := range bn.moves {
			in := copies[ingressKey(m.in.Object.Namespace, m.newName)]
			if in == nil {
				continue
			}
			m.backends = in.Backends
			for _, err := range in.Errors {
				if !errors.Is(err, lbc.ErrTolerated) {
					b.add(finding(scan.Error, CodePredictionMismatch, fmt.Sprintf("copy %s/%s as planned: %v", m.in.Object.Namespace, m.newName, err), "report this as an lbctl bug", m.ref()))
				}
			}
		}
		u := bn.usage()
		lim := b.o.Limits
		for _, q := range []struct {
			code, what string
			used, max  int
		}{
			{scan.CodeGroupRules, "rules", u.rules, lim.RulesPerALB},
			{scan.CodeGroupTargetGroups, "target groups", u.tgs, lim.TargetGroupsPerALB},
			{scan.CodeGroupListeners, "listeners", u.listeners, lim.ListenersPerALB},
			{scan.CodeGroupCertificates, "certificates", u.certs, lim.CertificatesPerALB},
		} {
			if q.max > 0 && q.used > q.max {
				b.add(finding(scan.Error, q.code,
					fmt.Sprintf("group %s as planned needs %d %s, over the quota of %d", bn.displayName(), q.used, q.what, q.max),
					"report this as an lbctl bug; meanwhile lower --limits", bn.refs()...))
			}
		}
	}
}

func (bn *bin) refs() []topology.ObjectRef {
	out := make([]topology.ObjectRef, 0, len(bn.moves))
	for _, m := range bn.moves {
		out = append(out, m.ref())
	}
	return out
}

// afterObjects are the input objects with the copies added (phase-2 form)
// and, when renumbered, the kept members' new group.order.
func (b *builder) afterObjects(phase2 bool) *kube.Objects {
	objs := *b.t.Objects
	renumber := map[*networkingv1.Ingress]int32{}
	for _, bn := range b.bins {
		for in, o := range bn.renumber {
			renumber[in.Object] = o
		}
	}
	ings := make([]networkingv1.Ingress, 0, len(objs.Ingresses)+len(b.moves))
	for i := range objs.Ingresses {
		ing := &objs.Ingresses[i]
		if o, ok := renumber[ing]; ok {
			ing = renumbered(ing, o)
		}
		ings = append(ings, *ing)
	}
	for _, m := range b.moves {
		c := m.copy
		if !phase2 && m.final != nil {
			c = m.final
		}
		ings = append(ings, *c)
	}
	// Only the new slice is sorted: the others are shared with the input.
	sort.SliceStable(ings, func(i, j int) bool {
		return ingressKey(ings[i].Namespace, ings[i].Name) < ingressKey(ings[j].Namespace, ings[j].Name)
	})
	objs.Ingresses = ings
	return &objs
}

// renumbered is a kept member with its new group.order.
func renumbered(ing *networkingv1.Ingress, order int32) *networkingv1.Ingress {
	out := ing.DeepCopy()
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[lbc.Key(lbc.SuffixGroupOrder)] = fmt.Sprint(order)
	return out
}
