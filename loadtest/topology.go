package loadtest

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Selection says which Ingresses' listener rules become targets.
type Selection struct {
	// Ingresses are NAMESPACE/NAME keys.
	Ingresses []string
	// Groups are ingress group names: an explicit group.name, or
	// NAMESPACE/NAME for an Ingress alone in its implicit group.
	Groups []string
	// All takes every ALB Ingress read.
	All bool
}

// Empty reports whether nothing is selected.
func (s Selection) Empty() bool { return !s.All && len(s.Ingresses) == 0 && len(s.Groups) == 0 }

// RuleOptions tune how rules become concrete requests.
type RuleOptions struct {
	// PathSample replaces * in path patterns ("" by default: /api/* → /api/).
	PathSample string
	// HostSample replaces * in host patterns ("www" by default).
	HostSample string
}

// TopologyTargets turns the selected Ingresses' listener rules into
// targets: one request per rule, sent to the rule's ALB (its DNS name from
// AWS, else the Ingress status) with the rule's host as Host header and SNI,
// a concrete path for its path pattern, and its method, header and query
// conditions. Rules no request can be made for (regex hosts or paths,
// source-ip conditions, no ALB address yet) are skipped with a warning.
func TopologyTargets(t *topology.Topology, sel Selection, o RuleOptions) ([]Target, []string, error) {
	if o.HostSample == "" {
		o.HostSample = "www"
	}
	ings, err := selectIngresses(t, sel)
	if err != nil {
		return nil, nil, err
	}
	var out []Target
	var warns []string
	seen := map[string]bool{}
	for _, in := range ings {
		alb := albAddress(in)
		if alb == "" {
			warns = append(warns, fmt.Sprintf("ingress %s has no ALB address yet (not provisioned, or AWS not read): skipped; use --url with --connect-to/--resolve", in.Key()))
			continue
		}
		ports := map[int32]bool{}
		for _, r := range in.Rules {
			ports[r.Port] = true
		}
		for _, r := range in.Rules {
			tg, why := ruleTarget(in, r, alb, len(ports) > 1, o)
			if why != "" {
				warns = append(warns, fmt.Sprintf("ingress %s: rule %s: %s: skipped", in.Key(), describeRule(r), why))
				continue
			}
			if k := tg.Method + " " + tg.URL + " " + tg.Connect; !seen[k] {
				seen[k] = true
				out = append(out, tg)
			}
		}
	}
	if len(out) == 0 {
		return nil, warns, fmt.Errorf("the selected ingresses give no request to send: %w", ErrNoTargets)
	}
	return out, warns, nil
}

