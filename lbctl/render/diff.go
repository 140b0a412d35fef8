package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

// ChangeKind names a kind of change between two models.
type ChangeKind string

// The kinds of change Diff reports. Those Blocking says so stop a
// pull-request check unless allowed by name.
const (
	// ALBReplaced: an Ingress moves to an ALB with another name (another
	// group, scheme or load-balancer-name): a new ALB with a new DNS name.
	ALBReplaced ChangeKind = "alb-replaced"
	// ALBDeleted: a group's ALB goes and no Ingress of it moves elsewhere.
	ALBDeleted ChangeKind = "alb-deleted"
	// ALBCreated: a new group gets a new ALB.
	ALBCreated ChangeKind = "alb-created"
	// TargetGroupReplaced: the same backend gets a target group with another
	// name (target type, port, protocol, group …): targets re-registered.
	TargetGroupReplaced ChangeKind = "target-group-replaced"
	TargetGroupCreated  ChangeKind = "target-group-created"
	TargetGroupDeleted  ChangeKind = "target-group-deleted"
	ListenerAdded       ChangeKind = "listener-added"
	ListenerRemoved     ChangeKind = "listener-removed"
	RuleAdded           ChangeKind = "rule-added"
	RuleRemoved         ChangeKind = "rule-removed"
	RuleChanged         ChangeKind = "rule-changed"
	// GroupFails: the group will not build; the controller changes nothing
	// for any of its members until it is fixed.
	GroupFails ChangeKind = "group-fails"
	// IngressRejected: the controller will not load the Ingress at all.
	IngressRejected ChangeKind = "ingress-rejected"
	// QuotaExceeded: a group crosses an ELB quota (rules, certificates,
	// target groups per ALB, listeners).
	QuotaExceeded ChangeKind = "quota-exceeded"
)

// ChangeKinds lists every kind, blocking ones first.
func ChangeKinds() []ChangeKind {
	return []ChangeKind{ALBReplaced, ALBDeleted, TargetGroupReplaced, GroupFails, IngressRejected, QuotaExceeded,
		ALBCreated, TargetGroupCreated, TargetGroupDeleted, ListenerAdded, ListenerRemoved, RuleAdded, RuleRemoved, RuleChanged}
}

// Blocking says whether a kind of change fails a check by default.
func (k ChangeKind) Blocking() bool {
	switch k {
	case ALBReplaced, ALBDeleted, TargetGroupReplaced, GroupFails, IngressRejected, QuotaExceeded:
		return true
	}
	return false
}

// Change is one difference between two models.
type Change struct {
	Kind  ChangeKind `json:"kind"`
	Group string     `json:"group"`
	// Object is what changed: an Ingress, a target group's resource ID
	// (ns/ingress-service:port), a listener port or a rule ("80:3").
	Object  string `json:"object,omitempty"`
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
	Message string `json:"message"`
	// Blocking is set when the change fails the check (not allowed).
	Blocking bool `json:"blocking"`
}

// DiffReport is every change from one model to another, blocking first.
type DiffReport struct {
	Changes []Change `json:"changes"`
	// Groups counts the groups compared.
	Groups int `json:"groups"`
}

// Blocking counts the blocking changes.
func (r DiffReport) Blocking() int {
	n := 0
	for _, c := range r.Changes {
		if c.Blocking {
			n++
		}
	}
	return n
}

