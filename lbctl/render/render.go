// Package render turns a topology into the model the AWS Load Balancer
// Controller builds for each ingress group: its load balancer, listeners,
// rules, target groups, bindings and managed security group, in the
// controller's own JSON (the stack its marshaller writes, and what it puts
// in the alb.ingress.kubernetes.io/dry-run-plan annotation). It is pure: it
// reads only the topology it is given.
package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Options are what the topology does not hold.
type Options struct {
	// DefaultTags are the controller's --default-tags: on every resource,
	// below the Ingress's own tags.
	DefaultTags map[string]string
}

// Render builds the model of every ingress group of t, sorted by group ID.
func Render(t *topology.Topology, o Options) *Model {
	m := &Model{Groups: []Group{}}
	for _, in := range t.Ingresses {
		if in.Ownership.Controller != lbc.IngressClassALB {
			continue
		}
		if err := rejected(in); err != nil {
			m.IngressErrors = append(m.IngressErrors, IngressError{Ingress: in.Key(), Error: err.Error()})
		}
	}
	for _, g := range t.Groups {
		var members []*topology.Ingress
		for _, in := range g.Ingresses {
			if rejected(in) == nil {
				members = append(members, in)
			}
		}
		if len(members) == 0 {
			continue
		}
		m.Groups = append(m.Groups, renderGroup(t, g, members, o))
		for _, in := range members {
			m.Warnings = append(m.Warnings, memberWarnings(in, g)...)
		}
	}
	m.Warnings = append(m.Warnings, autoModeWarnings(t)...)
	sort.Slice(m.Groups, func(i, j int) bool { return m.Groups[i].ID < m.Groups[j].ID })
	sort.Slice(m.IngressErrors, func(i, j int) bool { return m.IngressErrors[i].Ingress < m.IngressErrors[j].Ingress })
	return m
}

// rejected is why the controller's class and group loader drops an Ingress
// before it joins any group, or nil.
func rejected(in *topology.Ingress) error {
	if in.Ownership.Problem != nil {
		return in.Ownership.Problem
	}
	if in.ParamsMissing {
		return lbc.MissingParamsError(in.Ownership.ClassName, in.Ownership.ParamsName)
	}
	for _, err := range in.Errors {
		var ae *lbc.AnnotationError
		if errors.As(err, &ae) && strings.HasSuffix(ae.Annotation, lbc.SuffixGroupName) && !errors.Is(err, lbc.ErrTolerated) {
			return fmt.Errorf("invalid ingress group: %w", err)
		}
	}
	return nil
}

type builder struct {
	t         *topology.Topology
	g         *topology.Group
	members   []*topology.Ingress
	o         Options
	res       map[string]map[string]json.RawMessage
	errs      []string
	tgIDs     map[string]bool
	groupTags map[string]string
}

func renderGroup(t *topology.Topology, g *topology.Group, members []*topology.Ingress, o Options) Group {
	out := Group{ID: g.ID.String()}
	if err := loadError(members); err != nil {
		out.Error = "group load: " + err.Error()
		return out
	}
	for _, in := range members {
		out.Members = append(out.Members, in.Key())
	}
	if len(members) != len(g.Ingresses) {
		g = regroup(t, g, members)
	}
	b := &builder{t: t, g: g, members: members, o: o, res: map[string]map[string]json.RawMessage{}, tgIDs: map[string]bool{}}
	b.build()
	if len(b.errs) > 0 {
		out.Error = strings.Join(b.errs, "; ")
		return out
	}
	out.ListenerCertificates = map[string][]string{}
	for _, l := range g.Listeners {
		out.ListenerCertificates[strconv.Itoa(int(l.Port))] = append([]string{}, l.Certificates...)
	}
	out.Stack = &Stack{ID: g.ID.String(), Resources: b.res}
	return out
}

