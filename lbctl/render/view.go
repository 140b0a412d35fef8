package render

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
)

// WriteView prints the model for people: per group its ALB, each listener
// with its default action and rules in priority order, and the target
// groups with their health checks. Every value is escaped for a terminal.
func WriteView(w io.Writer, m *Model) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(m.Groups) == 0 && len(m.IngressErrors) == 0 {
		fmt.Fprintln(tw, "no Ingress of the ALB controller in scope")
	}
	for i, g := range m.Groups {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		writeGroup(tw, g)
	}
	if len(m.IngressErrors) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "REJECTED INGRESSES (the controller loads them into no group)")
		for _, e := range m.IngressErrors {
			fmt.Fprintf(tw, "  %s\t%s\n", Escape(e.Ingress), Escape(e.Error))
		}
	}
	return tw.Flush()
}

// Escape makes a value from a manifest safe for a terminal: control and other
// non-printable characters are written as Go escapes.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

func writeGroup(w io.Writer, g Group) {
	fmt.Fprintf(w, "GROUP %s\tmembers: %s\n", Escape(g.ID), Escape(strings.Join(g.Members, ", ")))
	if g.Error != "" {
		fmt.Fprintf(w, "  FAILS TO BUILD\t%s\n", Escape(g.Error))
		return
	}
	res := g.Stack.Resources
	var lb LoadBalancerSpec
	decode(res[TypeLoadBalancer][lbcLoadBalancer], &lb)
	fmt.Fprintf(w, "  ALB %s\t%s, %s%s\n", Escape(lb.Name), Escape(lb.Scheme), Escape(lb.IPAddressType), Escape(albExtras(lb, res)))
	rulesByPort := map[string][]ListenerRuleSpec{}
	for id, raw := range res[TypeListenerRule] {
		port, _, _ := strings.Cut(id, ":")
		var r ListenerRuleSpec
		decode(raw, &r)
		rulesByPort[port] = append(rulesByPort[port], r)
	}
	tgNames := map[string]string{}
	for id, raw := range res[TypeTargetGroup] {
		var tg TargetGroupSpec
		decode(raw, &tg)
		tgNames[id] = tg.Name
	}
	for _, port := range sortedNumeric(res[TypeListener]) {
		var l ListenerSpec
		decode(res[TypeListener][port], &l)
		extra := ""
		if l.SSLPolicy != "" {
			extra = ", " + l.SSLPolicy
		}
		if n := len(l.Certificates); n > 0 {
			extra += fmt.Sprintf(", %d certificate(s)", n)
		}
		if ma := l.MutualAuthentication; ma != nil {
			extra += ", mTLS " + ma.Mode
		}
		if n := len(l.ListenerAttributes); n > 0 {
			extra += fmt.Sprintf(", %d attribute(s)", n)
		}
		fmt.Fprintf(w, "  LISTENER %s:%d%s\tdefault: %s\n", l.Protocol, l.Port, Escape(extra), Escape(actionText(l.DefaultActions, tgNames)))
		rules := rulesByPort[port]
		sort.Slice(rules, func(i, j int) bool { return rules[i].Priority < rules[j].Priority })
		for _, r := range rules {
			fmt.Fprintf(w, "    %d\t%s\t→ %s\n", r.Priority, Escape(conditionText(r.Conditions)), Escape(actionText(r.Actions, tgNames)))
		}
	}
	ids := make([]string, 0, len(res[TypeTargetGroup]))
	for id := range res[TypeTargetGroup] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		fmt.Fprintln(w, "  TARGET GROUPS")
	}
	for _, id := range ids {
		var tg TargetGroupSpec
		decode(res[TypeTargetGroup][id], &tg)
		hc := tg.HealthCheckConfig
		codes := ""
		if hc.Matcher != nil {
			codes = hc.Matcher.HTTPCode + hc.Matcher.GRPCCode
		}
		fmt.Fprintf(w, "    %s\t%s %s:%d %s\tcheck %s %v %s → %s every %ds\t(%s)\n", Escape(tg.Name), tg.TargetType, tg.Protocol, tg.Port, tg.ProtocolVersion,
			hc.Protocol, hc.Port, Escape(hc.Path), Escape(codes), hc.IntervalSeconds, Escape(id))
	}
}

const lbcLoadBalancer = "LoadBalancer"

