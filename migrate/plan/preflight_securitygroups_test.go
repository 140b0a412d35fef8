package plan

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/topology"
)

func TestPreflightSecurityGroups(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	if c := preflightResult(t, p, "security groups"); c.Status != CheckNotChecked || c.Needs == "" {
		t.Errorf("managed rules: %+v", c)
	}
	sg := docs(albClass, yService("a", "web", 30001),
		yIngress("a", "web", "web.example.com", "web", map[string]string{"alb.ingress.kubernetes.io/security-groups": "sg-1"}))
	p = Build(topoYAML(t, sg), Options{})
	c := preflightResult(t, p, "security groups")
	if c.Status != CheckWarn || !strings.Contains(c.Message, "port(s) 8080") || !strings.Contains(c.Message, "NodePort(s) 30001") {
		t.Errorf("explicit security groups: %+v", c)
	}
}

// podsOnNode are web's two pods on node n1 (instance i-1) at 10.0.1.21-22.
const podsOnNode = `apiVersion: v1
kind: Node
metadata: {name: n1}
spec: {providerID: "aws:///us-west-2a/i-1"}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: a, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: app, image: x, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.0.1.21, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: a, labels: {app: web}}
spec: {nodeName: n1, containers: [{name: app, image: x, ports: [{name: http, containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.0.1.37, conditions: [{type: Ready, status: "True"}]}
`

// nodeNetwork is instance i-1 with the pods' addresses on eni-a (one
// address) and eni-b (a /28 prefix), each with groups sg-c and sg-n;
// sg-c carries cluster prod's tag (and sg-n too when bothTagged), and
// admits TCP 8080 from sg-alb when admitALB.
func nodeNetwork(bothTagged, admitALB bool) *awsapi.State {
	tag := map[string]string{"kubernetes.io/cluster/prod": "owned"}
	c := awsapi.SecurityGroup{ID: "sg-c", Name: "cluster", Tags: tag}
	if admitALB {
		c.Ingress = []awsapi.Permission{{Protocol: "tcp", FromPort: 8080, ToPort: 8080, Groups: []string{"sg-alb"}}}
	}
	n := awsapi.SecurityGroup{ID: "sg-n", Name: "nodes"}
	if bothTagged {
		n.Tags = tag
	}
	return &awsapi.State{NetworkRead: true, SecurityGroups: []awsapi.SecurityGroup{c, n, {ID: "sg-alb", Name: "alb-frontend"}},
		Instances: []awsapi.Instance{{ID: "i-1", ENIs: []awsapi.ENI{
			{ID: "eni-a", PrivateIPs: []string{"10.0.1.10", "10.0.1.21"}, SecurityGroups: []string{"sg-c", "sg-n"}},
			{ID: "eni-b", DeviceIndex: 1, Prefixes: []string{"10.0.1.32/28"}, SecurityGroups: []string{"sg-c", "sg-n"}},
		}}}}
}

// branchPod is podsOnNode with web-2 on a branch interface (security
// groups for pods): its address 10.0.3.7 is on eni-branch, as its
// vpc.amazonaws.com/pod-eni annotation says.
var branchPod = strings.Replace(strings.Replace(podsOnNode, "10.0.1.37", "10.0.3.7", 1),
	"metadata: {name: web-2, namespace: a, labels: {app: web}}",
	`metadata: {name: web-2, namespace: a, labels: {app: web}, annotations: {vpc.amazonaws.com/pod-eni: '[{"eniId":"eni-branch","ifAddress":"0a:58:0a:00:03:07","privateIp":"10.0.3.7","vlanId":1,"subnetCidr":"10.0.3.0/24"}]'}}`, 1)

