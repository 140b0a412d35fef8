package plan

import (
	"fmt"

	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkALBQuota: old and new ALBs (and target groups) live side by side
// from phase 2 to phase 6, so the region's quotas must hold both.
func checkALBQuota(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "ALBs and target groups per region"}
	albs, tgs := 0, 0
	source := "in the topology"
	if b.t.AWS != nil {
		source = "in the region"
		for _, lb := range b.t.AWS.LoadBalancers {
			if lb.Type == "" || lb.Type == "application" {
				albs++
			}
		}
		tgs = len(b.t.AWS.TargetGroups)
	} else {
		for _, g := range b.t.Groups {
			albs++
			for _, in := range g.Ingresses {
				tgs += len(in.Backends)
			}
		}
	}
	newALBs, newTGs := 0, 0
	for _, bn := range b.bins {
		if !bn.inPlace {
			newALBs++
		}
		for _, m := range bn.moves {
			newTGs += len(m.backends)
		}
	}
	lim := b.o.Limits
	c.Status = CheckPass
	c.Message = fmt.Sprintf("%d ALBs and %d target groups %s, plus %d and %d during the migration, within %d and %d", albs, tgs, source, newALBs, newTGs, lim.ALBsPerRegion, lim.TargetGroupsPerRegion)
	over := (lim.ALBsPerRegion > 0 && albs+newALBs > lim.ALBsPerRegion) || (lim.TargetGroupsPerRegion > 0 && tgs+newTGs > lim.TargetGroupsPerRegion)
	already := (lim.ALBsPerRegion > 0 && albs > lim.ALBsPerRegion) || (lim.TargetGroupsPerRegion > 0 && tgs > lim.TargetGroupsPerRegion)
	switch {
	case over && already:
		// More than the quota exists today: the real quota is higher than
		// the one known here.
		c.Status = CheckWarn
		c.Message = fmt.Sprintf("%d ALBs and %d target groups %s already exceed the quotas known here (%d, %d), so the account's are higher; make sure they leave room for %d more ALBs and %d target groups while old and new run side by side (--limits albs=N,target-groups-per-region=N)",
			albs, tgs, source, lim.ALBsPerRegion, lim.TargetGroupsPerRegion, newALBs, newTGs)
	case over:
		c.Status = CheckFail
		c.Message = fmt.Sprintf("%d ALBs and %d target groups %s, plus %d and %d while old and new run side by side, exceed the region's %d ALBs or %d target groups: migrate in batches (-n, -l) or raise the quotas",
			albs, tgs, source, newALBs, newTGs, lim.ALBsPerRegion, lim.TargetGroupsPerRegion)
	}
	if b.t.AWS == nil {
		c.Needs = "AWS (DescribeLoadBalancers, DescribeTargetGroups, DescribeAccountLimits) for the region's real counts"
		if c.Status == CheckPass {
			c.Status = CheckNotChecked
		}
	}
	return c, nil
}
