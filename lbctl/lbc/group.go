package lbc

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// GroupID identifies an IngressGroup, i.e. one ALB. An explicit group (named
// by group.name or IngressClassParams) has an empty Namespace; an implicit
// group is a single Ingress, identified by its namespace and name.
type GroupID struct {
	Namespace string
	Name      string
}

// IsExplicit reports whether the group was named explicitly.
func (g GroupID) IsExplicit() bool { return g.Namespace == "" }

// String spells the group as the controller does in names, hashes and the
// ingress.k8s.aws/stack tag: the name for an explicit group, "ns/name" otherwise.
func (g GroupID) String() string {
	if g.IsExplicit() {
		return g.Name
	}
	return g.Namespace + "/" + g.Name
}

// GroupOf returns the group an Ingress joins (loadGroupID): the
// IngressClassParams group, else the group.name annotation, else its own
// implicit group. An invalid name is returned as an error together with the
// implicit group; note that the controller then ignores the Ingress entirely.
func GroupOf(ing *networkingv1.Ingress, params *v1beta1.IngressClassParamsSpec) (GroupID, error) {
	implicit := GroupID{Namespace: ing.Namespace, Name: ing.Name}
	if params != nil && params.Group != nil {
		name, err := ParseGroupName(params.Group.Name)
		if err != nil {
			e := err.(*AnnotationError)
			e.Annotation = paramsField + "group.name"
			return implicit, e
		}
		return GroupID{Name: name}, nil
	}
	if v, ok := ing.Annotations[Key(SuffixGroupName)]; ok {
		name, err := ParseGroupName(v)
		if err != nil {
			return implicit, err
		}
		return GroupID{Name: name}, nil
	}
	return implicit, nil
}

// Member is one Ingress of a group with its resolved settings.
type Member struct {
	Ingress *networkingv1.Ingress
	Config  IngressConfig
}

// Key returns the member's "namespace/name", as used for ordering and findings.
func (m Member) Key() string {
	return types.NamespacedName{Namespace: m.Ingress.Namespace, Name: m.Ingress.Name}.String()
}

// SortMembers returns the members in the controller's order
// (sortGroupMembers): ascending group.order, then "namespace/name". Rules of
// earlier members get lower (earlier-evaluated) priorities. Current
// controllers accept duplicate explicit orders; the name breaks the tie.
func SortMembers(members []Member) []Member {
	out := append([]Member(nil), members...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Config.Order != out[j].Config.Order {
			return out[i].Config.Order < out[j].Config.Order
		}
		return out[i].Key() < out[j].Key()
	})
	return out
}

// Conflict is a setting that group members declare differently; the
// controller refuses to reconcile the whole group until it is resolved.
type Conflict struct {
	// Annotation is the annotation suffix (e.g. "scheme").
	Annotation string
	// Key is the tag or attribute key for per-key conflicts of tags and
	// load-balancer-attributes.
	Key string
	// Port is the listener port for per-listener conflicts (listen-ports
	// protocol, ssl-policy, inbound-cidrs), else 0.
	Port int32
	// Values maps each declared value (in comparable form) to the members,
	// as "namespace/name", that declare it.
	Values map[string][]string
}