// withBranch adds eni-branch, read by ID, with the security groups given
// (sg-pod is added untagged).
func withBranch(st *awsapi.State, groups ...string) *awsapi.State {
	st.SecurityGroups = append(st.SecurityGroups, awsapi.SecurityGroup{ID: "sg-pod", Name: "pod"})
	st.BranchENIs = []awsapi.ENI{{ID: "eni-branch", PrivateIPs: []string{"10.0.3.7"}, SecurityGroups: groups}}
	st.BranchENIsRead = true
	return st
}

func topoWith(t *testing.T, y string, st *awsapi.State) *topology.Topology {
	t.Helper()
	objs, err := kube.ReadFiles([]string{"-"}, strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	return build(objs, st)
}

// TestPreflightSecurityGroupsLive judges the pods' interfaces as the
// controller resolves them.
func TestPreflightSecurityGroupsLive(t *testing.T) {
	withSG := func(ann map[string]string) string {
		return docs(albClass, yService("a", "web", 30001), yIngress("a", "web", "web.example.com", "web", ann), podsOnNode)
	}
	for _, tc := range []struct {
		name   string
		y      string
		st     *awsapi.State
		status string
		says   []string
	}{
		{"one tagged group", oneApp(podsOnNode), nodeNetwork(false, false), CheckPass, []string{"2 pod(s) on 2 network interface(s)", "sg-c"}},
		{"two tagged groups", oneApp(podsOnNode), nodeNetwork(true, false), CheckFail, []string{"eni-a (pod a/web-", "eni-b", "2 carry kubernetes.io/cluster/prod", "tag exactly one"}},
		{"address on no interface", oneApp(strings.Replace(podsOnNode, "10.0.1.37", "100.64.3.7", 1)), nodeNetwork(false, false), CheckFail, []string{"pod a/web-2's address 100.64.3.7 is on no network interface of its node's instance i-1"}},
		{"own groups not admitted", withSG(map[string]string{"alb.ingress.kubernetes.io/security-groups": "alb-frontend"}), nodeNetwork(false, false), CheckWarn, []string{"Ingress a/web names security group(s) alb-frontend", "on port 8080"}},
		{"own groups admitted", withSG(map[string]string{"alb.ingress.kubernetes.io/security-groups": "alb-frontend"}), nodeNetwork(false, true), CheckPass, nil},
		{"own groups, managed rules", withSG(map[string]string{"alb.ingress.kubernetes.io/security-groups": "sg-alb", "alb.ingress.kubernetes.io/manage-backend-security-group-rules": "true"}), nodeNetwork(false, false), CheckPass, nil},
		{"node not read", oneApp(podsOnNode), &awsapi.State{NetworkRead: true}, CheckWarn, []string{"2 pod(s) on nodes that are not EC2 instances read"}},
		// Security groups for pods: web-2's address is on its branch
		// interface, which no interface of the node holds.
		{"branch interface", oneApp(branchPod), withBranch(nodeNetwork(false, false), "sg-pod"), CheckPass, []string{"2 pod(s) on 2 network interface(s)", "sg-c, sg-pod"}},
		{"branch interface, two untagged groups", oneApp(branchPod), withBranch(nodeNetwork(false, false), "sg-pod", "sg-n"), CheckFail,
			[]string{"eni-branch (pod a/web-2 on its branch interface): has security groups sg-pod,sg-n of which 0 carry"}},
		{"branch interface not read", oneApp(branchPod), nodeNetwork(false, false), CheckWarn,
			[]string{"1 pod(s) on 1 network interface(s)", "1 pod(s) with security groups of their own (vpc.amazonaws.com/pod-eni annotation) were not checked", "DescribeNetworkInterfaces was refused or failed): a/web-2 (eni-branch)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := preflightResult(t, Build(topoWith(t, tc.y, tc.st), Options{}), "security groups")
			if c.Status != tc.status {
				t.Errorf("status %s, want %s: %s", c.Status, tc.status, c.Message)
			}
			for _, s := range tc.says {
				if !strings.Contains(c.Message, s) {
					t.Errorf("message lacks %q: %s", s, c.Message)
				}
			}
		})
	}
}
