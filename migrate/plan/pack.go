package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// bin is one planned group: one ALB.
type bin struct {
	// name is the group.name; empty for an implicit group (--group-by none).
	name    string
	id      lbc.GroupID
	scheme  string
	ipType  string
	inPlace bool
	// existing is the kept group an in-place bin changes.
	existing *topology.Group
	moves    []*move
	// stays are the existing members of an in-place group that do not move.
	stays []*topology.Ingress
	acc   accum
	why   string
	split string
	// after is the group in the predicted topology.
	after *topology.Group
	// renumber are new group.order values for kept members of an in-place
	// group, when the copies need room.
	renumber map[*topology.Ingress]int32
	// undoShift are the phase-2 manifests that put the weights back.
	undoShift []string
}

func (bn *bin) displayName() string { return bn.id.String() }

// load is what one Ingress adds to its ALB's quotas.
type load struct {
	rules, tgs, targets int
	// tgTargets is the largest target group's targets, against the
	// per-target-group quota no split can help.
	tgTargets int
	// tgTargetsOf names the backend with tgTargets.
	tgTargetsOf string
	certs       []string
	ports       []lbc.ListenPort
	tags, attrs map[string]string
	hasDefault  bool
	hosts       []string
}

// accum is a bin's running total, with the merged settings members must
// agree on (listener protocols, tag and attribute values, one default
// backend).
type accum struct {
	rules, tgs, targets int
	certs               map[string]bool
	ports               map[int32]string
	tags, attrs         map[string]string
	hasDefault          bool
}

func newAccum() accum {
	return accum{certs: map[string]bool{}, ports: map[int32]string{}, tags: map[string]string{}, attrs: map[string]string{}}
}

func (a *accum) add(l load) {
	a.rules += l.rules
	a.tgs += l.tgs
	a.targets += l.targets
	for _, c := range l.certs {
		a.certs[c] = true
	}
	for _, p := range l.ports {
		if _, ok := a.ports[p.Port]; !ok {
			a.ports[p.Port] = p.Protocol
		}
	}
	for k, v := range l.tags {
		a.tags[k] = v
	}
	for k, v := range l.attrs {
		a.attrs[k] = v
	}
	a.hasDefault = a.hasDefault || l.hasDefault
}

func certCount(certs map[string]bool) int {
	if len(certs) == 0 {
		return 0
	}
	return len(certs) - 1
}

// loadOf sizes an Ingress on its new ALB: its rules (the controller makes
// one per path and listener), target groups (one per Service port), explicit
// certificates, targets (ip mode: one per pod) and listeners.
func (b *builder) loadOf(m *move) load {
	in := m.in
	l := load{rules: len(in.Rules), tgs: len(in.Backends), certs: in.Config.Certificates(), ports: in.Config.ListenPorts,
		tags: in.Config.Tags, attrs: in.Config.AnnotationLoadBalancerAttributes, hasDefault: in.Object.Spec.DefaultBackend != nil}
	for _, be := range in.Backends {
		n := b.workloads.targetCount(be)
		l.targets += n
		if n > l.tgTargets {
			l.tgTargets, l.tgTargetsOf = n, be.ServiceRef().Namespace+"/"+be.ServiceRef().Name
		}
	}
	seen := map[string]bool{}
	for _, r := range in.Object.Spec.Rules {
		if r.Host != "" && !seen[r.Host] {
			seen[r.Host] = true
			l.hosts = append(l.hosts, r.Host)
		}
	}
	sort.Strings(l.hosts)
	return l
}

