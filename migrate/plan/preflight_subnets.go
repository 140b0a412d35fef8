package plan

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

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

// checkSubnets needs the subnets (EC2 DescribeSubnets). With the VPC CNI
// every pod already holds a VPC address, so moving pods to ip targets takes
// no new one. What does: the surge pods of the restarts (each restarted
// Deployment's maxSurge, namespace by namespace as the restart steps run),
// a fresh /28 for them under prefix delegation (16 contiguous free
// addresses, which a free count cannot show), and each new ALB's 8 free
// addresses in each of its subnets, in two zones.
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
		if f.Code == scan.CodeSubnetALB {
			c.Status = worse(c.Status, CheckWarn)
			msgs = append(msgs, f.Message)
			objs = append(objs, f.Objects...)
		}
	}
	status, msg, refs := b.surgeAddresses()
	c.Status = worse(c.Status, status)
	msgs = append(msgs, msg)
	objs = append(objs, refs...)
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
	c.Message = strings.Join(msgs, "; ")
	return c, dedupeRefs(objs)
}

// prefixBlock is the addresses a /28 prefix takes (prefix delegation).
const prefixBlock = 16

// surgeAddresses judges the addresses the restart steps need: at most the
// largest namespace's surge at once, from the subnets of the nodes' zones.
func (b *builder) surgeAddresses() (string, string, []topology.ObjectRef) {
	byNS := map[string]int{}
	var assumed []string
	for _, r := range b.restarts {
		n, read := b.maxSurge(r.workload)
		byNS[r.workload.Namespace] += n
		if !read {
			assumed = append(assumed, r.workload.Namespace+"/"+r.workload.Name)
		}
	}
	peak, peakNS := 0, ""
	for _, ns := range sortedKeys(byNS) {
		if byNS[ns] > peak {
			peak, peakNS = byNS[ns], ns
		}
	}
	zones := map[string]bool{}
	for i := range b.t.Objects.Nodes {
		if z := b.t.Objects.Nodes[i].Labels[scan.ZoneLabel]; z != "" {
			zones[z] = true
		}
	}
	free := 0
	var nodeSubnets []awsapi.Subnet
	for _, s := range b.t.AWS.Subnets {
		if len(zones) == 0 || zones[s.Zone] {
			nodeSubnets = append(nodeSubnets, s)
			free += int(s.AvailableIPs)
		}
	}
	msg := "moving pods to ip targets takes no new address (with the VPC CNI each pod already holds one)"
	if peak == 0 {
		return CheckPass, msg + "; no restart adds surge pods", nil
	}
	msg += fmt.Sprintf("; the restarts add at most %d surge pod(s) at once (maxSurge, namespace %s), against %d free address(es) in the subnets of the nodes' zones", peak, peakNS, free)
	if len(assumed) > 0 {
		sort.Strings(assumed)
		msg += fmt.Sprintf(" (maxSurge not read for %s: counted at the default 25%% of their pods)", joinShort(assumed))
	}
	status := CheckPass
	var refs []topology.ObjectRef
	if peak > free {
		status = CheckWarn
		msg += ": too few, surge pods would stay Pending; add subnet capacity or lower maxSurge before the restarts"
	}
	if b.prefixDelegation() {
		var small []string
		for _, s := range nodeSubnets {
			if s.AvailableIPs < prefixBlock {
				small = append(small, fmt.Sprintf("%s (%s, %d free)", s.ID, s.Zone, s.AvailableIPs))
				refs = append(refs, topology.ObjectRef{Kind: "Subnet", Name: s.ID})
			}
		}
		msg += fmt.Sprintf("; prefix delegation is on (the nodes' interfaces hold /28 prefixes): a node with no free slot takes a new /28, %d contiguous free addresses, which a free count cannot show", prefixBlock)
		if len(small) > 0 {
			status = CheckWarn
			sort.Strings(small)
			msg += "; no /28 fits in " + strings.Join(small, ", ")
		}
	}
	return status, msg, refs
}

// maxSurge is the pods a restart of the workload adds at once: its
// Deployment's maxSurge against its replicas (RollingUpdate's default
// 25%, rounded up; Recreate none). read is false when the Deployment was
// not read (from a cluster, only pods are): 25% of its pods is assumed.
func (b *builder) maxSurge(w topology.ObjectRef) (int, bool) {
	for i := range b.t.Objects.Deployments {
		d := &b.t.Objects.Deployments[i]
		if d.Namespace != w.Namespace || d.Name != w.Name || w.Kind != "Deployment" {
			continue
		}
		if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
			return 0, true
		}
		replicas := 1
		if d.Spec.Replicas != nil {
			replicas = int(*d.Spec.Replicas)
		}
		surge := intstr.FromString("25%")
		if ru := d.Spec.Strategy.RollingUpdate; ru != nil && ru.MaxSurge != nil {
			surge = *ru.MaxSurge
		}
		n, err := intstr.GetScaledValueFromIntOrPercent(&surge, replicas, true)
		if err != nil {
			return 0, false
		}
		return n, true
	}
	pods := 0
	for i := range b.t.Objects.Pods {
		p := &b.t.Objects.Pods[i]
		if p.Namespace != w.Namespace {
			continue
		}
		for _, o := range p.OwnerReferences {
			if o.Name == w.Name || strings.HasPrefix(o.Name, w.Name+"-") {
				pods++
				break
			}
		}
	}
	return max(1, (pods+3)/4), false
}

// prefixDelegation says whether a node's interface holds /28 prefixes.
func (b *builder) prefixDelegation() bool {
	for _, in := range b.t.AWS.Instances {
		for _, e := range in.ENIs {
			if len(e.Prefixes) > 0 {
				return true
			}
		}
	}
	return false
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