// Diff compares the model before a change with the model after it, group
// by group. allowed kinds never block; limits are the quotas checked on the
// model after.
func Diff(before, after *Model, limits lbc.Limits, allowed map[ChangeKind]bool) DiffReport {
	d := &differ{allowed: allowed}
	bg, ag := byID(before), byID(after)
	ids := map[string]bool{}
	for id := range bg {
		ids[id] = true
	}
	for id := range ag {
		ids[id] = true
	}
	albOf := func(m map[string]Group) map[string]string {
		out := map[string]string{}
		for _, g := range m {
			if g.Stack == nil {
				continue
			}
			var lb LoadBalancerSpec
			decode(g.Stack.Resources[TypeLoadBalancer]["LoadBalancer"], &lb)
			for _, member := range g.Members {
				out[member] = lb.Name
			}
		}
		return out
	}
	albBefore, albAfter := albOf(bg), albOf(ag)
	var members []string
	for ing := range albBefore {
		members = append(members, ing)
	}
	sort.Strings(members)
	moved := map[string]bool{}
	for _, ing := range members {
		if a, ok := albAfter[ing]; ok && a != albBefore[ing] {
			moved[ing] = true
			d.add(Change{Kind: ALBReplaced, Group: groupOf(ag, ing), Object: ing, Before: albBefore[ing], After: a,
				Message: fmt.Sprintf("Ingress %s moves from ALB %s to a new ALB %s: a new DNS name clients must follow, and new target groups", ing, albBefore[ing], a)})
		}
	}
	rejectedBefore := map[string]bool{}
	for _, e := range before.IngressErrors {
		rejectedBefore[e.Ingress] = true
	}
	for _, e := range after.IngressErrors {
		if !rejectedBefore[e.Ingress] {
			d.add(Change{Kind: IngressRejected, Object: e.Ingress, Message: fmt.Sprintf("the controller will not load Ingress %s: %s", e.Ingress, e.Error)})
		}
	}
	for _, id := range sortedKeys(ids) {
		b, inB := bg[id]
		a, inA := ag[id]
		switch {
		case !inA:
			if b.Stack != nil && !anyMoved(b.Members, moved) {
				msg := fmt.Sprintf("group %s goes: its ALB %s is deleted", id, albBefore[first(b.Members)])
				var moves []string
				for _, m := range b.Members {
					if to := groupOf(ag, m); to != "" {
						moves = append(moves, m+" to group "+to)
					}
				}
				if len(moves) > 0 {
					msg += " (" + strings.Join(moves, ", ") + ", which will not build)"
				}
				d.add(Change{Kind: ALBDeleted, Group: id, Before: albBefore[first(b.Members)], Message: msg})
			}
			continue
		case a.Error != "":
			if !inB || b.Error != a.Error {
				d.add(Change{Kind: GroupFails, Group: id, Message: fmt.Sprintf("group %s will not build: %s", id, a.Error)})
			}
			continue
		case !inB || b.Stack == nil:
			var lb LoadBalancerSpec
			decode(a.Stack.Resources[TypeLoadBalancer]["LoadBalancer"], &lb)
			d.add(Change{Kind: ALBCreated, Group: id, After: lb.Name, Message: fmt.Sprintf("group %s gets a new ALB %s", id, lb.Name)})
			d.quotas(id, a, limits)
			continue
		}
		d.group(id, b, a)
		d.quotas(id, a, limits)
	}
	sort.SliceStable(d.out, func(i, j int) bool {
		if d.out[i].Blocking != d.out[j].Blocking {
			return d.out[i].Blocking
		}
		return false
	})
	return DiffReport{Changes: d.out, Groups: len(ids)}
}

type differ struct {
	allowed map[ChangeKind]bool
	out     []Change
}

func (d *differ) add(c Change) {
	c.Blocking = c.Kind.Blocking() && !d.allowed[c.Kind]
	d.out = append(d.out, c)
}

func byID(m *Model) map[string]Group {
	out := map[string]Group{}
	if m == nil {
		return out
	}
	for _, g := range m.Groups {
		out[g.ID] = g
	}
	return out
}

func groupOf(m map[string]Group, ing string) string {
	for id, g := range m {
		for _, member := range g.Members {
			if member == ing {
				return id
			}
		}
	}
	return ""
}

