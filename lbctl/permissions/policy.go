package permissions

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// IAMPolicy is an IAM policy document.
type IAMPolicy struct {
	Version   string         `json:"Version"`
	Statement []IAMStatement `json:"Statement"`
}

// IAMStatement is one Allow statement of an IAMPolicy.
type IAMStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource string   `json:"Resource"`
}

// Policy returns the least-privilege IAM policy for cmds (all when empty)
// with features on: one statement per service, actions sorted, on any
// resource (the Describe calls lbctl makes do not support resource-level
// permissions).
func Policy(cmds []Command, features ...Feature) IAMPolicy {
	bySvc := map[string][]string{}
	for _, a := range AWSActions(cmds, features...) {
		svc, _, _ := strings.Cut(a, ":")
		bySvc[svc] = append(bySvc[svc], a)
	}
	svcs := make([]string, 0, len(bySvc))
	for s := range bySvc {
		svcs = append(svcs, s)
	}
	sort.Strings(svcs)
	p := IAMPolicy{Version: "2012-10-17", Statement: []IAMStatement{}}
	for _, s := range svcs {
		acts := bySvc[s]
		sort.Strings(acts)
		p.Statement = append(p.Statement, IAMStatement{Sid: "Lbctl" + sidWord(s, acts), Effect: "Allow", Action: acts, Resource: "*"})
	}
	return p
}

// sidWord names a statement after its service, "Read" when every action is
// a read.
func sidWord(svc string, acts []string) string {
	name := map[string]string{"elasticloadbalancing": "ELBv2", "ec2": "EC2", "acm": "ACM", "route53": "Route53", "sts": "STS"}[svc]
	if name == "" {
		name = strings.ToUpper(svc[:1]) + svc[1:]
	}
	for _, a := range acts {
		_, op, _ := strings.Cut(a, ":")
		if !strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") {
			return name
		}
	}
	return name + "Read"
}

// JSON renders the policy indented, with a trailing newline.
func (p IAMPolicy) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode policy: %w", err)
	}
	return append(b, '\n'), nil
}

// RBACOptions say how to render RBAC objects.
type RBACOptions struct {
	// Name of the ClusterRole and Role.
	Name string
	// Namespace, when set, puts the namespaced rules in a Role there and
	// leaves only cluster-scoped ones in the ClusterRole.
	Namespace string
	// Features adds the rules of optional parts (FeatureWorkers).
	Features []Feature
}

type rbacRule struct {
	group     string
	resources []string
	verbs     []string
}

// RBACYAML renders the ClusterRole (and, with a namespace, the Role) cmds
// (all when empty) need, as a YAML stream. Rules group resources of one API
// group that need the same verbs.
func RBACYAML(cmds []Command, o RBACOptions) string {
	// resource → verbs, per group, split by where the rule goes.
	type key struct {
		group, resource string
		namespaced      bool
	}
	verbs := map[key][]string{}
	for _, k := range KubeRules(cmds, o.Features...) {
		ns := o.Namespace != "" && Namespaced(k.Resource)
		kk := key{k.Group, k.Resource, ns}
		verbs[kk] = append(verbs[kk], k.Verb)
	}
	rules := func(namespaced bool) []rbacRule {
		merged := map[string]*rbacRule{}
		var order []string
		for k, v := range verbs {
			if k.namespaced != namespaced {
				continue
			}
			sort.Strings(v)
			id := k.group + "|" + strings.Join(v, ",")
			if merged[id] == nil {
				merged[id] = &rbacRule{group: k.group, verbs: v}
				order = append(order, id)
			}
			merged[id].resources = append(merged[id].resources, k.resource)
		}
		sort.Strings(order)
		out := make([]rbacRule, 0, len(order))
		for _, id := range order {
			r := merged[id]
			sort.Strings(r.resources)
			out = append(out, *r)
		}
		return out
	}
	var b strings.Builder
	writeRole := func(kind, ns string, rs []rbacRule) {
		if b.Len() > 0 {
			b.WriteString("---\n")
		}
		fmt.Fprintf(&b, "apiVersion: rbac.authorization.k8s.io/v1\nkind: %s\nmetadata:\n  name: %s\n", kind, o.Name)
		if ns != "" {
			fmt.Fprintf(&b, "  namespace: %s\n", ns)
		}
		b.WriteString("  labels:\n    app.kubernetes.io/name: lbctl\n")
		if len(rs) == 0 {
			b.WriteString("rules: []\n")
			return
		}
		b.WriteString("rules:\n")
		for _, r := range rs {
			fmt.Fprintf(&b, "- apiGroups: [%q]\n  resources: [%s]\n  verbs: [%s]\n", r.group, strings.Join(r.resources, ", "), strings.Join(r.verbs, ", "))
		}
	}
	writeRole("ClusterRole", "", rules(false))
	if o.Namespace != "" {
		writeRole("Role", o.Namespace, rules(true))
	}
	return b.String()
}
