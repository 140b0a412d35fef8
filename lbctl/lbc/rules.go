package lbc

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// BackendRef is a Service port an Ingress forwards to. The controller makes
// one target group (and one TargetGroupBinding) per Ingress, Service and
// port, so the same Service port used by two Ingresses gives two target groups.
type BackendRef struct {
	Ingress types.NamespacedName
	Service string
	Port    intstr.IntOrString
}

// Target is where a rule or a listener default sends requests: exactly one
// of Backend (a forward to one Service port) or Action (an actions.NAME
// action, or the 503 fixed response the controller substitutes for a
// missing one).
type Target struct {
	Backend *BackendRef
	Action  *Action
}

// Rule is one listener rule the controller builds for an Ingress path.
type Rule struct {
	Ingress  types.NamespacedName
	Port     int32
	Protocol string
	// Priority is set by ListenerRules (1 is evaluated first); RulesOf leaves 0.
	Priority int32
	// Hosts and Paths are the host-header and path-pattern values, from the
	// Ingress rule and from conditions.NAME; HostRegex and PathRegex their
	// regex forms (use-regex-path-match or regexValues).
	Hosts     []string
	HostRegex []string
	Paths     []string
	PathRegex []string
	// Conditions are the other conditions from conditions.NAME
	// (http-header, http-request-method, query-string, source-ip).
	Conditions []RuleCondition
	// BackendName is the path's backend service name, which also keys its
	// conditions.NAME, actions.NAME and transforms.NAME annotations.
	BackendName string
	Target
}

// RulesOf builds the listener rules of one Ingress the way the controller's
// buildListenerRules does, before group-level optimisation: for each of its
// listen ports (none on HTTP ports when ssl-redirect is set) and each
// spec.rules[].http.paths[] in the controller's order (Exact, then Prefix by
// descending length, then ImplementationSpecific). Prefix "/foo" matches
// "/foo" and "/foo/*", "/" becomes "/*". A path's backend port
// "use-annotation" takes its action from actions.<service name>; the
// conditions.<service name> annotation adds conditions to every path whose
// backend has that service name.
//
// spec.defaultBackend is not a rule: it becomes the listeners' default
// action (DefaultTarget). A path that cannot be built is skipped and its
// error returned; the controller instead fails the whole group.
func RulesOf(ing *networkingv1.Ingress, cfg IngressConfig) ([]Rule, []error) {
	b := newRuleBuilder(ing, cfg)
	type built struct {
		Rule
		ok bool
	}
	var paths []built
	for _, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		sorted, err := sortPaths(r.HTTP.Paths)
		if err != nil {
			b.errs = append(b.errs, fmt.Errorf("ingress %s: %w", b.key, err))
			continue
		}
		for _, p := range sorted {
			rule, err := b.rule(r.Host, p)
			if err != nil {
				if !errors.Is(err, errBuilt) {
					b.errs = append(b.errs, fmt.Errorf("ingress %s: path %q: %w", b.key, p.Path, err))
				}
				continue
			}
			paths = append(paths, built{Rule: rule, ok: true})
		}
	}
	var out []Rule
	for _, lp := range sortedListenPorts(cfg.ListenPorts) {
		if cfg.SSLRedirectPort != 0 && lp.Protocol == ProtocolHTTP {
			continue
		}
		for _, p := range paths {
			r := p.Rule
			r.Port, r.Protocol = lp.Port, lp.Protocol
			out = append(out, r)
		}
	}
	return out, b.errs
}

// DefaultTarget returns where the listeners send requests no rule matches
// when this Ingress has spec.defaultBackend (nil otherwise). At most one
// member of a group may set it; without one the controller answers 404.
func DefaultTarget(ing *networkingv1.Ingress, cfg IngressConfig) (*Target, []error) {
	if ing.Spec.DefaultBackend == nil {
		return nil, nil
	}
	b := newRuleBuilder(ing, cfg)
	t, err := b.target(*ing.Spec.DefaultBackend)
	if err != nil {
		if !errors.Is(err, errBuilt) {
			b.errs = append(b.errs, fmt.Errorf("ingress %s: default backend: %w", b.key, err))
		}
		return nil, b.errs
	}
	return &t, b.errs
}