// fits tells whether a load can join a bin, and if not the first reason.
func (b *builder) fits(a *accum, l load) (bool, string) {
	lim := b.o.Limits
	if lim.TargetsPerTargetGroup > 0 && l.tgTargets > lim.TargetsPerTargetGroup {
		return false, fmt.Sprintf("about %d ip targets (ready endpoints) in the target group of Service %s, over the quota of %d per target group", l.tgTargets, l.tgTargetsOf, lim.TargetsPerTargetGroup)
	}
	if n := a.rules + l.rules; lim.RulesPerALB > 0 && n > lim.RulesPerALB {
		return false, fmt.Sprintf("%d listener rules, over the quota of %d per ALB", n, lim.RulesPerALB)
	}
	if n := a.tgs + l.tgs; lim.TargetGroupsPerALB > 0 && n > lim.TargetGroupsPerALB {
		return false, fmt.Sprintf("%d target groups, over the quota of %d per ALB", n, lim.TargetGroupsPerALB)
	}
	certs := map[string]bool{}
	for c := range a.certs {
		certs[c] = true
	}
	for _, c := range l.certs {
		certs[c] = true
	}
	if n := certCount(certs); lim.CertificatesPerALB > 0 && n > lim.CertificatesPerALB {
		return false, fmt.Sprintf("%d certificates besides the default, over the quota of %d per ALB", n, lim.CertificatesPerALB)
	}
	if n := a.targets + l.targets; lim.TargetsPerALB > 0 && n > lim.TargetsPerALB {
		return false, fmt.Sprintf("about %d ip targets (pods), over the quota of %d per ALB", n, lim.TargetsPerALB)
	}
	ports := len(a.ports)
	for _, p := range l.ports {
		proto, ok := a.ports[p.Port]
		if !ok {
			ports++
			continue
		}
		if proto != p.Protocol {
			return false, fmt.Sprintf("listen-ports: port %d is %s for some members and %s for others", p.Port, proto, p.Protocol)
		}
	}
	if lim.ListenersPerALB > 0 && ports > lim.ListenersPerALB {
		return false, fmt.Sprintf("%d listeners, over the quota of %d per ALB", ports, lim.ListenersPerALB)
	}
	for k, v := range l.tags {
		if w, ok := a.tags[k]; ok && w != v {
			return false, fmt.Sprintf("tags: key %s is %q for some members and %q for others", k, w, v)
		}
	}
	for k, v := range l.attrs {
		if w, ok := a.attrs[k]; ok && w != v {
			return false, fmt.Sprintf("load-balancer-attributes: key %s is %q for some members and %q for others", k, w, v)
		}
	}
	if a.hasDefault && l.hasDefault {
		return false, "spec.defaultBackend: only one member of a group may set it"
	}
	return true, ""
}

// quotaCode is the scan's finding code for the quota a reason names.
func quotaCode(reason string) string {
	switch {
	case strings.Contains(reason, "per target group"):
		return CodeTargetGroupTargets
	case strings.Contains(reason, "listener rules"):
		return scan.CodeGroupRules
	case strings.Contains(reason, "target groups"):
		return scan.CodeGroupTargetGroups
	case strings.Contains(reason, "certificates"):
		return scan.CodeGroupCertificates
	case strings.Contains(reason, "listeners,"):
		return scan.CodeGroupListeners
	case strings.Contains(reason, "targets"):
		return scan.CodeInstanceTargets
	}
	return scan.CodeGroupConflict
}

// unit is Ingresses that must share an ALB because they serve the same host.
type unit struct {
	moves []*move
	load  load
}

// units joins the partition's Ingresses that share a host (union-find),
// in member order.
func units(ms []*move) []*unit {
	parent := make([]int, len(ms))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	byHost := map[string]int{}
	for i, m := range ms {
		for _, h := range m.load.hosts {
			if j, ok := byHost[h]; ok {
				a, c := find(i), find(j)
				if a < c {
					parent[c] = a
				} else {
					parent[a] = c
				}
			} else {
				byHost[h] = i
			}
		}
	}
	idx := map[int]*unit{}
	var out []*unit
	for i, m := range ms {
		r := find(i)
		u := idx[r]
		if u == nil {
			u = &unit{}
			idx[r] = u
			out = append(out, u)
		}
		u.moves = append(u.moves, m)
	}
	for _, u := range out {
		a := newAccum()
		for _, m := range u.moves {
			a.add(m.load)
			u.load.hosts = append(u.load.hosts, m.load.hosts...)
		}
		u.load.rules, u.load.tgs, u.load.targets, u.load.hasDefault = a.rules, a.tgs, a.targets, a.hasDefault
		for _, m := range u.moves {
			if m.load.tgTargets > u.load.tgTargets {
				u.load.tgTargets, u.load.tgTargetsOf = m.load.tgTargets, m.load.tgTargetsOf
			}
		}
		for c := range a.certs {
			u.load.certs = append(u.load.certs, c)
		}
		sort.Strings(u.load.certs)
		for p, proto := range a.ports {
			u.load.ports = append(u.load.ports, lbc.ListenPort{Port: p, Protocol: proto})
		}
		sort.Slice(u.load.ports, func(i, j int) bool { return u.load.ports[i].Port < u.load.ports[j].Port })
		u.load.tags, u.load.attrs = a.tags, a.attrs
	}
	return out
}