func anyMoved(members []string, moved map[string]bool) bool {
	for _, m := range members {
		if moved[m] {
			return true
		}
	}
	return false
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// group compares two builds of one group: target groups, listeners, rules.
func (d *differ) group(id string, b, a Group) {
	tgName := func(g Group) map[string]string {
		out := map[string]string{}
		for rid, raw := range g.Stack.Resources[TypeTargetGroup] {
			var tg TargetGroupSpec
			decode(raw, &tg)
			out[rid] = tg.Name
		}
		return out
	}
	tb, ta := tgName(b), tgName(a)
	for _, rid := range sortedKeys(tb) {
		switch an, ok := ta[rid]; {
		case !ok:
			d.add(Change{Kind: TargetGroupDeleted, Group: id, Object: rid, Before: tb[rid], Message: fmt.Sprintf("target group %s (%s) goes", tb[rid], rid)})
		case an != tb[rid]:
			d.add(Change{Kind: TargetGroupReplaced, Group: id, Object: rid, Before: tb[rid], After: an,
				Message: fmt.Sprintf("backend %s gets a new target group %s in place of %s: its targets are registered again and must pass health checks", rid, an, tb[rid])})
		}
	}
	for _, rid := range sortedKeys(ta) {
		if _, ok := tb[rid]; !ok {
			d.add(Change{Kind: TargetGroupCreated, Group: id, Object: rid, After: ta[rid], Message: fmt.Sprintf("new target group %s (%s)", ta[rid], rid)})
		}
	}
	lb, la := b.Stack.Resources[TypeListener], a.Stack.Resources[TypeListener]
	for _, port := range sortedKeys(lb) {
		if _, ok := la[port]; !ok {
			d.add(Change{Kind: ListenerRemoved, Group: id, Object: port, Message: "listener " + port + " goes"})
		}
	}
	for _, port := range sortedKeys(la) {
		if _, ok := lb[port]; !ok {
			d.add(Change{Kind: ListenerAdded, Group: id, Object: port, Message: "new listener " + port})
		}
	}
	rb, ra := ruleTexts(b), ruleTexts(a)
	for _, rid := range sortedRuleIDs(rb) {
		switch at, ok := ra[rid]; {
		case !ok:
			d.add(Change{Kind: RuleRemoved, Group: id, Object: rid, Before: rb[rid], Message: "rule " + rid + " goes: " + rb[rid]})
		case at != rb[rid]:
			d.add(Change{Kind: RuleChanged, Group: id, Object: rid, Before: rb[rid], After: at, Message: "rule " + rid + ": " + rb[rid] + " becomes " + at})
		}
	}
	for _, rid := range sortedRuleIDs(ra) {
		if _, ok := rb[rid]; !ok {
			d.add(Change{Kind: RuleAdded, Group: id, Object: rid, After: ra[rid], Message: "new rule " + rid + ": " + ra[rid]})
		}
	}
}

// ruleTexts are a group's rules and listener defaults, each as its
// conditions and actions in words, target groups named by resource ID (so
// a target group replacement alone does not change a rule).
func ruleTexts(g Group) map[string]string {
	out := map[string]string{}
	ids := map[string]string{}
	for rid := range g.Stack.Resources[TypeTargetGroup] {
		ids[rid] = rid
	}
	for rid, raw := range g.Stack.Resources[TypeListenerRule] {
		var r ListenerRuleSpec
		decode(raw, &r)
		text := conditionText(r.Conditions) + " → " + actionText(r.Actions, ids)
		if len(r.Transforms) > 0 {
			var buf bytes.Buffer
			_ = json.Compact(&buf, r.Transforms[0])
			text += " transforms " + buf.String()
		}
		out[rid] = text
	}
	for port, raw := range g.Stack.Resources[TypeListener] {
		var l ListenerSpec
		decode(raw, &l)
		out[port+":default"] = "default → " + actionText(l.DefaultActions, ids)
	}
	return out
}

func sortedRuleIDs(m map[string]string) []string {
	out := sortedKeys(m)
	key := func(s string) (int, int) {
		port, prio, _ := strings.Cut(s, ":")
		p, _ := strconv.Atoi(port)
		n, err := strconv.Atoi(prio)
		if err != nil {
			n = -1 // the default action first
		}
		return p, n
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi, ni := key(out[i])
		pj, nj := key(out[j])
		if pi != pj {
			return pi < pj
		}
		return ni < nj
	})
	return out
}

// quotas checks a built group against the ELB quotas.
func (d *differ) quotas(id string, g Group, limits lbc.Limits) {
	perListener := map[string]int{}
	for rid := range g.Stack.Resources[TypeListenerRule] {
		port, _, _ := strings.Cut(rid, ":")
		perListener[port]++
	}
	rules := 0
	for _, n := range perListener {
		rules += n
	}
	check := func(what string, n, max int) {
		if max > 0 && n > max {
			d.add(Change{Kind: QuotaExceeded, Group: id, After: strconv.Itoa(n),
				Message: fmt.Sprintf("group %s has %d %s, over the quota of %d: the controller stops reconciling it", id, n, what, max)})
		}
	}
	check("rules on its ALB", rules, limits.RulesPerALB)
	check("target groups on its ALB", len(g.Stack.Resources[TypeTargetGroup]), limits.TargetGroupsPerALB)
	check("listeners", len(g.Stack.Resources[TypeListener]), limits.ListenersPerALB)
	certs := 0
	for _, arns := range g.ListenerCertificates {
		if len(arns) > 1 {
			certs += len(arns) - 1 // the quota leaves out each listener's default
		}
	}
	check("certificates besides the listeners' defaults", certs, limits.CertificatesPerALB)
}