// GroupConflicts finds the settings members of one group declare with
// different values, exactly where the controller compares them: exclusive
// annotations group-wide, ssl-policy and inbound-cidrs per shared listener
// port, listen-ports protocols per port, and tags and
// load-balancer-attributes per key. A member that omits a setting never
// conflicts. The result is sorted by annotation, key and port.
func GroupConflicts(members []Member) []Conflict {
	var out []Conflict
	collect := func(c Conflict) {
		if len(c.Values) > 1 {
			for v := range c.Values {
				sort.Strings(c.Values[v])
			}
			out = append(out, c)
		}
	}
	perPort := map[string]bool{SuffixSSLPolicy: true, SuffixInboundCIDRs: true}
	for _, suffix := range ExclusiveALBAnnotations() {
		if perPort[suffix] {
			continue
		}
		c := Conflict{Annotation: suffix, Values: map[string][]string{}}
		for _, m := range members {
			if raw, ok := m.Config.Exclusive[suffix]; ok {
				v := canonicalExclusive(suffix, raw)
				c.Values[v] = append(c.Values[v], m.Key())
			}
		}
		collect(c)
	}

	ports := map[int32]bool{}
	for _, m := range members {
		for _, p := range m.Config.ListenPorts {
			ports[p.Port] = true
		}
	}
	for _, port := range sortedPorts(ports) {
		proto := Conflict{Annotation: SuffixListenPorts, Port: port, Values: map[string][]string{}}
		policy := Conflict{Annotation: SuffixSSLPolicy, Port: port, Values: map[string][]string{}}
		cidrs := Conflict{Annotation: SuffixInboundCIDRs, Port: port, Values: map[string][]string{}}
		for _, m := range members {
			protocol, ok := listenProtocol(m.Config.ListenPorts, port)
			if !ok {
				continue
			}
			proto.Values[protocol] = append(proto.Values[protocol], m.Key())
			if v, ok := m.Config.Exclusive[SuffixSSLPolicy]; ok && protocol == ProtocolHTTPS {
				policy.Values[v] = append(policy.Values[v], m.Key())
			}
			if raw, ok := m.Config.Exclusive[SuffixInboundCIDRs]; ok {
				v := canonicalExclusive(SuffixInboundCIDRs, raw)
				cidrs.Values[v] = append(cidrs.Values[v], m.Key())
			}
		}
		collect(proto)
		collect(policy)
		collect(cidrs)
		if first, ok := firstProtocol(members, port); ok {
			for _, c := range portConflicts(members, port, first) {
				collect(c)
			}
		}
	}
	for _, c := range groupWideConflicts(members) {
		collect(c)
	}
	for _, c := range frontendNLBConflicts(members) {
		collect(c)
	}

	for _, kind := range []struct {
		suffix string
		get    func(Member) map[string]string
	}{
		{SuffixLoadBalancerAttributes, func(m Member) map[string]string {
			out := map[string]string{}
			for k, v := range m.Config.AnnotationLoadBalancerAttributes {
				if !m.Config.ParamsAttributeKeys[k] {
					out[k] = v
				}
			}
			return out
		}},
		{SuffixTags, func(m Member) map[string]string { return m.Config.Tags }},
	} {
		for _, c := range perKeyConflicts(kind.suffix, members, kind.get) {
			collect(c)
		}
	}

	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Annotation != b.Annotation {
			return a.Annotation < b.Annotation
		}
		if a.Key != b.Key {
			return a.Key < b.Key
		}
		return a.Port < b.Port
	})
	return out
}

// canonicalExclusive turns a raw exclusive value into the form the controller
// compares: subnets as an order-free list, security groups as an ordered
// list, inbound CIDRs as a set, integers and booleans parsed.
func canonicalExclusive(suffix, raw string) string {
	switch suffix {
	case SuffixSubnets:
		if strings.HasPrefix(raw, "IngressClassParams:") {
			return raw
		}
		l := ParseStringList(raw)
		sort.Strings(l)
		return strings.Join(l, ",")
	case SuffixSecurityGroups:
		return strings.Join(ParseStringList(raw), ",")
	case SuffixInboundCIDRs:
		set := map[string]bool{}
		for _, c := range ParseStringList(raw) {
			set[c] = true
		}
		return strings.Join(sortedKeys(set), ",")
	case SuffixSSLRedirect:
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
	case SuffixShieldAdvancedProtection, SuffixManageBackendSecurityGroupRules, SuffixEnableFrontendNLB:
		if b, err := strconv.ParseBool(raw); err == nil {
			return strconv.FormatBool(b)
		}
	}
	return raw
}

// GroupScheme is the scheme of the group's ALB: the one its members declare
// (they must agree, see GroupConflicts), else the default.
func GroupScheme(members []Member, d Defaults) string {
	for _, m := range members {
		if v, ok := m.Config.Exclusive[SuffixScheme]; ok && oneOf(v, SchemeInternal, SchemeInternetFacing) {
			return v
		}
	}
	return d.Scheme
}