// ListenerRules builds the rules of a whole group per listener, as the
// controller does: members in controller order (SortMembers), no rules on
// HTTP listeners when any member sets ssl-redirect, redirect rules that would
// loop and rules shadowed by an earlier redirect dropped (rule_optimizer.go),
// and priorities numbered from 1 per listener. Sorted by port, then priority.
func ListenerRules(members []Member) ([]Rule, []error) {
	redirect := groupSSLRedirect(members)
	byPort := map[int32][]Rule{}
	protocols := map[int32]string{}
	var errs []error
	for _, m := range members {
		cfg := m.Config
		cfg.SSLRedirectPort = redirect
		rules, e := RulesOf(m.Ingress, cfg)
		errs = append(errs, e...)
		for _, r := range rules {
			byPort[r.Port] = append(byPort[r.Port], r)
			if _, ok := protocols[r.Port]; !ok {
				protocols[r.Port] = r.Protocol
			}
		}
	}
	ports := make([]int32, 0, len(byPort))
	for p := range byPort {
		ports = append(ports, p)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	var out []Rule
	for _, port := range ports {
		for i, r := range OptimizeRules(port, protocols[port], byPort[port]) {
			r.Priority = int32(i + 1)
			out = append(out, r)
		}
	}
	return out, errs
}

// OptimizeRules drops, from one listener's rules in priority order, redirect
// rules that would redirect to themselves and rules after a redirect rule
// whose host and path conditions cover theirs, as the controller's rule
// optimizer does (for the legacy actions.ssl-redirect pattern).
func OptimizeRules(port int32, protocol string, rules []Rule) []Rule {
	var kept []Rule
	for _, r := range rules {
		if isInfiniteRedirect(port, protocol, r) {
			continue
		}
		kept = append(kept, r)
	}
	var out []Rule
	for _, r := range kept {
		shadowed := false
		for _, prev := range out {
			if redirectOf(prev) != nil && coversConditions(prev, r) {
				shadowed = true
				break
			}
		}
		if !shadowed {
			out = append(out, r)
		}
	}
	return out
}

// ServiceBackends returns the distinct Ingress/Service/port triples the rules
// forward to, directly or through forward actions, in order of first use:
// each becomes a controller-managed target group.
func ServiceBackends(rules []Rule) []BackendRef {
	seen := map[string]bool{}
	var out []BackendRef
	add := func(b BackendRef) {
		k := b.Ingress.String() + "\x00" + b.Service + "\x00" + b.Port.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, b)
		}
	}
	for _, r := range rules {
		if r.Backend != nil {
			add(*r.Backend)
		}
		if r.Action != nil && r.Action.Type == ActionTypeForward && r.Action.ForwardConfig != nil {
			for _, tg := range r.Action.ForwardConfig.TargetGroups {
				if tg.ServiceName != nil && tg.ServicePort != nil {
					add(BackendRef{Ingress: r.Ingress, Service: *tg.ServiceName, Port: *tg.ServicePort})
				}
			}
		}
	}
	return out
}

type ruleBuilder struct {
	ing        *networkingv1.Ingress
	cfg        IngressConfig
	key        types.NamespacedName
	errs       []error
	actions    map[string]*Action
	conditions map[string][]RuleCondition
	badConds   map[string]bool
}

func newRuleBuilder(ing *networkingv1.Ingress, cfg IngressConfig) *ruleBuilder {
	return &ruleBuilder{
		ing: ing, cfg: cfg,
		key:        types.NamespacedName{Namespace: ing.Namespace, Name: ing.Name},
		actions:    map[string]*Action{},
		conditions: map[string][]RuleCondition{},
		badConds:   map[string]bool{},
	}
}

// errBuilt marks an annotation whose error was already reported.
var errBuilt = errors.New("already reported")

func (b *ruleBuilder) target(backend networkingv1.IngressBackend) (Target, error) {
	if backend.Service == nil {
		return Target{}, errors.New(`missing required "service" field`)
	}
	svc := backend.Service.Name
	switch {
	case backend.Service.Port.Name == UseAnnotationPort:
		a, err := b.action(svc)
		if err != nil {
			return Target{}, err
		}
		return Target{Action: a}, nil
	case backend.Service.Port.Name != "":
		return Target{Backend: &BackendRef{Ingress: b.key, Service: svc, Port: intstr.FromString(backend.Service.Port.Name)}}, nil
	default:
		return Target{Backend: &BackendRef{Ingress: b.key, Service: svc, Port: intstr.FromInt32(backend.Service.Port.Number)}}, nil
	}
}

