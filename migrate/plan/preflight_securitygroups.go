package plan

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkSecurityGroups: with ip targets the ALB talks to pod addresses on
// the pods' ports instead of NodePorts. For each target the controller
// finds the pod's network interface among its node's (by address or /28
// prefix) and opens the port on that interface's security group: its only
// one, or else the one carrying kubernetes.io/cluster/NAME. No such
// interface, or several groups with not exactly one tagged, and the
// target group binding fails (REFERENCE §1, #2802). An Ingress naming its
// own security groups without manage-backend-security-group-rules gets no
// rule at all: the pods' groups must already admit them.
//
// A pod with security groups of its own (the VPC CNI's security groups for
// pods) holds its address on a branch interface its vpc.amazonaws.com/pod-eni
// annotation names; the controller resolves that interface first, and so
// does this check.
//
// Judged from the nodes' instances, the pods' branch interfaces and the
// VPC's security groups when plan read them (EC2 DescribeInstances,
// DescribeNetworkInterfaces, DescribeSecurityGroups); otherwise only the
// Ingresses that name their own groups are listed.
func checkSecurityGroups(b *builder) (Check, []topology.ObjectRef) {
	st := b.t.AWS
	if st == nil || !st.NetworkRead {
		return checkSecurityGroupsOffline(b)
	}
	c := Check{Name: "security groups"}
	instanceOf := map[string]string{}
	for _, n := range b.t.Objects.Nodes {
		if id, ok := awsapi.InstanceIDFromProviderID(n.Spec.ProviderID); ok {
			instanceOf[n.Name] = id
		}
	}
	tag := "kubernetes.io/cluster/" + b.t.Cluster
	var fails, warns []string
	var objs []topology.ObjectRef
	backendSG := map[string]string{} // ENI → the group the controller opens
	enis, pods, unresolvable := 0, 0, 0
	var branchUnread []string // pods whose branch interface was not read
	for _, m := range b.moves {
		named, ownRules := namedSecurityGroups(m)
		failedBefore := len(fails) + len(warns)
		for _, be := range m.in.Backends {
			var port int32
			portOK := false
			if be.ServicePort != nil {
				port, portOK = b.containerPort(be, be.ServicePort.TargetPort, be.ServicePort.Port)
			}
			for _, p := range be.Pods {
				if p.Status.PodIP == "" {
					continue
				}
				pods++
				pod := p.Namespace + "/" + p.Name
				var eni *awsapi.ENI
				where := p.Spec.NodeName
				if id, ok := lbc.PodBranchENI(p); ok {
					// Security groups for pods: the controller resolves
					// the pod's branch interface from its annotation
					// before it looks at the node's.
					if eni, ok = st.BranchENI(id); !ok {
						branchUnread = append(branchUnread, pod+" ("+id+")")
						continue
					}
					where = "its branch interface"
				} else {
					inst, ok := instanceOf[p.Spec.NodeName]
					if !ok || !st.HasInstance(inst) {
						// Fargate and other non-EC2 nodes: the controller looks
						// the address up among the VPC's interfaces instead.
						unresolvable++
						continue
					}
					if eni, ok = st.ENIHolding(inst, p.Status.PodIP); !ok {
						fails = append(fails, fmt.Sprintf("pod %s's address %s is on no network interface of its node's instance %s: the controller cannot register it as an ip target (is the CNI an overlay? ip targets need VPC addresses)", pod, p.Status.PodIP, inst))
						continue
					}
				}
				if _, seen := backendSG[eni.ID]; !seen {
					enis++
					sg, problem := b.backendGroup(st, eni, tag)
					backendSG[eni.ID] = sg
					if problem != "" {
						fails = append(fails, fmt.Sprintf("%s (pod %s on %s): %s", eni.ID, pod, where, problem))
					}
				}
				if len(named) == 0 || ownRules || !portOK {
					continue
				}
				if !eniAdmits(st, eni, named, port) {
					warns = append(warns, fmt.Sprintf("Ingress %s names security group(s) %s without manage-backend-security-group-rules, but no security group of %s (pod %s) admits them on port %d: add an inbound rule from them, or set alb.ingress.kubernetes.io/manage-backend-security-group-rules: \"true\"",
						m.in.Key(), strings.Join(named, ","), eni.ID, pod, port))
				}
			}
		}
		if len(fails)+len(warns) > failedBefore {
			objs = append(objs, m.ref())
		}
	}
	slices.Sort(fails)
	slices.Sort(warns)
	fails, warns = slices.Compact(fails), slices.Compact(warns)
	switch {
	case len(fails) > 0:
		c.Status = CheckFail
		c.Message = joinMessages(append(fails, warns...))
	case len(warns) > 0:
		c.Status = CheckWarn
		c.Message = joinMessages(warns)
	case pods == 0:
		c.Status, c.Message = CheckNotChecked, "no running pod behind the moved Ingresses: their interfaces are checked once pods run"
		c.Needs = "running pods"
		objs = nil
	default:
		c.Status = CheckPass
		groups := map[string]bool{}
		for _, g := range backendSG {
			groups[g] = true
		}
		c.Message = fmt.Sprintf("%d pod(s) on %d network interface(s): each resolves to one security group the controller opens to the ALB (%s)", pods-unresolvable-len(branchUnread), enis, joinShort(sortedSet(groups)))
		objs = nil
	}
	if unresolvable > 0 {
		c.Message += fmt.Sprintf("; %d pod(s) on nodes that are not EC2 instances read (Fargate?) were not checked", unresolvable)
		if c.Status == CheckPass {
			c.Status = CheckWarn
		}
	}
	if len(branchUnread) > 0 {
		slices.Sort(branchUnread)
		why := "it was not read"
		if !st.BranchENIsRead {
			why = "EC2 DescribeNetworkInterfaces was refused or failed"
		}
		c.Message += fmt.Sprintf("; %d pod(s) with security groups of their own (%s annotation) were not checked, their branch interface unknown (%s): %s",
			len(branchUnread), lbc.PodENIAnnotation, why, joinShort(branchUnread))
		if c.Status == CheckPass {
			c.Status = CheckWarn
		}
	}
	return c, objs
}