// pack places a partition's units first-fit into as few bins as the quotas
// and merged settings allow. One bin keeps the partition's name; several are
// NAME-1, NAME-2, … in member order, and the plan says why.
func (b *builder) pack(p *partition, reserved map[string]bool) {
	var bins []*bin
	var reasons []string
	for _, u := range units(p.moves) {
		empty := newAccum()
		if ok, why := b.fits(&empty, u.load); !ok {
			var refs []topology.ObjectRef
			var keys []string
			for _, m := range u.moves {
				refs = append(refs, m.ref())
				keys = append(keys, m.in.Key())
			}
			b.add(finding(scan.Error, quotaCode(why),
				fmt.Sprintf("%s alone need(s) %s: no split of the group can hold it, so it is not planned", strings.Join(keys, ", "), why),
				"raise the quota (--limits, or a Service Quotas increase) or split the Ingress", refs...))
			continue
		}
		placed := false
		for _, bn := range bins {
			if ok, _ := b.fits(&bn.acc, u.load); ok {
				bn.add(u)
				placed = true
				break
			}
		}
		if !placed {
			if len(bins) > 0 {
				_, why := b.fits(&bins[len(bins)-1].acc, u.load)
				reasons = append(reasons, why)
			}
			bn := &bin{acc: newAccum(), scheme: p.sig.scheme, ipType: p.sig.ipType}
			bn.add(u)
			bins = append(bins, bn)
		}
	}
	if len(bins) == 0 {
		return
	}
	names := b.binNames(p, len(bins), reserved)
	for i, bn := range bins {
		bn.name = names[i]
		bn.id = lbc.GroupID{Name: bn.name}
		if bn.name == "" { // implicit: one Ingress, its copy is the group
			m := bn.moves[0]
			bn.id = lbc.GroupID{Namespace: m.in.Object.Namespace, Name: m.newName}
			bn.why = "own ALB (--group-by none): only the target type changes"
		} else {
			bn.why = fmt.Sprintf("%s, %s", bucketLabel(p.key), describeSig(p.sig))
		}
		if len(bins) > 1 {
			bn.split = fmt.Sprintf("split into %s: on one ALB the members would need %s", joinNames(names), reasons[0])
		}
		b.bins = append(b.bins, bn)
	}
	if len(bins) > 1 {
		var refs []topology.ObjectRef
		for _, m := range p.moves {
			refs = append(refs, m.ref())
		}
		total := newAccum()
		for _, m := range p.moves {
			total.add(m.load)
		}
		b.add(finding(scan.Info, CodeGroupSplit,
			fmt.Sprintf("%s needs %d rules, %d target groups, %d certificates, about %d targets and %d listeners; it is split deterministically into %s (%s)",
				bucketLabel(p.key)+" ("+describeSig(p.sig)+")", total.rules, total.tgs, certCount(total.certs), total.targets, len(total.ports), joinNames(names), reasons[0]),
			"nothing to do; to keep one ALB, raise the quota and pass it with --limits", refs...))
	}
}

func (bn *bin) add(u *unit) {
	for _, m := range u.moves {
		bn.moves = append(bn.moves, m)
		m.bin = bn
	}
	bn.acc.add(u.load)
}

func joinNames(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:3], ", ") + ", …, " + names[len(names)-1]
	}
	return strings.Join(names, ", ")
}