func (b *ruleBuilder) action(name string) (*Action, error) {
	if a, ok := b.actions[name]; ok {
		if a == nil {
			return nil, errBuilt
		}
		return a, nil
	}
	key := ActionKey(name)
	raw, ok := b.ing.Annotations[key]
	if !ok {
		body, ct := "Backend action does not exist", "text/plain"
		a := &Action{Type: ActionTypeFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{
			ContentType: &ct, StatusCode: "503", MessageBody: &body,
		}}
		b.actions[name] = a
		b.errs = append(b.errs, tolerated(key, "", ExpectedAction, "backend uses %q but the annotation is missing: the controller answers 503", UseAnnotationPort))
		return a, nil
	}
	a, err := parseAction(raw, key)
	b.actions[name] = a
	if err != nil {
		b.errs = append(b.errs, err)
		return nil, errBuilt
	}
	return a, nil
}

func (b *ruleBuilder) conditionsFor(svc string) ([]RuleCondition, error) {
	if b.badConds[svc] {
		return nil, errBuilt
	}
	if c, ok := b.conditions[svc]; ok {
		return c, nil
	}
	key := ConditionKey(svc)
	raw, ok := b.ing.Annotations[key]
	if !ok {
		b.conditions[svc] = nil
		return nil, nil
	}
	c, err := parseConditions(raw, key)
	if err != nil {
		b.errs = append(b.errs, err)
		if c == nil {
			b.badConds[svc] = true
			return nil, errBuilt
		}
	}
	b.conditions[svc] = c
	return c, nil
}

func (b *ruleBuilder) rule(host string, p networkingv1.HTTPIngressPath) (Rule, error) {
	t, err := b.target(p.Backend)
	if err != nil {
		return Rule{}, err
	}
	r := Rule{Ingress: b.key, Target: t, BackendName: p.Backend.Service.Name}
	if host != "" {
		r.Hosts = append(r.Hosts, host)
	}
	if p.Path != "" {
		values, regex, err := pathPatterns(p.Path, p.PathType, b.cfg.UseRegexPathMatch)
		if err != nil {
			return Rule{}, err
		}
		r.Paths = append(r.Paths, values...)
		r.PathRegex = append(r.PathRegex, regex...)
	}
	conds, err := b.conditionsFor(p.Backend.Service.Name)
	if err != nil {
		return Rule{}, err
	}
	for _, c := range conds {
		switch c.Field {
		case ConditionHostHeader:
			r.Hosts = append(r.Hosts, c.HostHeaderConfig.Values...)
			r.HostRegex = append(r.HostRegex, c.HostHeaderConfig.RegexValues...)
		case ConditionPathPattern:
			r.Paths = append(r.Paths, c.PathPatternConfig.Values...)
			r.PathRegex = append(r.PathRegex, c.PathPatternConfig.RegexValues...)
		case ConditionHTTPHeader, ConditionHTTPRequestMethod, ConditionQueryString, ConditionSourceIP:
			r.Conditions = append(r.Conditions, c)
		}
	}
	if len(r.Hosts) != 0 && len(r.HostRegex) != 0 {
		return Rule{}, fmt.Errorf("host condition must specify exactly one of Values and RegexValues, got both Values %s and RegexValues %s", r.Hosts, r.HostRegex)
	}
	if len(r.Paths) != 0 && len(r.PathRegex) != 0 {
		return Rule{}, fmt.Errorf("path condition must specify exactly one of Values and RegexValues, got both Values %s and RegexValues %s", r.Paths, r.PathRegex)
	}
	if len(r.Hosts)+len(r.HostRegex)+len(r.Paths)+len(r.PathRegex)+len(r.Conditions) == 0 {
		r.Paths = []string{"/*"}
	}
	return r, nil
}