// Listener is one ALB listener as the controller merges it from the members
// that declare its port.
type Listener struct {
	Port     int32
	Protocol string
	// Certificates are the members' merged certificates (explicit, else
	// discovered in ACM by host), the default first; empty on an HTTPS
	// listener means discovery was not predicted (ACM not read).
	Certificates []string
	// SSLPolicy is set on HTTPS listeners.
	SSLPolicy string
	// InboundCIDRs are the CIDRs allowed in (0.0.0.0/0 and ::/0 when unset).
	InboundCIDRs []string
	// PrefixLists are the managed prefix lists allowed in, besides
	// InboundCIDRs (which then default to none).
	PrefixLists []string
	// MutualAuthentication is the HTTPS listener's mTLS setting, nil when
	// no member sets one.
	MutualAuthentication *MutualAuthentication
	// Attributes are the listener attributes (listener-attributes.* merged
	// key by key, IngressClassParams listeners winning).
	Attributes map[string]string
	// Members are the members ("namespace/name") whose rules attach here, in order.
	Members []string
}

// Listeners merges the members' listen ports into the group's listeners
// (mergeListenPortConfigs), sorted by port. members must be in controller
// order (SortMembers). It returns an error when ssl-redirect points to a port
// that is not an HTTPS listener; conflicting values are GroupConflicts' job,
// and the first declared value is used here.
func Listeners(members []Member, d Defaults) ([]Listener, []error) {
	ports := map[int32]bool{}
	for _, m := range members {
		for _, p := range m.Config.ListenPorts {
			ports[p.Port] = true
		}
	}
	var out []Listener
	for _, port := range sortedPorts(ports) {
		l := Listener{Port: port}
		seenCert := map[string]bool{}
		var defaultCert string
		var cidrs []string
		var on []Member
		for _, m := range members {
			protocol, ok := listenProtocol(m.Config.ListenPorts, port)
			if !ok {
				continue
			}
			if l.Protocol == "" {
				l.Protocol = protocol
			}
			if protocol == l.Protocol {
				on = append(on, m)
			}
			l.Members = append(l.Members, m.Key())
			if cidrs == nil && len(m.Config.InboundCIDRs) != 0 {
				cidrs = m.Config.InboundCIDRs
			}
			if protocol != ProtocolHTTPS {
				continue
			}
			if v, ok := m.Config.Exclusive[SuffixSSLPolicy]; ok && l.SSLPolicy == "" {
				l.SSLPolicy = v
			}
			for i, c := range m.Config.Certificates() {
				if defaultCert == "" && i == 0 {
					defaultCert = c
					l.Certificates = append(l.Certificates, c)
					continue
				}
				if !seenCert[c] {
					seenCert[c] = true
					l.Certificates = append(l.Certificates, c)
				}
			}
		}
		if l.Protocol == ProtocolHTTPS && l.SSLPolicy == "" {
			l.SSLPolicy = d.SSLPolicy
		}
		listenerExtras(&l, on)
		if cidrs == nil && len(l.PrefixLists) == 0 {
			cidrs = []string{"0.0.0.0/0", "::/0"}
		}
		set := map[string]bool{}
		for _, c := range cidrs {
			set[c] = true
		}
		l.InboundCIDRs = sortedKeys(set)
		out = append(out, l)
	}
	var errs []error
	if port := groupSSLRedirect(members); port != 0 {
		found := false
		for _, l := range out {
			if l.Port == port {
				found = true
				if l.Protocol != ProtocolHTTPS {
					errs = append(errs, fmt.Errorf("listener protocol non-SSL for SSLRedirect port: %d", port))
				}
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("listener does not exist for SSLRedirect port: %d", port))
		}
	}
	return out, errs
}

func groupSSLRedirect(members []Member) int32 {
	for _, m := range members {
		if m.Config.SSLRedirectPort != 0 {
			return m.Config.SSLRedirectPort
		}
	}
	return 0
}

// firstProtocol is the protocol the first member declaring port gives it:
// the listener's protocol.
func firstProtocol(members []Member, port int32) (string, bool) {
	for _, m := range members {
		if p, ok := listenProtocol(m.Config.ListenPorts, port); ok {
			return p, true
		}
	}
	return "", false
}

func listenProtocol(ports []ListenPort, port int32) (string, bool) {
	for _, p := range ports {
		if p.Port == port {
			return p.Protocol, true
		}
	}
	return "", false
}

func sortedPorts(m map[int32]bool) []int32 {
	out := make([]int32, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