// backendGroup is the security group the controller opens on an interface,
// or why it cannot pick one.
func (b *builder) backendGroup(st *awsapi.State, eni *awsapi.ENI, tag string) (string, string) {
	if len(eni.SecurityGroups) == 1 {
		return eni.SecurityGroups[0], ""
	}
	if b.t.Cluster == "" {
		return "", fmt.Sprintf("has %d security groups and the cluster name is unknown, so the tagged one cannot be told: pass --cluster-name", len(eni.SecurityGroups))
	}
	var tagged []string
	for _, id := range eni.SecurityGroups {
		if g := st.SecurityGroup(id); g != nil {
			if _, ok := g.Tags[tag]; ok {
				tagged = append(tagged, id)
			}
		}
	}
	if len(tagged) == 1 {
		return tagged[0], ""
	}
	return "", fmt.Sprintf("has security groups %s of which %d carry %s; the controller needs exactly one (it fails with \"expect exactly one securityGroup tagged with %s\"): tag exactly one of them",
		strings.Join(eni.SecurityGroups, ","), len(tagged), tag, tag)
}

// namedSecurityGroups are the groups an Ingress names for its ALB, and
// whether the controller still manages the backend rules for them.
func namedSecurityGroups(m *move) ([]string, bool) {
	v, ok := m.in.Config.Exclusive[lbc.SuffixSecurityGroups]
	if !ok {
		return nil, true
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	manage := m.in.Config.Exclusive[lbc.SuffixManageBackendSecurityGroupRules] == "true"
	return out, manage
}

// eniAdmits says whether a security group of the interface admits TCP to
// port from one of the named groups (by ID or name).
func eniAdmits(st *awsapi.State, eni *awsapi.ENI, named []string, port int32) bool {
	from := make([]string, len(named))
	for i, ref := range named {
		from[i] = ref
		if g := st.SecurityGroup(ref); g != nil {
			from[i] = g.ID
		}
	}
	for _, id := range eni.SecurityGroups {
		g := st.SecurityGroup(id)
		if g == nil {
			continue
		}
		for _, perm := range g.Ingress {
			if slices.ContainsFunc(from, func(sg string) bool { return perm.Allows(sg, port) }) {
				return true
			}
		}
	}
	return false
}

// checkSecurityGroupsOffline is the check without EC2 data: the Ingresses
// that name their own security groups without the controller's backend
// rules, whose pods' groups must admit them.
func checkSecurityGroupsOffline(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "security groups",
		Needs: "EC2 DescribeInstances and DescribeSecurityGroups (read by plan against a cluster with AWS), to check that exactly one security group per pod ENI carries the kubernetes.io/cluster tag"}
	var msgs []string
	var objs []topology.ObjectRef
	for _, m := range b.moves {
		named, manage := namedSecurityGroups(m)
		if len(named) == 0 || manage {
			continue
		}
		ports := map[string]bool{}
		nodePorts := map[string]bool{}
		for _, be := range m.in.Backends {
			if be.ServicePort == nil {
				continue
			}
			if n, ok := b.containerPort(be, be.ServicePort.TargetPort, be.ServicePort.Port); ok {
				ports[strconv.Itoa(int(n))] = true
			}
			if be.ServicePort.NodePort != 0 {
				nodePorts[strconv.Itoa(int(be.ServicePort.NodePort))] = true
			}
		}
		msgs = append(msgs, fmt.Sprintf("Ingress %s names security groups %s without manage-backend-security-group-rules: the pods' security group must allow them on port(s) %s (instance mode used NodePort(s) %s)",
			m.in.Key(), m.in.Config.Exclusive[lbc.SuffixSecurityGroups], strings.Join(sortedSet(ports), ","), strings.Join(sortedSet(nodePorts), ",")))
		objs = append(objs, m.ref())
	}
	sort.Strings(msgs)
	if len(msgs) > 0 {
		c.Status = CheckWarn
		c.Message = strings.Join(msgs, "; ")
		return c, objs
	}
	c.Status = CheckNotChecked
	c.Message = "the controller manages the backend rules for the pod ports of every moved Ingress"
	return c, nil
}

// joinMessages joins at most ten messages and counts the rest.
func joinMessages(msgs []string) string {
	if len(msgs) > 10 {
		return strings.Join(msgs[:10], "; ") + fmt.Sprintf("; and %d more", len(msgs)-10)
	}
	return strings.Join(msgs, "; ")
}
