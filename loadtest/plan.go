package loadtest

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// plan is the targets as vegeta sends them, tagged with their index, and
// the order they are picked in.
type plan struct {
	vts    []vegeta.Target
	sets   []string // set names in order of appearance
	setOf  []int    // target → set
	ruleOf []int    // target → rule index within its set
	cycles [][]int  // per set, target indexes in smooth weighted round-robin order
	slot   time.Duration
	n      []atomic.Uint64 // per set
}

func newPlan(targets []Target, slot time.Duration) (*plan, error) {
	p := &plan{slot: slot, setOf: make([]int, len(targets)), ruleOf: make([]int, len(targets))}
	setIdx := map[string]int{}
	var members [][]int
	for i, t := range targets {
		si, ok := setIdx[t.Set]
		if !ok {
			si = len(p.sets)
			setIdx[t.Set] = si
			p.sets = append(p.sets, t.Set)
			members = append(members, nil)
		}
		p.setOf[i] = si
		p.ruleOf[i] = len(members[si])
		members[si] = append(members[si], i)
		vt := vegeta.Target{Method: methodOr(t.Method), URL: tagURL(t.URL, i), Body: t.Body, Header: t.Header}
		if vt.Header == nil {
			vt.Header = http.Header{}
		}
		p.vts = append(p.vts, vt)
	}
	if slot > 0 && len(p.sets) != 2 {
		return nil, fmt.Errorf("an A/B test needs targets in two sets, got %d", len(p.sets))
	}
	for _, m := range members {
		p.cycles = append(p.cycles, wrrCycle(targets, m))
	}
	p.n = make([]atomic.Uint64, len(p.sets))
	return p, nil
}

// wrrCycle lays out the members in smooth weighted round-robin order (as
// nginx balances): over one cycle each appears weight times, spread out.
func wrrCycle(targets []Target, members []int) []int {
	weights := make([]int, len(members))
	total := 0
	for i, ti := range members {
		w := targets[ti].Weight
		if w <= 0 {
			w = 1
		}
		weights[i] = w
		total += w
	}
	g := total
	for _, w := range weights {
		g = gcd(g, w)
	}
	total /= g
	for i := range weights {
		weights[i] /= g
	}
	cur := make([]int, len(members))
	out := make([]int, 0, total)
	for range total {
		best := 0
		for i := range members {
			cur[i] += weights[i]
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, members[best])
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// targeter picks the next target: in an A/B test the set whose slot it is,
// then round-robin within the set by weight.
func (p *plan) targeter(pacer *startPacer) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		if t == nil {
			return vegeta.ErrNilTarget
		}
		set := 0
		if p.slot > 0 {
			// Slots count from the end of the warm-up, so the measured
			// time holds whole pairs.
			since := time.Since(pacer.start()) - pacer.Warmup
			set = slotSide(int(max(since, 0) / p.slot))
		}
		c := p.cycles[set]
		i := c[(p.n[set].Add(1)-1)%uint64(len(c))]
		*t = p.vts[i]
		return nil
	}
}
