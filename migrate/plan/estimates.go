package plan

import (
	"fmt"
	"math"

	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// estimates are labelled estimates: ALB count before and after (one per
// group with an ALB), the ALB-hour cost at the given price (no LCU), and the
// hop ip mode removes: instance targets reach a pod through a node's
// NodePort and kube-proxy, often in another zone.
func (b *builder) estimates() Estimates {
	e := Estimates{PricePerHour: b.o.PricePerHour, HoursPerMonth: HoursPerMonth, HopsRemoved: 1, Notes: []string{}}
	for _, g := range b.t.Groups {
		live := false
		for _, in := range g.Ingresses {
			if b.hasLiveALB(in) {
				live = true
			}
		}
		if live {
			e.ALBsBefore++
		}
	}
	newALBs := 0
	for _, bn := range b.bins {
		if !bn.inPlace {
			newALBs++
		}
	}
	gone := len(b.emptied())
	e.ALBsAfter = e.ALBsBefore + newALBs - gone
	e.ALBsDuring = e.ALBsBefore + newALBs
	month := b.o.PricePerHour * HoursPerMonth
	e.MonthlyBefore = cents(float64(e.ALBsBefore) * month)
	e.MonthlyAfter = cents(float64(e.ALBsAfter) * month)
	e.MonthlySavings = cents(float64(e.ALBsBefore-e.ALBsAfter) * month)
	e.IngressesMoved = len(b.moves)
	for _, m := range b.moves {
		for _, be := range m.in.Backends {
			if be.Config.TargetType == v1beta1.TargetTypeInstance {
				e.BackendsToIP++
			}
		}
	}
	zones := map[string]bool{}
	for _, n := range b.t.Objects.Nodes {
		if z := n.Labels[corev1.LabelTopologyZone]; z != "" {
			zones[z] = true
		}
	}
	if len(zones) > 1 {
		e.CrossZoneShare = math.Round(float64(len(zones)-1)/float64(len(zones))*100) / 100
	}
	e.Notes = append(e.Notes,
		fmt.Sprintf("estimate: ALB hours only, at $%.4f per ALB-hour and %d hours a month; LCU charges depend on traffic and are not included", b.o.PricePerHour, HoursPerMonth),
		"estimate: each request to a moved backend skips one hop (ALB → node NodePort → kube-proxy → pod becomes ALB → pod)")
	if e.CrossZoneShare > 0 {
		e.Notes = append(e.Notes, fmt.Sprintf("estimate: with nodes in %d zones and externalTrafficPolicy Cluster, about %.0f%% of instance-mode hops crossed zones", len(zones), e.CrossZoneShare*100))
	}
	if e.BackendsToIP == 0 {
		e.HopsRemoved = 0
	}
	return e
}

func cents(v float64) float64 { return math.Round(v*100) / 100 }