// loadError is a member error that stops the group from loading at all
// (before any member is known): a group.order the controller cannot take.
func loadError(members []*topology.Ingress) error {
	for _, in := range members {
		for _, err := range in.Errors {
			var ae *lbc.AnnotationError
			if errors.As(err, &ae) && strings.HasSuffix(ae.Annotation, lbc.SuffixGroupOrder) && !errors.Is(err, lbc.ErrTolerated) {
				return fmt.Errorf("ingress %s: %w", in.Key(), err)
			}
		}
	}
	return nil
}

// regroup rebuilds a group's ALB-level settings from the members the
// controller accepts, when the topology's group also holds some it rejects.
func regroup(t *topology.Topology, g *topology.Group, members []*topology.Ingress) *topology.Group {
	ng := &topology.Group{ID: g.ID, Ingresses: members}
	for _, in := range members {
		ng.Members = append(ng.Members, lbc.Member{Ingress: in.Object, Config: in.Config})
	}
	ng.Members = lbc.SortMembers(ng.Members)
	ng.Scheme = lbc.GroupScheme(ng.Members, t.Defaults)
	name, err := lbc.GroupLoadBalancerName(t.Cluster, g.ID, ng.Scheme, ng.Members)
	if err != nil {
		ng.Errors = append(ng.Errors, err)
	}
	ng.LoadBalancerName = name
	ng.Conflicts = lbc.GroupConflicts(ng.Members)
	ls, errs := lbc.Listeners(ng.Members, t.Defaults)
	ng.Listeners = ls
	ng.Errors = append(ng.Errors, errs...)
	rules, errs := lbc.ListenerRules(ng.Members)
	ng.Rules = rules
	ng.Errors = append(ng.Errors, errs...)
	ng.Settings, errs = lbc.GroupALBSettings(ng.Members, t.Defaults)
	ng.Errors = append(ng.Errors, errs...)
	return ng
}

func (b *builder) fail(format string, args ...any) {
	b.errs = append(b.errs, fmt.Sprintf(format, args...))
}

func (b *builder) put(typ, id string, v any) {
	raw, err := json.Marshal(spec[any]{Spec: v})
	if err != nil {
		b.fail("marshal %s %s: %v", typ, id, err)
		return
	}
	if b.res[typ] == nil {
		b.res[typ] = map[string]json.RawMessage{}
	}
	b.res[typ][id] = raw
}

func (b *builder) build() {
	for _, in := range b.members {
		for _, err := range in.Errors {
			if !errors.Is(err, lbc.ErrTolerated) {
				b.fail("ingress: %s: %v", in.Key(), err)
			}
		}
	}
	for _, err := range b.g.Errors {
		if !errors.Is(err, lbc.ErrTolerated) {
			b.fail("%v", err)
		}
	}
	for _, c := range b.g.Conflicts {
		b.fail("conflicting %s%s", c.Annotation, conflictWhere(c))
	}
	if len(b.errs) > 0 {
		return
	}
	b.groupTags = b.tags(nil)
	lbSpec := b.loadBalancer()
	b.put(TypeLoadBalancer, lbc.LoadBalancerResourceTag, lbSpec)
	if b.managedSecurityGroup() {
		b.put(TypeSecurityGroup, lbc.ManagedSecurityGroupResourceTag, b.securityGroup(lbSpec.IPAddressType))
	}
	b.put(TypeFrontendNLBTGs, TypeFrontendNLBTGs, nil)
	b.res[TypeFrontendNLBTGs][TypeFrontendNLBTGs] = json.RawMessage(`{"TargetGroups":{}}`)
	b.listeners()
	b.rules()
	b.targetGroups()
	b.addOns()
}