func selectIngresses(t *topology.Topology, sel Selection) ([]*topology.Ingress, error) {
	albs := t.ALBIngresses()
	if sel.All {
		if len(albs) == 0 {
			return nil, fmt.Errorf("no ALB ingress found: %w", ErrNoTargets)
		}
		return albs, nil
	}
	var out []*topology.Ingress
	taken := map[*topology.Ingress]bool{}
	add := func(in *topology.Ingress) {
		if !taken[in] {
			taken[in] = true
			out = append(out, in)
		}
	}
	for _, key := range sel.Ingresses {
		var found *topology.Ingress
		for _, in := range t.Ingresses {
			if in.Key() == key {
				found = in
			}
		}
		switch {
		case found == nil:
			return nil, fmt.Errorf("ingress %s not found: %w", key, ErrNoTargets)
		case found.Group == nil:
			return nil, fmt.Errorf("ingress %s is not an ALB ingress (class %q): %w", key, found.Ownership.ClassName, ErrNoTargets)
		}
		add(found)
	}
	for _, name := range sel.Groups {
		n := 0
		for _, g := range t.Groups {
			if g.ID.String() == name || g.ID.Name == name {
				for _, in := range g.Ingresses {
					add(in)
					n++
				}
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("ingress group %s not found: %w", name, ErrNoTargets)
		}
	}
	return out, nil
}

// albAddress is the group's ALB DNS name from AWS, else the Ingress status.
func albAddress(in *topology.Ingress) string {
	if in.Group != nil && in.Group.LoadBalancer != nil && in.Group.LoadBalancer.DNSName != "" {
		return in.Group.LoadBalancer.DNSName
	}
	for _, s := range in.Object.Status.LoadBalancer.Ingress {
		if s.Hostname != "" {
			return s.Hostname
		}
		if s.IP != "" {
			return s.IP
		}
	}
	return ""
}

func describeRule(r lbc.Rule) string {
	host := "*"
	if len(r.Hosts) > 0 {
		host = strings.Join(r.Hosts, ",")
	} else if len(r.HostRegex) > 0 {
		host = "~" + strings.Join(r.HostRegex, ",")
	}
	path := strings.Join(r.Paths, ",")
	if len(r.PathRegex) > 0 {
		path = "~" + strings.Join(r.PathRegex, ",")
	}
	return fmt.Sprintf("%s:%d %s%s", strings.ToLower(r.Protocol), r.Port, host, path)
}

// ruleTarget builds the request for one rule, or says why none can be made.
func ruleTarget(in *topology.Ingress, r lbc.Rule, alb string, multiPort bool, o RuleOptions) (Target, string) {
	if len(r.HostRegex) > 0 {
		return Target{}, "host regex conditions cannot be sampled"
	}
	if len(r.PathRegex) > 0 {
		return Target{}, "path regex conditions cannot be sampled"
	}
	scheme := "http"
	if r.Protocol == lbc.ProtocolHTTPS {
		scheme = "https"
	}
	port := strconv.Itoa(int(r.Port))
	host := alb
	if len(r.Hosts) > 0 {
		host = sampleGlob(strings.ToLower(r.Hosts[0]), o.HostSample)
	}
	path := "/"
	if len(r.Paths) > 0 {
		path = concretePath(r.Paths, o.PathSample)
	}
	tg := Target{Method: "GET", Ingress: in.Key(), Connect: net.JoinHostPort(alb, port)}
	q := url.Values{}
	for _, c := range r.Conditions {
		switch c.Field {
		case lbc.ConditionHTTPRequestMethod:
			if c.HTTPRequestMethodConfig != nil && len(c.HTTPRequestMethodConfig.Values) > 0 {
				tg.Method = strings.ToUpper(c.HTTPRequestMethodConfig.Values[0])
			}
		case lbc.ConditionHTTPHeader:
			hc := c.HTTPHeaderConfig
			if hc == nil || len(hc.Values) == 0 {
				return Target{}, "http-header condition with regex values cannot be sampled"
			}
			if tg.Header == nil {
				tg.Header = map[string][]string{}
			}
			tg.Header.Set(hc.HTTPHeaderName, sampleGlob(hc.Values[0], "x"))
		case lbc.ConditionQueryString:
			if c.QueryStringConfig != nil && len(c.QueryStringConfig.Values) > 0 {
				kv := c.QueryStringConfig.Values[0]
				k := "q"
				if kv.Key != nil {
					k = sampleGlob(*kv.Key, "x")
				}
				q.Set(k, sampleGlob(kv.Value, "x"))
			}
		case lbc.ConditionSourceIP:
			return Target{}, "source-ip conditions cannot be met from here"
		}
	}
	u := url.URL{Scheme: scheme, Host: host, Path: path, RawQuery: q.Encode()}
	if (scheme == "http" && port != "80") || (scheme == "https" && port != "443") {
		u.Host = net.JoinHostPort(host, port)
	}
	tg.URL = u.String()
	tg.Name = in.Key() + ":" + host + path
	if multiPort {
		tg.Name += "@" + port
	}
	return tg, ""
}

// concretePath picks a path the patterns match: the first without
// wildcards, "/" for the catch-all "/*", else the first with its wildcards
// filled in.
func concretePath(patterns []string, sample string) string {
	for _, p := range patterns {
		if !strings.ContainsAny(p, "*?") {
			return p
		}
	}
	if patterns[0] == "/*" {
		return "/"
	}
	return sampleGlob(patterns[0], sample)
}

// sampleGlob fills an ALB glob: * with sample, ? with one character.
func sampleGlob(p, sample string) string {
	p = strings.ReplaceAll(p, "*", sample)
	return strings.ReplaceAll(p, "?", "x")
}