// binNames names n bins of a partition: NAME, or NAME-1…NAME-n; a name an
// existing group (or an earlier bin) already uses gets "-shared", "-shared-2"….
func (b *builder) binNames(p *partition, n int, reserved map[string]bool) []string {
	if p.name == "" {
		return make([]string, n)
	}
	try := func(base string) []string {
		if n == 1 {
			return []string{base}
		}
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s-%d", base, i+1)
		}
		return out
	}
	base := p.name
	for i := 1; ; i++ {
		names := try(base)
		free := true
		for _, nm := range names {
			if reserved[nm] || len(nm) > 63 {
				free = false
			}
		}
		if free {
			for _, nm := range names {
				reserved[nm] = true
			}
			if base != p.name {
				var refs []topology.ObjectRef
				for _, m := range p.moves {
					refs = append(refs, m.ref())
				}
				b.add(finding(scan.Info, CodeGroupRenamed,
					fmt.Sprintf("group name %s is taken by an existing group; the plan uses %s", p.name, base), "", refs...))
			}
			return names
		}
		base = p.name + "-shared"
		if i > 1 {
			base = fmt.Sprintf("%s-shared-%d", p.name, i)
		}
		if len(base) > 50 {
			base = base[len(base)-50:]
		}
	}
}

// inPlaceBin keeps an explicit group: the copies join it beside the old
// Ingresses. The ALB then holds both for a while, so the quotas are checked
// for that moment; over them, the group's moves are blocked.
func (b *builder) inPlaceBin(g *topology.Group, ms []*move) {
	bn := &bin{name: g.ID.Name, id: g.ID, inPlace: true, existing: g, scheme: g.Scheme, acc: newAccum()}
	bn.ipType = lbc.IPAddressTypeIPv4
	if len(g.Ingresses) > 0 {
		bn.ipType = g.Ingresses[0].Config.IPAddressType
	}
	moving := map[*topology.Ingress]bool{}
	for _, m := range ms {
		moving[m.in] = true
	}
	nodes := len(b.t.Objects.Nodes)
	for _, in := range g.Ingresses {
		l := load{rules: len(in.Rules), tgs: len(in.Backends), certs: in.Config.Certificates(), ports: in.Config.ListenPorts}
		for _, be := range in.Backends {
			if be.Config.TargetType == v1beta1.TargetTypeInstance {
				l.targets += nodes
			} else {
				l.targets += b.workloads.targetCount(be)
			}
		}
		bn.acc.add(l)
		if !moving[in] {
			bn.stays = append(bn.stays, in)
		}
	}
	// The copies' load, without the merged-settings checks: a copy repeats
	// its original's values.
	var refs []topology.ObjectRef
	for _, m := range ms {
		l := m.load
		l.tags, l.attrs, l.hasDefault = nil, nil, false
		if ok, why := b.fits(&bn.acc, l); !ok {
			for _, m := range ms {
				refs = append(refs, m.ref())
			}
			b.add(finding(scan.Error, quotaCode(why),
				fmt.Sprintf("group %s is changed in place, so old and new Ingresses share its ALB during the migration: that needs %s; its Ingresses are not planned", g.ID, why),
				"pass --regroup to move them to new groups (new ALBs) instead, or raise the quota", refs...))
			return
		}
		bn.acc.add(l)
	}
	why := fmt.Sprintf("existing explicit group %s, kept (pass --regroup to dissolve it)", g.ID)
	if pinned(g) {
		why = fmt.Sprintf("existing group %s, set by IngressClassParams, kept", g.ID)
	}
	bn.why = why
	for _, m := range ms {
		m.bin = bn
		bn.moves = append(bn.moves, m)
	}
	b.bins = append(b.bins, bn)
}

// usage is the bin's quota use, from the predicted topology when there is one.
type usage struct{ rules, tgs, certs, targets, listeners int }

func (bn *bin) usage() usage {
	u := usage{rules: bn.acc.rules, tgs: bn.acc.tgs, certs: certCount(bn.acc.certs), targets: bn.acc.targets, listeners: len(bn.acc.ports)}
	if g := bn.after; g != nil {
		u.rules, u.listeners = len(g.Rules), len(g.Listeners)
		u.tgs = 0
		for _, in := range g.Ingresses {
			u.tgs += len(in.Backends)
		}
		certs := map[string]bool{}
		for _, l := range g.Listeners {
			for _, c := range l.Certificates {
				certs[c] = true
			}
		}
		u.certs = certCount(certs)
	}
	return u
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:6]
}