// addOns puts the WAF and Shield resources the controller attaches to the
// ALB (buildLoadBalancerAddOns): "none" removes an association.
func (b *builder) addOns() {
	st := b.g.Settings
	lbARN := ref(TypeLoadBalancer, lbc.LoadBalancerResourceTag, "loadBalancerARN")
	if v := st.WAFv2ACLARN; v != "" {
		if v == wafNone {
			v = ""
		}
		b.put(TypeWAFv2Association, lbc.LoadBalancerResourceTag, WAFv2AssociationSpec{WebACLARN: v, ResourceARN: lbARN})
	}
	if v := st.WAFACLID; v != "" {
		if v == wafNone {
			v = ""
		}
		b.put(TypeWAFRegionalAssoc, lbc.LoadBalancerResourceTag, WAFRegionalAssociationSpec{WebACLID: v, ResourceARN: lbARN})
	}
	if st.Shield != nil {
		b.put(TypeShieldProtection, lbc.LoadBalancerResourceTag, ShieldProtectionSpec{Enabled: *st.Shield, ResourceARN: lbARN})
	}
}

// wafNone is the annotation value that removes a web ACL association.
const wafNone = "none"

func conflictWhere(c lbc.Conflict) string {
	var s string
	if c.Key != "" {
		s += " " + c.Key
	}
	if c.Port != 0 {
		s += fmt.Sprintf(" on port %d", c.Port)
	}
	vals := make([]string, 0, len(c.Values))
	for v := range c.Values {
		vals = append(vals, v)
	}
	sort.Strings(vals)
	return s + ": " + strings.Join(vals, " | ")
}

