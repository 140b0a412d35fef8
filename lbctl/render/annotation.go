package render

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// PlanAnnotation is where the controller writes the model it built for a
// group, on the group's first member, when it runs with the
// IngressPlanAnnotation feature gate (controllers/ingress/group_controller.go).
const PlanAnnotation = lbc.PlanAnnotation

// PlanFeatureGate is the controller's feature gate that writes PlanAnnotation.
const PlanFeatureGate = lbc.PlanFeatureGate

// accountPaths are the leaves that depend on the AWS account the controller
// runs in (subnets, security group IDs, VPC), which a render may not know:
// never compared.
var accountPaths = map[string][]string{
	TypeLoadBalancer:       {"spec.subnetMapping", "spec.securityGroups"},
	TypeTargetGroupBinding: {"spec.template.spec.networking", "spec.template.spec.vpcID"},
}

// Mismatch is one field where lbctl's model of a group and the one the
// controller wrote differ.
type Mismatch struct {
	Group string `json:"group"`
	// Path is "TYPE/ID spec.field", or "resource TYPE/ID" for a resource
	// only one side has.
	Path       string `json:"path"`
	Controller string `json:"controller"`
	Lbctl      string `json:"lbctl"`
}

func (m Mismatch) String() string {
	return fmt.Sprintf("group %s: %s: controller %s, lbctl %s", m.Group, m.Path, m.Controller, m.Lbctl)
}

// CompareWithController compares each group of m with the model the
// controller wrote in PlanAnnotation of the group's first member, field by
// field, leaving out what depends on the AWS account and the order of a
// managed security group's inbound rules (the controller builds them from
// a Go map). checked are the groups that carry the annotation; a group
// without one is not compared.
func CompareWithController(t *topology.Topology, m *Model) (checked []string, mismatches []Mismatch) {
	members := map[string]*topology.Ingress{}
	for _, in := range t.Ingresses {
		members[in.Key()] = in
	}
	for _, g := range m.Groups {
		if g.Stack == nil || len(g.Members) == 0 {
			continue
		}
		in := members[g.Members[0]]
		if in == nil {
			continue
		}
		raw, ok := in.Object.Annotations[PlanAnnotation]
		if !ok {
			continue
		}
		checked = append(checked, g.ID)
		var theirs Stack
		if err := json.Unmarshal([]byte(raw), &theirs); err != nil {
			mismatches = append(mismatches, Mismatch{Group: g.ID, Path: PlanAnnotation, Controller: "unreadable: " + err.Error(), Lbctl: "a stack"})
			continue
		}
		mismatches = append(mismatches, compareStacks(g.ID, &theirs, g.Stack)...)
	}
	return checked, mismatches
}

func compareStacks(group string, theirs, ours *Stack) []Mismatch {
	var out []Mismatch
	types := map[string]bool{}
	for typ := range theirs.Resources {
		types[typ] = true
	}
	for typ := range ours.Resources {
		types[typ] = true
	}
	for _, typ := range sortedKeys(types) {
		ids := map[string]bool{}
		for id := range theirs.Resources[typ] {
			ids[id] = true
		}
		for id := range ours.Resources[typ] {
			ids[id] = true
		}
		for _, id := range sortedKeys(ids) {
			a, inA := theirs.Resources[typ][id]
			b, inB := ours.Resources[typ][id]
			where := typ + "/" + id
			if !inA || !inB {
				out = append(out, Mismatch{Group: group, Path: "resource " + where, Controller: present(inA), Lbctl: present(inB)})
				continue
			}
			la, lb := leafMap(typ, a), leafMap(typ, b)
			paths := map[string]bool{}
			for p := range la {
				paths[p] = true
			}
			for p := range lb {
				paths[p] = true
			}
			for _, p := range sortedKeys(paths) {
				va, okA := la[p]
				vb, okB := lb[p]
				if !okA {
					va = "<absent>"
				}
				if !okB {
					vb = "<absent>"
				}
				if va != vb {
					out = append(out, Mismatch{Group: group, Path: where + " " + p, Controller: va, Lbctl: vb})
				}
			}
		}
	}
	return out
}

func present(ok bool) string {
	if ok {
		return "present"
	}
	return "absent"
}

// leafMap flattens a resource into path → JSON value, skipping account
// paths; key/value lists compare as maps and inbound rules as a set.
func leafMap(typ string, raw json.RawMessage) map[string]string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return map[string]string{"": "unreadable"}
	}
	if typ == TypeSecurityGroup {
		if m, ok := v.(map[string]any); ok {
			if spec, ok := m["spec"].(map[string]any); ok {
				if perms, ok := spec["ingress"].([]any); ok {
					sort.Slice(perms, func(i, j int) bool { return canonical(perms[i]) < canonical(perms[j]) })
				}
			}
		}
	}
	out := map[string]string{}
	var walk func(path string, x any)
	walk = func(path string, x any) {
		for _, p := range accountPaths[typ] {
			if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
				return
			}
		}
		x = kvMap(x)
		switch t := x.(type) {
		case map[string]any:
			if len(t) == 0 {
				out[path] = "{}"
			}
			for k, e := range t {
				if path == "" {
					walk(k, e)
				} else {
					walk(path+"."+k, e)
				}
			}
		case []any:
			if len(t) == 0 {
				out[path] = "[]"
			}
			for i, e := range t {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		default:
			out[path] = canonical(t)
		}
	}
	walk("", v)
	return out
}

// kvMap turns [{key, value}, …] into {key: value}.
func kvMap(x any) any {
	list, ok := x.([]any)
	if !ok || len(list) == 0 {
		return x
	}
	m := map[string]any{}
	for _, e := range list {
		kv, ok := e.(map[string]any)
		if !ok || len(kv) != 2 {
			return x
		}
		k, okK := kv["key"].(string)
		v, okV := kv["value"]
		if !okK || !okV {
			return x
		}
		m[k] = v
	}
	return m
}

func canonical(x any) string {
	b, _ := json.Marshal(x)
	return string(b)
}
