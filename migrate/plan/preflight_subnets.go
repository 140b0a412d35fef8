package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// Subnet role tags the controller's subnet discovery reads.
const (
	tagRolePublic   = "kubernetes.io/role/elb"
	tagRoleInternal = "kubernetes.io/role/internal-elb"
	// albSubnetIPs is the free addresses an ALB needs in each of its subnets.
	albSubnetIPs = 8
)

// checkSubnets needs the subnets (EC2 DescribeSubnets). Each new ALB needs
// two zones with a discoverable subnet of its scheme holding at least 8 free
// addresses; the pods ip mode registers hold a VPC address each (the scan's
// subnet findings count them per zone).
func checkSubnets(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "subnet free IPs"}
	if b.t.AWS == nil || len(b.t.AWS.Subnets) == 0 {
		c.Status, c.Message = CheckNotChecked, "subnets were not read"
		c.Needs = "AWS (EC2 DescribeSubnets): run without --no-aws"
		return c, nil
	}
	c.Status = CheckPass
	var msgs []string
	var objs []topology.ObjectRef
	for _, f := range b.scanned {
		if f.Code == scan.CodeSubnetPods || f.Code == scan.CodeSubnetALB {
			c.Status = worse(c.Status, CheckWarn)
			msgs = append(msgs, f.Message)
			objs = append(objs, f.Objects...)
		}
	}
	schemes := map[string]bool{}
	for _, bn := range b.bins {
		if !bn.inPlace {
			if _, explicit := bn.moves[0].in.Config.Exclusive[lbc.SuffixSubnets]; !explicit {
				schemes[bn.scheme] = true
			}
		}
	}
	for _, scheme := range sortedSet(schemes) {
		status, msg := subnetsFor(b.t.AWS.Subnets, scheme)
		c.Status = worse(c.Status, status)
		msgs = append(msgs, msg)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "no new ALB and enough addresses for the pods")
	}
	c.Message = strings.Join(msgs, "; ")
	return c, dedupeRefs(objs)
}

// subnetsFor checks the subnets discovery would pick for a new ALB of a
// scheme: tagged with the scheme's role, at least 8 free addresses, in at
// least two zones.
func subnetsFor(subnets []awsapi.Subnet, scheme string) (string, string) {
	role := tagRoleInternal
	if scheme == lbc.SchemeInternetFacing {
		role = tagRolePublic
	}
	zones := map[string]bool{}
	var small []string
	for _, s := range subnets {
		if _, ok := s.Tags[role]; !ok {
			continue
		}
		if s.AvailableIPs < albSubnetIPs {
			small = append(small, fmt.Sprintf("%s (%s, %d free)", s.ID, s.Zone, s.AvailableIPs))
			continue
		}
		zones[s.Zone] = true
	}
	sort.Strings(small)
	switch {
	case len(zones) < 2:
		return CheckFail, fmt.Sprintf("a new %s ALB needs subnets tagged %s with ≥ %d free addresses in two zones; found %d zone(s)%s", scheme, role, albSubnetIPs, len(zones), skipped(small))
	case len(small) > 0:
		return CheckWarn, fmt.Sprintf("new %s ALBs can use %d zone(s)%s", scheme, len(zones), skipped(small))
	}
	return CheckPass, fmt.Sprintf("new %s ALBs can use %d zones with ≥ %d free addresses", scheme, len(zones), albSubnetIPs)
}

func skipped(small []string) string {
	if len(small) == 0 {
		return ""
	}
	return "; discovery skips " + strings.Join(small, ", ")
}