// albExtras names the ALB's capacity reservation, IPAM pool and add-ons
// for the view, "" when it has none.
func albExtras(lb LoadBalancerSpec, res map[string]map[string]json.RawMessage) string {
	var parts []string
	if c := lb.MinimumCapacity; c != nil {
		parts = append(parts, fmt.Sprintf("%d capacity units reserved", c.CapacityUnits))
	}
	if lb.IPv4IPAMPool != "" {
		parts = append(parts, "IPAM pool "+lb.IPv4IPAMPool)
	}
	if raw, ok := res[TypeWAFv2Association][lbcLoadBalancer]; ok {
		var a WAFv2AssociationSpec
		decode(raw, &a)
		parts = append(parts, "WAFv2 "+orNone(a.WebACLARN))
	}
	if raw, ok := res[TypeWAFRegionalAssoc][lbcLoadBalancer]; ok {
		var a WAFRegionalAssociationSpec
		decode(raw, &a)
		parts = append(parts, "WAF Classic "+orNone(a.WebACLID))
	}
	if raw, ok := res[TypeShieldProtection][lbcLoadBalancer]; ok {
		var p ShieldProtectionSpec
		decode(raw, &p)
		parts = append(parts, "Shield Advanced "+map[bool]string{true: "on", false: "off"}[p.Enabled])
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "removed"
	}
	return s
}

func decode(raw json.RawMessage, into any) {
	var s struct {
		Spec json.RawMessage `json:"spec"`
	}
	if json.Unmarshal(raw, &s) == nil {
		_ = json.Unmarshal(s.Spec, into)
	}
}

func sortedNumeric[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i])
		b, _ := strconv.Atoi(out[j])
		return a < b
	})
	return out
}

func conditionText(cs []Condition) string {
	var parts []string
	for _, c := range cs {
		switch {
		case c.HostHeaderConfig != nil:
			parts = append(parts, "host "+strings.Join(append(c.HostHeaderConfig.Values, c.HostHeaderConfig.RegexValues...), ","))
		case c.PathPatternConfig != nil:
			parts = append(parts, "path "+strings.Join(append(c.PathPatternConfig.Values, c.PathPatternConfig.RegexValues...), ","))
		case c.HTTPHeaderConfig != nil:
			parts = append(parts, "header "+c.HTTPHeaderConfig.HTTPHeaderName+"="+strings.Join(c.HTTPHeaderConfig.Values, ","))
		case c.HTTPRequestMethodConfig != nil:
			parts = append(parts, "method "+strings.Join(c.HTTPRequestMethodConfig.Values, ","))
		case c.QueryStringConfig != nil:
			var q []string
			for _, v := range c.QueryStringConfig.Values {
				if v.Key != nil {
					q = append(q, *v.Key+"="+v.Value)
				} else {
					q = append(q, v.Value)
				}
			}
			parts = append(parts, "query "+strings.Join(q, ","))
		case c.SourceIPConfig != nil:
			parts = append(parts, "source "+strings.Join(c.SourceIPConfig.Values, ","))
		}
	}
	return strings.Join(parts, " ")
}

func actionText(as []Action, tgNames map[string]string) string {
	var parts []string
	for _, a := range as {
		switch {
		case a.FixedResponseConfig != nil:
			parts = append(parts, "fixed-response "+a.FixedResponseConfig.StatusCode)
		case a.RedirectConfig != nil:
			r := a.RedirectConfig
			parts = append(parts, fmt.Sprintf("redirect %s %s:%s", r.StatusCode, orHash(r.Protocol, "protocol"), orHash(r.Port, "port")))
		case a.ForwardConfig != nil:
			var tgs []string
			for _, t := range a.ForwardConfig.TargetGroups {
				name := fmt.Sprint(t.TargetGroupARN)
				if m, ok := t.TargetGroupARN.(map[string]any); ok {
					id := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(m["$ref"]), "#/resources/"+TypeTargetGroup+"/"), "/status/targetGroupARN")
					name = tgNames[id]
				}
				if t.Weight != nil {
					name += fmt.Sprintf(" (weight %d)", *t.Weight)
				}
				tgs = append(tgs, name)
			}
			parts = append(parts, "forward "+strings.Join(tgs, ", "))
		default:
			parts = append(parts, a.Type)
		}
	}
	return strings.Join(parts, ", then ")
}

func orHash(v, field string) string {
	if v == "" {
		return "#{" + field + "}"
	}
	return v
}
