package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// specificity ranks an Ingress for group.order: the controller evaluates
// lower orders first, so Ingresses whose least specific rule is still narrow
// go first and catch-alls last. host is 0 for exact hosts only, 1 when a rule
// has a wildcard or regex host, 2 when a rule has no host; path is the
// length of the shortest path (longer first); conditions count extra
// conditions (more first).
type specificity struct {
	host, path, conditions int
	rules                  bool
}

func specificityOf(in *topology.Ingress) specificity {
	s := specificity{path: 1 << 30}
	for _, r := range in.Rules {
		s.rules = true
		h := 0
		switch {
		case len(r.Hosts) == 0 && len(r.HostRegex) == 0:
			h = 2
		case len(r.HostRegex) > 0:
			h = 1
		default:
			for _, x := range r.Hosts {
				if strings.ContainsAny(x, "*?") {
					h = 1
				}
			}
		}
		if h > s.host {
			s.host = h
		}
		p := 0
		for _, x := range append(append([]string{}, r.Paths...), r.PathRegex...) {
			n := len(strings.TrimRight(x, "*"))
			if p == 0 || n < p {
				p = n
			}
		}
		if p < s.path {
			s.path = p
		}
		s.conditions += len(r.Conditions)
	}
	if !s.rules {
		s.path = 0
	}
	return s
}

func lessSpecific(a, b specificity) bool {
	if a.rules != b.rules {
		return !a.rules // rule-less (default backend only) last
	}
	if a.host != b.host {
		return a.host > b.host
	}
	if a.path != b.path {
		return a.path < b.path
	}
	return a.conditions < b.conditions
}

// assignOrders gives every copy its group.order. In a new group the most
// specific Ingresses come first, orders 10, 20, … (no duplicates). In a kept
// group each copy goes right before its original so it catches the
// original's traffic (and splits it by weight); when the existing orders
// leave no room, the whole group is renumbered keeping its sequence.
func (b *builder) assignOrders() {
	for _, bn := range b.bins {
		if bn.inPlace {
			b.orderInPlace(bn)
			continue
		}
		if bn.name == "" {
			continue // implicit group: no group.order
		}
		ms := append([]*move(nil), bn.moves...)
		sort.SliceStable(ms, func(i, j int) bool {
			si, sj := specificityOf(ms[i].in), specificityOf(ms[j].in)
			if lessSpecific(si, sj) != lessSpecific(sj, si) {
				return lessSpecific(sj, si)
			}
			return ms[i].in.Key() < ms[j].in.Key()
		})
		step := int32(10)
		if n := int32(len(ms)); n*step > lbc.MaxGroupOrder {
			step = max(1, lbc.MaxGroupOrder/n)
		}
		for i, m := range ms {
			m.order = int32(i+1) * step
		}
		bn.moves = ms
	}
}

// seqItem is one member of a kept group in evaluation order.
type seqItem struct {
	in    *topology.Ingress
	move  *move // set for a copy
	order int32
}

func (b *builder) orderInPlace(bn *bin) {
	g := bn.existing
	var seq []seqItem
	for _, mem := range g.Members { // controller order
		var in *topology.Ingress
		for _, x := range g.Ingresses {
			if x.Object == mem.Ingress {
				in = x
			}
		}
		if m := b.moveOf[in]; m != nil && m.bin == bn {
			seq = append(seq, seqItem{in: in, move: m})
		}
		seq = append(seq, seqItem{in: in, order: mem.Config.Order})
	}
	// Fit each copy just below its original, above whatever precedes it.
	ok := true
	prev := int32(0) // orders 1…1000 work with every controller release
	for i := range seq {
		it := &seq[i]
		if it.move == nil {
			prev = it.order
			continue
		}
		next := seq[i+1].order
		o := next - 1
		if o <= prev || o < 1 {
			ok = false
			break
		}
		it.order = o
		prev = o
	}
	if ok {
		for _, it := range seq {
			if it.move != nil {
				it.move.order = it.order
			}
		}
		return
	}
	// Renumber everyone, keeping the sequence: the old members' group.order
	// is patched in phase 2 (the controller only re-prioritises rules).
	step := int32(10)
	if n := int32(len(seq)); n*step > lbc.MaxGroupOrder {
		step = max(1, lbc.MaxGroupOrder/n)
	}
	var refs []topology.ObjectRef
	var changes []string
	bn.renumber = map[*topology.Ingress]int32{}
	for i, it := range seq {
		o := int32(i+1) * step
		if it.move != nil {
			it.move.order = o
			continue
		}
		bn.renumber[it.in] = o
		refs = append(refs, it.in.Ref())
		changes = append(changes, fmt.Sprintf("%s %d→%d", it.in.Key(), it.order, o))
	}
	b.add(finding(scan.Info, CodeRenumbered,
		fmt.Sprintf("group %s: its group.order values leave no room for each copy right before its original, so phase 2 renumbers the members keeping their sequence (%s)", g.ID, joinShort(changes)),
		"nothing to do: rule evaluation order is unchanged", refs...))
}