// tags merges --default-tags with the group's (or one Ingress's) tags.
func (b *builder) tags(only *topology.Ingress) map[string]string {
	out := map[string]string{}
	for k, v := range b.o.DefaultTags {
		out[k] = v
	}
	for _, in := range b.members {
		if only != nil && in != only {
			continue
		}
		for k, v := range in.Config.Tags {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (b *builder) exclusive(suffix string) (string, bool) {
	for _, in := range b.members {
		if v, ok := in.Config.Exclusive[suffix]; ok {
			return v, true
		}
	}
	return "", false
}

func (b *builder) ipAddressType() string {
	for _, in := range b.members {
		if _, ok := in.Config.Exclusive[lbc.SuffixIPAddressType]; ok {
			return in.Config.IPAddressType
		}
	}
	return b.members[0].Config.IPAddressType
}

func (b *builder) loadBalancer() LoadBalancerSpec {
	s := LoadBalancerSpec{
		Name:          b.g.LoadBalancerName,
		Type:          "application",
		Scheme:        b.g.Scheme,
		IPAddressType: b.ipAddressType(),
		Tags:          b.groupTags,
	}
	if b.managedSecurityGroup() {
		s.SecurityGroups = []any{ref(TypeSecurityGroup, lbc.ManagedSecurityGroupResourceTag, "groupID")}
	} else if v, ok := b.exclusive(lbc.SuffixSecurityGroups); ok {
		for _, sg := range lbc.ParseStringList(v) {
			s.SecurityGroups = append(s.SecurityGroups, sg)
		}
	}
	attrs := map[string]string{}
	for _, in := range b.members {
		for k, v := range in.Config.LoadBalancerAttributes {
			attrs[k] = v
		}
	}
	s.LoadBalancerAttributes = keyValues(attrs)
	if v, ok := b.exclusive(lbc.SuffixCustomerOwnedIPv4Pool); ok {
		s.CustomerOwnedIPv4Pool = v
	}
	s.IPv4IPAMPool = b.g.Settings.IPAMPool
	if u := b.g.Settings.CapacityUnits; u != nil {
		s.MinimumCapacity = &MinimumCapacity{CapacityUnits: *u}
	}
	return s
}

func keyValues(m map[string]string) []KeyValue {
	if len(m) == 0 {
		return nil
	}
	out := make([]KeyValue, 0, len(m))
	for k, v := range m {
		out = append(out, KeyValue{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// managedSecurityGroup says whether the controller creates the ALB's
// security group: it does unless a member names security groups.
func (b *builder) managedSecurityGroup() bool {
	_, ok := b.exclusive(lbc.SuffixSecurityGroups)
	return !ok
}

func (b *builder) securityGroup(ipType string) SecurityGroupSpec {
	s := SecurityGroupSpec{
		GroupName:   lbc.ManagedSecurityGroupName(b.t.Cluster, b.g.ID),
		Description: "[k8s] Managed SecurityGroup for LoadBalancer",
		Tags:        b.groupTags,
		Ingress:     []IPPermission{},
	}
	for _, l := range b.g.Listeners {
		for _, c := range l.InboundCIDRs {
			ip, _, err := net.ParseCIDR(c)
			if err != nil {
				continue
			}
			p := IPPermission{IPProtocol: "tcp", FromPort: l.Port, ToPort: l.Port}
			if ip.To4() != nil {
				p.IPRanges = []IPRange{{CIDRIP: c}}
			} else {
				if ipType == lbc.IPAddressTypeIPv4 {
					continue
				}
				p.IPv6Ranges = []IPv6Range{{CIDRIPv6: c}}
			}
			s.Ingress = append(s.Ingress, p)
		}
		for _, pl := range l.PrefixLists {
			s.Ingress = append(s.Ingress, IPPermission{IPProtocol: "tcp", FromPort: l.Port, ToPort: l.Port, PrefixLists: []PrefixList{{ListID: pl}}})
		}
	}
	return s
}

func (b *builder) sslRedirect() int32 {
	for _, in := range b.members {
		if in.Config.SSLRedirectPort != 0 {
			return in.Config.SSLRedirectPort
		}
	}
	return 0
}

func (b *builder) listeners() {
	redirect := b.sslRedirect()
	var def *lbc.Target
	var defIng *topology.Ingress
	for _, in := range b.members {
		if t, _ := lbc.DefaultTarget(in.Object, in.Config); t != nil {
			if def != nil {
				b.fail("multiple default backends found")
				return
			}
			def, defIng = t, in
		}
	}
	for _, l := range b.g.Listeners {
		id := strconv.Itoa(int(l.Port))
		s := ListenerSpec{
			LoadBalancerARN: ref(TypeLoadBalancer, lbc.LoadBalancerResourceTag, "loadBalancerARN"),
			Port:            l.Port,
			Protocol:        l.Protocol,
			Tags:            b.groupTags,
		}
		switch {
		case redirect != 0 && l.Protocol == lbc.ProtocolHTTP:
			s.DefaultActions = []Action{{Type: "redirect", RedirectConfig: &RedirectConfig{Port: strconv.Itoa(int(redirect)), Protocol: lbc.ProtocolHTTPS, StatusCode: "HTTP_301"}}}
		case def != nil:
			s.DefaultActions = b.actions(defIng, *def)
		default:
			s.DefaultActions = []Action{{Type: "fixed-response", FixedResponseConfig: &FixedResponseConfig{ContentType: "text/plain", StatusCode: "404"}}}
		}
		if l.Protocol == lbc.ProtocolHTTPS {
			s.SSLPolicy = l.SSLPolicy
			for _, c := range l.Certificates {
				s.Certificates = append(s.Certificates, Certificate{CertificateARN: c})
			}
			if ma := l.MutualAuthentication; ma != nil {
				s.MutualAuthentication = &MutualAuthentication{Mode: ma.Mode, TrustStoreARN: ma.TrustStore, IgnoreClientCertificateExpiry: ma.IgnoreClientCertificateExpiry}
			}
		}
		s.ListenerAttributes = keyValues(l.Attributes)
		b.put(TypeListener, id, s)
	}
}

func (b *builder) ingress(key types.NamespacedName) *topology.Ingress {
	for _, in := range b.members {
		if in.Object.Namespace == key.Namespace && in.Object.Name == key.Name {
			return in
		}
	}
	return nil
}

func (b *builder) rules() {
	for _, r := range b.g.Rules {
		in := b.ingress(r.Ingress)
		if in == nil {
			continue
		}
		s := ListenerRuleSpec{
			ListenerARN: ref(TypeListener, strconv.Itoa(int(r.Port)), "listenerARN"),
			Priority:    r.Priority,
			Actions:     b.actions(in, r.Target),
			Conditions:  conditions(r),
			Tags:        b.tags(in),
		}
		if r.Protocol == lbc.ProtocolHTTPS {
			auth, err := b.auth(in, r)
			if err != nil {
				b.fail("ingress: %s: %v", in.Key(), err)
				return
			}
			if auth != nil {
				s.Actions = append([]Action{*auth}, s.Actions...)
			}
		}
		tr, err := lbc.Transforms(in.Object, r.BackendName)
		if err != nil {
			b.fail("ingress: %s: %v", in.Key(), err)
			return
		}
		s.Transforms = tr
		b.put(TypeListenerRule, lbc.RuleResourceTag(r.Port, r.Priority), s)
	}
}

// auth is the authentication action a rule on an HTTPS listener starts
// with, nil for auth-type none.
func (b *builder) auth(in *topology.Ingress, r lbc.Rule) (*Action, error) {
	var svc *corev1.Service
	if r.Backend != nil {
		if be := b.backend(in, *r.Backend); be != nil {
			svc = be.Service
		}
	}
	c, err := lbc.AuthConfigOf(in.Object, svc)
	if err != nil {
		return nil, err
	}
	switch c.Type {
	case lbc.AuthTypeCognito:
		return &Action{Type: "authenticate-cognito", AuthenticateCognito: &AuthCognito{
			UserPoolARN: c.Cognito.UserPoolARN, UserPoolClientID: c.Cognito.UserPoolClientID, UserPoolDomain: c.Cognito.UserPoolDomain,
			AuthenticationRequestExtraParams: c.ExtraParams, OnUnauthenticatedRequest: c.OnUnauthenticatedRequest,
			Scope: c.Scope, SessionCookieName: c.SessionCookieName, SessionTimeout: c.SessionTimeout,
		}}, nil
	case lbc.AuthTypeOIDC:
		return &Action{Type: "authenticate-oidc", AuthenticateOIDC: &AuthOIDC{
			Issuer: c.OIDC.Issuer, AuthorizationEndpoint: c.OIDC.AuthorizationEndpoint, TokenEndpoint: c.OIDC.TokenEndpoint, UserInfoEndpoint: c.OIDC.UserInfoEndpoint,
			AuthenticationRequestExtraParams: c.ExtraParams, OnUnauthenticatedRequest: c.OnUnauthenticatedRequest,
			Scope: c.Scope, SessionCookieName: c.SessionCookieName, SessionTimeout: c.SessionTimeout,
		}}, nil
	}
	return nil, nil
}

func conditions(r lbc.Rule) []Condition {
	var out []Condition
	for _, c := range r.Conditions {
		switch c.Field {
		case lbc.ConditionHTTPHeader, lbc.ConditionHTTPRequestMethod, lbc.ConditionQueryString, lbc.ConditionSourceIP:
			out = append(out, c)
		}
	}
	if len(r.Hosts) > 0 || len(r.HostRegex) > 0 {
		out = append(out, Condition{Field: lbc.ConditionHostHeader, HostHeaderConfig: &lbc.HostHeaderConditionConfig{Values: r.Hosts, RegexValues: r.HostRegex}})
	}
	if len(r.Paths) > 0 || len(r.PathRegex) > 0 {
		out = append(out, Condition{Field: lbc.ConditionPathPattern, PathPatternConfig: &lbc.PathPatternConditionConfig{Values: r.Paths, RegexValues: r.PathRegex}})
	}
	if len(out) == 0 {
		out = append(out, Condition{Field: lbc.ConditionPathPattern, PathPatternConfig: &lbc.PathPatternConditionConfig{Values: []string{"/*"}}})
	}
	return out
}

// actions are what a rule or default action does with its target: forward
// to the backend's target group, or the annotation's action.
func (b *builder) actions(in *topology.Ingress, t lbc.Target) []Action {
	if t.Backend != nil {
		be := b.backend(in, *t.Backend)
		if be == nil || be.Service == nil {
			return []Action{fixed503("Backend service does not exist")}
		}
		id := lbc.TargetGroupResourceTag(t.Backend.Ingress, t.Backend.Service, t.Backend.Port)
		b.tgIDs[id] = true
		return []Action{{Type: "forward", ForwardConfig: &ForwardConfig{TargetGroups: []TargetGroupTuple{{TargetGroupARN: ref(TypeTargetGroup, id, "targetGroupARN")}}}}}
	}
	a := t.Action
	if a == nil {
		return []Action{fixed503("Backend action does not exist")}
	}
	switch a.Type {
	case lbc.ActionTypeFixedResponse:
		c := a.FixedResponseConfig
		return []Action{{Type: string(a.Type), FixedResponseConfig: &FixedResponseConfig{ContentType: deref(c.ContentType), MessageBody: deref(c.MessageBody), StatusCode: c.StatusCode}}}
	case lbc.ActionTypeRedirect:
		c := a.RedirectConfig
		return []Action{{Type: string(a.Type), RedirectConfig: &RedirectConfig{Host: deref(c.Host), Path: deref(c.Path), Port: deref(c.Port), Protocol: deref(c.Protocol), Query: deref(c.Query), StatusCode: c.StatusCode}}}
	case lbc.ActionTypeForward:
		fc := &ForwardConfig{}
		if a.ForwardConfig != nil {
			for _, tg := range a.ForwardConfig.TargetGroups {
				tup := TargetGroupTuple{Weight: tg.Weight}
				switch {
				case tg.TargetGroupARN != nil:
					tup.TargetGroupARN = *tg.TargetGroupARN
				case tg.TargetGroupName != nil:
					tup.TargetGroupARN = "arn:aws:elasticloadbalancing:::targetgroup/" + *tg.TargetGroupName
				case tg.ServiceName != nil && tg.ServicePort != nil:
					br := lbc.BackendRef{Ingress: types.NamespacedName{Namespace: in.Object.Namespace, Name: in.Object.Name}, Service: *tg.ServiceName, Port: *tg.ServicePort}
					be := b.backend(in, br)
					if be == nil || be.Service == nil {
						return []Action{fixed503("Backend service does not exist")}
					}
					id := lbc.TargetGroupResourceTag(br.Ingress, br.Service, br.Port)
					b.tgIDs[id] = true
					tup.TargetGroupARN = ref(TypeTargetGroup, id, "targetGroupARN")
				}
				fc.TargetGroups = append(fc.TargetGroups, tup)
			}
			if st := a.ForwardConfig.TargetGroupStickinessConfig; st != nil {
				fc.TargetGroupStickinessConfig = &Stickiness{Enabled: st.Enabled, DurationSeconds: st.DurationSeconds}
			}
		}
		return []Action{{Type: string(a.Type), ForwardConfig: fc}}
	}
	return []Action{fixed503("Backend action does not exist")}
}

func fixed503(body string) Action {
	return Action{Type: "fixed-response", FixedResponseConfig: &FixedResponseConfig{ContentType: "text/plain", MessageBody: body, StatusCode: "503"}}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (b *builder) backend(in *topology.Ingress, r lbc.BackendRef) *topology.Backend {
	for _, be := range in.Backends {
		if be.Ref.Service == r.Service && be.Ref.Port.String() == r.Port.String() {
			return be
		}
	}
	return nil
}

// targetGroups puts a target group and its binding for every backend an
// action forwards to.
func (b *builder) targetGroups() {
	for _, in := range b.members {
		for _, be := range in.Backends {
			id := lbc.TargetGroupResourceTag(be.Ref.Ingress, be.Ref.Service, be.Ref.Port)
			if !b.tgIDs[id] || be.Service == nil {
				continue
			}
			b.targetGroup(in, be, id)
		}
	}
}

func (b *builder) targetGroup(in *topology.Ingress, be *topology.Backend, id string) {
	if be.Err != nil {
		b.fail("ingress: %s: %v", in.Key(), be.Err)
		return
	}
	cfg := be.Config
	port, err := lbc.TargetGroupPort(*be.ServicePort, cfg.TargetType)
	if err != nil {
		b.fail("ingress: %s: %v", in.Key(), err)
		return
	}
	ipType := lbc.IPAddressTypeIPv4
	if isIPv6Service(be.Service) {
		if b.ipAddressType() == lbc.IPAddressTypeIPv4 {
			b.fail("ingress: %s: unsupported IPv6 configuration, lb not dual-stack", in.Key())
			return
		}
		ipType = lbc.IPAddressTypeIPv6
	}
	hc := HealthCheckConfig{
		Protocol:                cfg.HealthCheck.Protocol,
		Path:                    cfg.HealthCheck.Path,
		IntervalSeconds:         cfg.HealthCheck.IntervalSeconds,
		TimeoutSeconds:          cfg.HealthCheck.TimeoutSeconds,
		HealthyThresholdCount:   cfg.HealthCheck.HealthyThreshold,
		UnhealthyThresholdCount: cfg.HealthCheck.UnhealthyThreshold,
	}
	if n, err := strconv.Atoi(cfg.HealthCheck.Port); err == nil {
		hc.Port = n
	} else {
		hc.Port = cfg.HealthCheck.Port
	}
	if cfg.ProtocolVersion == lbc.ProtocolVersionGRPC {
		hc.Matcher = &Matcher{GRPCCode: cfg.HealthCheck.SuccessCodes}
	} else {
		hc.Matcher = &Matcher{HTTPCode: cfg.HealthCheck.SuccessCodes}
	}
	tags := map[string]string{}
	for k, v := range b.o.DefaultTags {
		tags[k] = v
	}
	for k, v := range cfg.Tags {
		tags[k] = v
	}
	if len(tags) == 0 {
		tags = nil
	}
	tg := TargetGroupSpec{
		Name:                  be.TargetGroupName,
		TargetType:            string(cfg.TargetType),
		Port:                  port,
		Protocol:              cfg.BackendProtocol,
		ProtocolVersion:       cfg.ProtocolVersion,
		IPAddressType:         ipType,
		TargetControlPort:     cfg.TargetControlPort,
		HealthCheckConfig:     hc,
		TargetGroupAttributes: keyValues(cfg.TargetGroupAttributes),
		Tags:                  tags,
	}
	b.put(TypeTargetGroup, id, tg)
	var svcPort any = be.Ref.Port.String()
	if be.Ref.Port.Type == intstr.Int {
		svcPort = be.Ref.Port.IntValue()
	}
	tgb := TGBSpec{
		TargetGroupARN:      ref(TypeTargetGroup, id, "targetGroupARN"),
		TargetType:          string(cfg.TargetType),
		ServiceRef:          ServiceRef{Name: be.Ref.Service, Port: svcPort},
		IPAddressType:       ipType,
		TargetGroupProtocol: cfg.BackendProtocol,
	}
	if len(cfg.TargetNodeLabels) > 0 && cfg.TargetType == v1beta1.TargetTypeInstance {
		tgb.NodeSelector = &NodeSelector{MatchLabels: cfg.TargetNodeLabels}
	}
	b.put(TypeTargetGroupBinding, id, TargetGroupBindingSpec{Template: TGBTemplate{
		Metadata: TGBMeta{Name: be.TargetGroupName, Namespace: in.Object.Namespace},
		Spec:     tgb,
	}})
}

// isIPv6Service is true when any of the Service's IP families is IPv6.
func isIPv6Service(svc *corev1.Service) bool {
	for _, f := range svc.Spec.IPFamilies {
		if f == corev1.IPv6Protocol {
			return true
		}
	}
	return false
}