// pathPatterns converts an Ingress path to ALB path-pattern values or regexes (buildPathPatterns).
func pathPatterns(path string, pathType *networkingv1.PathType, regex bool) ([]string, []string, error) {
	pt := networkingv1.PathTypeImplementationSpecific
	if pathType != nil {
		pt = *pathType
	}
	switch pt {
	case networkingv1.PathTypeImplementationSpecific:
		if regex {
			return nil, []string{path[1:]}, nil
		}
		return []string{path}, nil, nil
	case networkingv1.PathTypeExact:
		if strings.ContainsAny(path, "*?") {
			return nil, nil, fmt.Errorf("exact path shouldn't contain wildcards: %v", path)
		}
		return []string{path}, nil, nil
	case networkingv1.PathTypePrefix:
		if path == "/" {
			return []string{"/*"}, nil, nil
		}
		if strings.ContainsAny(path, "*?") {
			return nil, nil, fmt.Errorf("prefix path shouldn't contain wildcards: %v", path)
		}
		p := strings.TrimSuffix(path, "/")
		return []string{p, p + "/*"}, nil, nil
	default:
		return nil, nil, fmt.Errorf("unsupported pathType: %v", pt)
	}
}

// sortPaths orders paths as the controller does (sortIngressPaths).
func sortPaths(paths []networkingv1.HTTPIngressPath) ([]networkingv1.HTTPIngressPath, error) {
	var exact, prefix, impl []networkingv1.HTTPIngressPath
	for _, p := range paths {
		if p.PathType == nil {
			impl = append(impl, p)
			continue
		}
		switch *p.PathType {
		case networkingv1.PathTypeExact:
			exact = append(exact, p)
		case networkingv1.PathTypePrefix:
			prefix = append(prefix, p)
		case networkingv1.PathTypeImplementationSpecific:
			impl = append(impl, p)
		default:
			return nil, fmt.Errorf("unknown pathType for path %s", p.Path)
		}
	}
	sort.SliceStable(prefix, func(i, j int) bool { return len(prefix[i].Path) > len(prefix[j].Path) })
	out := append(exact, prefix...)
	return append(out, impl...), nil
}

func sortedListenPorts(ports []ListenPort) []ListenPort {
	out := append([]ListenPort(nil), ports...)
	sort.Slice(out, func(i, j int) bool { return out[i].Port < out[j].Port })
	return out
}

func redirectOf(r Rule) *RedirectActionConfig {
	if r.Action != nil && r.Action.Type == ActionTypeRedirect {
		return r.Action.RedirectConfig
	}
	return nil
}

func isInfiniteRedirect(port int32, protocol string, r Rule) bool {
	cfg := redirectOf(r)
	if cfg == nil {
		return false
	}
	has := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	if cfg.Host != nil && *cfg.Host != "#{host}" && !has(r.Hosts, *cfg.Host) {
		return false
	}
	if cfg.Path != nil && *cfg.Path != "/#{path}" && !has(r.Paths, *cfg.Path) {
		return false
	}
	if cfg.Port != nil && *cfg.Port != "#{port}" && *cfg.Port != fmt.Sprint(port) {
		return false
	}
	if cfg.Protocol != nil && *cfg.Protocol != "#{protocol}" && *cfg.Protocol != protocol {
		return false
	}
	if cfg.Query != nil && *cfg.Query != "#{query}" {
		return false
	}
	return true
}

// coversConditions reports whether lhs's conditions are a superset of rhs's (isSupersetConditions).
func coversConditions(lhs, rhs Rule) bool {
	if len(lhs.Conditions) != 0 {
		return false
	}
	superset := func(l, r []string) bool {
		set := map[string]bool{}
		for _, v := range l {
			set[v] = true
		}
		for _, v := range r {
			if !set[v] {
				return false
			}
		}
		return true
	}
	contains := func(l []string, v string) bool {
		for _, x := range l {
			if x == v {
				return true
			}
		}
		return false
	}
	hostOK := len(lhs.Hosts) == 0 || (len(rhs.Hosts) != 0 && superset(lhs.Hosts, rhs.Hosts))
	pathOK := len(lhs.Paths) == 0 || contains(lhs.Paths, "/*") || (len(rhs.Paths) != 0 && superset(lhs.Paths, rhs.Paths))
	return hostOK && pathOK
}
