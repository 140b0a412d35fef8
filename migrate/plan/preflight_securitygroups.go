package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkSecurityGroups: with ip targets the ALB talks to pod ports instead of
// NodePorts. The controller opens them itself (backend security group rules
// on the TargetGroupBinding) unless the Ingress names its own security
// groups without manage-backend-security-group-rules: then the pods' security
// group must already allow them. That one security group per pod ENI carries
// the cluster tag (kubernetes.io/cluster/NAME) needs EC2 data lbctl does not
// read.
func checkSecurityGroups(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "security groups",
		Needs: "EC2 DescribeNetworkInterfaces and DescribeSecurityGroups, to check that exactly one security group per pod ENI carries the kubernetes.io/cluster tag"}
	var msgs []string
	var objs []topology.ObjectRef
	for _, m := range b.moves {
		sgs, ok := m.in.Config.Exclusive[lbc.SuffixSecurityGroups]
		if !ok {
			continue
		}
		if v, ok := m.in.Config.Exclusive[lbc.SuffixManageBackendSecurityGroupRules]; ok && v == "true" {
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
			m.in.Key(), sgs, strings.Join(sortedSet(ports), ","), strings.Join(sortedSet(nodePorts), ",")))
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
