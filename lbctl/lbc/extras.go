package lbc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Mutual TLS modes of an HTTPS listener (mutual-authentication).
const (
	MutualAuthenticationOff         = "off"
	MutualAuthenticationPassthrough = "passthrough"
	MutualAuthenticationVerify      = "verify"
)

// CapacityUnitsKey is the one key minimum-load-balancer-capacity takes.
const CapacityUnitsKey = "CapacityUnits"

// CapacityReservationGate is the controller feature gate (on by default)
// without which it ignores every capacity reservation.
const CapacityReservationGate = "LBCapacityReservation"

// MutualAuthentication is one port's entry of the mutual-authentication
// annotation, as the controller validates it (parseMtlsConfigEntries).
type MutualAuthentication struct {
	Port int32  `json:"port"`
	Mode string `json:"mode"`
	// TrustStore is the trust store's ARN or name; the controller looks a
	// name up (DescribeTrustStores) and puts the ARN in its model.
	TrustStore *string `json:"trustStore,omitempty"`
	// IgnoreClientCertificateExpiry defaults to false in verify mode and
	// must be unset in the other modes.
	IgnoreClientCertificateExpiry *bool `json:"ignoreClientCertificateExpiry,omitempty"`
}

// TrustStoreName is the trust store a verify entry names by name rather
// than ARN, "" otherwise.
func (m MutualAuthentication) TrustStoreName() string {
	if m.TrustStore == nil || strings.HasPrefix(*m.TrustStore, "arn:") {
		return ""
	}
	return *m.TrustStore
}

// mtlsModeText starts two of the controller's mTLS errors, capitalised as it writes them.
const mtlsModeText = "Mutual Authentication mode"

const expectedMutualAuthentication = `a JSON list such as [{"port":443,"mode":"verify","trustStore":"arn:..."}]`

// ParseMutualAuthentication reads mutual-authentication: the mTLS settings
// of the Ingress's HTTPS listeners by port. The controller rejects an empty
// list, a port outside 1-65535, a mode other than off, passthrough or
// verify, verify without a trust store, and a trust store or
// ignoreClientCertificateExpiry in the other modes.
func ParseMutualAuthentication(s string) (map[int32]MutualAuthentication, error) {
	key := Key(SuffixMutualAuthentication)
	var entries []MutualAuthentication
	if err := json.Unmarshal([]byte(s), &entries); err != nil {
		return nil, annErr(key, s, expectedMutualAuthentication, fmt.Errorf("failed to parse mutualAuthentication configuration from ingress annotation: %w", err))
	}
	if len(entries) == 0 {
		return nil, annErr(key, s, expectedMutualAuthentication, errors.New("empty mutualAuthentication configuration from ingress annotation"))
	}
	out := map[int32]MutualAuthentication{}
	for _, e := range entries {
		store := ""
		if e.TrustStore != nil {
			store = *e.TrustStore
		}
		var err error
		switch {
		case e.Port < 1 || e.Port > 65535:
			err = fmt.Errorf("listen port must be within [1, 65535]: %d", e.Port)
		case e.Mode == "":
			err = fmt.Errorf("mutualAuthentication mode cannot be empty for port %d", e.Port)
		case !oneOf(e.Mode, MutualAuthenticationOff, MutualAuthenticationPassthrough, MutualAuthenticationVerify):
			err = fmt.Errorf("mutualAuthentication mode value must be among [off, passthrough, verify] for port %d : %s", e.Port, e.Mode)
		case e.Mode == MutualAuthenticationVerify && store == "":
			err = fmt.Errorf("trustStore is required when mutualAuthentication mode is verify for port %d", e.Port)
		case e.Mode != MutualAuthenticationVerify && store != "":
			err = fmt.Errorf("%s %s does not support trustStore for port %d", mtlsModeText, e.Mode, e.Port)
		case e.Mode != MutualAuthenticationVerify && e.IgnoreClientCertificateExpiry != nil:
			err = fmt.Errorf("%s %s does not support ignoring client certificate expiry for port %d", mtlsModeText, e.Mode, e.Port)
		}
		if err != nil {
			return nil, annErr(key, s, expectedMutualAuthentication, err)
		}
		if e.Mode == MutualAuthenticationVerify && e.IgnoreClientCertificateExpiry == nil {
			f := false
			e.IgnoreClientCertificateExpiry = &f
		}
		e.TrustStore = &store
		out[e.Port] = e
	}
	return out, nil
}

func (m MutualAuthentication) String() string {
	s := "mode=" + m.Mode
	if v := deref(m.TrustStore); v != "" {
		s += ",trustStore=" + v
	}
	if m.IgnoreClientCertificateExpiry != nil {
		s += ",ignoreClientCertificateExpiry=" + strconv.FormatBool(*m.IgnoreClientCertificateExpiry)
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ListenerKey names a listener as listener-attributes.PROTOCOL-PORT and
// IngressClassParams listeners do.
func ListenerKey(protocol string, port int32) string {
	return fmt.Sprintf("%s-%d", protocol, port)
}

// paramsListener is an IngressClassParams spec.listeners entry.
type paramsListener struct {
	Protocol           string              `json:"protocol"`
	Port               int32               `json:"port"`
	ListenerAttributes []v1beta1.Attribute `json:"listenerAttributes"`
}

// ParamsListenerAttributes decodes IngressClassParams spec.listeners into
// their attributes by ListenerKey; the first entry for a listener counts.
func ParamsListenerAttributes(spec *v1beta1.IngressClassParamsSpec) (map[string]map[string]string, error) {
	if spec == nil || len(spec.Listeners) == 0 {
		return nil, nil
	}
	out := map[string]map[string]string{}
	for i, raw := range spec.Listeners {
		var l paramsListener
		if err := json.Unmarshal(raw.Raw, &l); err != nil {
			return nil, annErr(fmt.Sprintf("%slisteners[%d]", paramsField, i), string(raw.Raw), "protocol, port and listenerAttributes", err)
		}
		k := ListenerKey(l.Protocol, l.Port)
		if _, seen := out[k]; seen {
			continue
		}
		attrs := map[string]string{}
		for _, a := range l.ListenerAttributes {
			attrs[a.Key] = a.Value
		}
		out[k] = attrs
	}
	return out, nil
}

// ParamsCapacityUnits decodes IngressClassParams
// spec.minimumLoadBalancerCapacity.capacityUnits (nil when unset).
func ParamsCapacityUnits(spec *v1beta1.IngressClassParamsSpec) (*int32, error) {
	if spec == nil || spec.MinimumLoadBalancerCapacity == nil || len(spec.MinimumLoadBalancerCapacity.Raw) == 0 {
		return nil, nil
	}
	var c struct {
		CapacityUnits int32 `json:"capacityUnits"`
	}
	if err := json.Unmarshal(spec.MinimumLoadBalancerCapacity.Raw, &c); err != nil {
		return nil, annErr(paramsField+"minimumLoadBalancerCapacity", string(spec.MinimumLoadBalancerCapacity.Raw), "capacityUnits: an integer", err)
	}
	return &c.CapacityUnits, nil
}

// ParamsIPAMPool decodes IngressClassParams
// spec.ipamConfiguration.ipv4IPAMPoolId ("" when unset).
func ParamsIPAMPool(spec *v1beta1.IngressClassParamsSpec) (string, error) {
	if spec == nil || spec.IPAMConfiguration == nil || len(spec.IPAMConfiguration.Raw) == 0 {
		return "", nil
	}
	var c struct {
		IPv4IPAMPoolID *string `json:"ipv4IPAMPoolId"`
	}
	if err := json.Unmarshal(spec.IPAMConfiguration.Raw, &c); err != nil {
		return "", annErr(paramsField+"ipamConfiguration", string(spec.IPAMConfiguration.Raw), "ipv4IPAMPoolId: an IPAM pool ID", err)
	}
	return deref(c.IPv4IPAMPoolID), nil
}

// GroupSettings are the ALB-level settings the controller takes from the
// first member's IngressClassParams or else from every member's annotation.
type GroupSettings struct {
	// CapacityUnits is the ALB's minimum capacity reservation, nil when none
	// is asked for (or the LBCapacityReservation gate is off).
	CapacityUnits *int32
	// IPAMPool is the IPv4 IPAM pool of the ALB's addresses, "" when none.
	IPAMPool string
	// WAFv2ACLARN is the WAFv2 web ACL to associate ("none" removes any
	// association), "" when no member asks.
	WAFv2ACLARN string
	// WAFACLID is the WAF Classic web ACL ID ("none" removes it).
	WAFACLID string
	// Shield is shield-advanced-protection, nil when unset.
	Shield *bool
}

// GroupALBSettings resolves GroupSettings from members in controller order:
// IngressClassParams of the first member win outright for capacity and
// IPAM (buildIngressGroupLoadBalancerMinimumCapacity, buildIPv4IPAMPoolID);
// members' annotations otherwise must agree (GroupConflicts reports when
// they do not). A capacity reservation with a key other than CapacityUnits
// fails the group.
func GroupALBSettings(members []Member, d Defaults) (GroupSettings, []error) {
	var out GroupSettings
	var errs []error
	if len(members) == 0 {
		return out, nil
	}
	first := members[0].Config
	if gateOn(d, CapacityReservationGate) {
		if first.ParamsCapacityUnits != nil {
			n := *first.ParamsCapacityUnits
			out.CapacityUnits = &n
		} else {
			merged := map[string]string{}
			for _, m := range members {
				for k, v := range m.Config.CapacityReservation {
					if _, seen := merged[k]; !seen {
						merged[k] = v
					}
				}
			}
			for _, k := range sortedKeys(merged) {
				if k != CapacityUnitsKey {
					errs = append(errs, fmt.Errorf("invalid key to set the capacity: %v, Expected key: %v", k, CapacityUnitsKey))
					continue
				}
				n, _ := strconv.ParseInt(merged[k], 10, 64)
				units := int32(n)
				out.CapacityUnits = &units
			}
		}
	}
	if first.ParamsIPAMPool != "" {
		out.IPAMPool = first.ParamsIPAMPool
	} else {
		for _, m := range members {
			if m.Config.IPAMPool != "" {
				out.IPAMPool = m.Config.IPAMPool
				break
			}
		}
	}
	for _, m := range members {
		if v, ok := m.Config.Exclusive[SuffixWAFv2ACLARN]; ok && out.WAFv2ACLARN == "" {
			out.WAFv2ACLARN = v
		}
		if v, ok := m.Config.Exclusive[SuffixWAFACLID]; ok && out.WAFACLID == "" {
			out.WAFACLID = v
		}
		if v, ok := m.Config.Exclusive[SuffixShieldAdvancedProtection]; ok && out.Shield == nil {
			if b, err := strconv.ParseBool(v); err == nil {
				out.Shield = &b
			}
		}
	}
	return out, errs
}

func gateOn(d Defaults, gate string) bool {
	if v, ok := d.FeatureGates[gate]; ok {
		return v
	}
	return true
}

// groupWideConflicts are the conflicts of settings whose IngressClassParams
// value on the first member wins outright (capacity, IPAM pool): members'
// annotations conflict only when it is unset.
func groupWideConflicts(members []Member) []Conflict {
	if len(members) == 0 {
		return nil
	}
	first := members[0].Config
	var out []Conflict
	if first.ParamsIPAMPool == "" {
		c := Conflict{Annotation: SuffixIPAMIPv4PoolID, Values: map[string][]string{}}
		for _, m := range members {
			if v := m.Config.IPAMPool; v != "" {
				c.Values[v] = append(c.Values[v], m.Key())
			}
		}
		out = append(out, c)
	}
	if first.ParamsCapacityUnits == nil {
		out = append(out, perKeyConflicts(SuffixMinimumLoadBalancerCapacity, members, func(m Member) map[string]string { return m.Config.CapacityReservation })...)
	}
	return out
}

// perKeyConflicts compares, key by key, the maps members declare for
// suffix: one Conflict per key, sorted (collect keeps those with more than
// one value).
func perKeyConflicts(suffix string, members []Member, get func(Member) map[string]string) []Conflict {
	byKey := map[string]map[string][]string{}
	for _, m := range members {
		for k, v := range get(m) {
			if byKey[k] == nil {
				byKey[k] = map[string][]string{}
			}
			byKey[k][v] = append(byKey[k][v], m.Key())
		}
	}
	out := make([]Conflict, 0, len(byKey))
	for _, k := range sortedKeys(byKey) {
		out = append(out, Conflict{Annotation: suffix, Key: k, Values: byKey[k]})
	}
	return out
}

// portConflicts are the per-listener conflicts of prefix lists, mutual TLS
// and listener attributes among the members that declare port with
// protocol (mergeListenPortConfigs, buildIngressGroupListenerAttributes).
// A listener attribute members disagree on does not conflict when the first
// member's IngressClassParams set it for that listener.
func portConflicts(members []Member, port int32, protocol string) []Conflict {
	prefix := Conflict{Annotation: SuffixSecurityGroupPrefixLists, Port: port, Values: map[string][]string{}}
	mtls := Conflict{Annotation: SuffixMutualAuthentication, Port: port, Values: map[string][]string{}}
	attrs := map[string]map[string][]string{}
	var on []Member
	for _, m := range members {
		if p, ok := listenProtocol(m.Config.ListenPorts, port); ok && p == protocol {
			on = append(on, m)
		}
	}
	lk := ListenerKey(protocol, port)
	for _, m := range on {
		if len(m.Config.PrefixLists) > 0 {
			set := map[string]bool{}
			for _, p := range m.Config.PrefixLists {
				set[p] = true
			}
			v := strings.Join(sortedKeys(set), ",")
			prefix.Values[v] = append(prefix.Values[v], m.Key())
		}
		if ma, ok := m.Config.MutualAuthentication[port]; ok && protocol == ProtocolHTTPS {
			v := ma.String()
			mtls.Values[v] = append(mtls.Values[v], m.Key())
		}
		for k, v := range m.Config.ListenerAttributes[lk] {
			if attrs[k] == nil {
				attrs[k] = map[string][]string{}
			}
			attrs[k][v] = append(attrs[k][v], m.Key())
		}
	}
	out := []Conflict{prefix, mtls}
	var classAttrs map[string]string
	if len(on) > 0 {
		classAttrs = on[0].Config.ParamsListenerAttributes[lk]
	}
	for _, k := range sortedKeys(attrs) {
		if _, resolved := classAttrs[k]; resolved {
			continue
		}
		out = append(out, Conflict{Annotation: SuffixListenerAttributesPrefix + lk, Key: k, Port: port, Values: attrs[k]})
	}
	return out
}

// listenerExtras fills a merged listener's prefix lists, mutual TLS and
// attributes from the members on it (in controller order): the first
// declared prefix lists and mTLS settings (conflicts are GroupConflicts'
// job), and attributes merged key by key with the first member's
// IngressClassParams winning.
func listenerExtras(l *Listener, on []Member) {
	lk := ListenerKey(l.Protocol, l.Port)
	attrs := map[string]string{}
	for _, m := range on {
		if l.PrefixLists == nil && len(m.Config.PrefixLists) > 0 {
			set := map[string]bool{}
			for _, p := range m.Config.PrefixLists {
				set[p] = true
			}
			l.PrefixLists = sortedKeys(set)
		}
		if l.Protocol == ProtocolHTTPS && l.MutualAuthentication == nil {
			if ma, ok := m.Config.MutualAuthentication[l.Port]; ok {
				ma := ma
				l.MutualAuthentication = &ma
			}
		}
		for k, v := range m.Config.ListenerAttributes[lk] {
			if _, seen := attrs[k]; !seen {
				attrs[k] = v
			}
		}
	}
	if len(on) > 0 {
		for k, v := range on[0].Config.ParamsListenerAttributes[lk] {
			attrs[k] = v
		}
	}
	if len(attrs) > 0 {
		l.Attributes = attrs
	}
}

// albExtras reads the ALB-level settings of controller v2.7 and later into
// cfg: prefix lists, mutual TLS, listener attributes, capacity reservation,
// IPAM pool, create-acm-cert and the frontend NLB switch.
func albExtras(cfg *IngressConfig, ann map[string]string, params *v1beta1.IngressClassParamsSpec, add func(error)) {
	switch {
	case params != nil && len(params.PrefixListsIDs) != 0:
		cfg.PrefixLists = append([]string(nil), params.PrefixListsIDs...)
	case params != nil && len(params.PrefixListsIDsLegacy) != 0:
		cfg.PrefixLists = append([]string(nil), params.PrefixListsIDsLegacy...)
	default:
		if v, ok := ann[Key(SuffixSecurityGroupPrefixLists)]; ok {
			cfg.PrefixLists = ParseStringList(v)
		}
	}
	if v, ok := ann[Key(SuffixMutualAuthentication)]; ok {
		m, err := ParseMutualAuthentication(v)
		add(err)
		cfg.MutualAuthentication = m
	}
	for k, v := range ann {
		lk, ok := strings.CutPrefix(k, Key(SuffixListenerAttributesPrefix))
		if !ok {
			continue
		}
		m, err := ParseStringMap(v, k)
		add(err)
		if len(m) == 0 {
			continue
		}
		if cfg.ListenerAttributes == nil {
			cfg.ListenerAttributes = map[string]map[string]string{}
		}
		cfg.ListenerAttributes[lk] = m
	}
	la, err := ParamsListenerAttributes(params)
	add(err)
	cfg.ParamsListenerAttributes = la
	if v, ok := ann[Key(SuffixMinimumLoadBalancerCapacity)]; ok {
		m, err := ParseStringMap(v, Key(SuffixMinimumLoadBalancerCapacity))
		add(err)
		if len(m) > 0 {
			cfg.CapacityReservation = m
		}
	}
	units, err := ParamsCapacityUnits(params)
	add(err)
	cfg.ParamsCapacityUnits = units
	cfg.IPAMPool = ann[Key(SuffixIPAMIPv4PoolID)]
	pool, err := ParamsIPAMPool(params)
	add(err)
	cfg.ParamsIPAMPool = pool
	// the controller ignores a create-acm-cert that is not a boolean
	cfg.CreateACMCert, _ = strconv.ParseBool(ann[Key(SuffixCreateACMCert)])
	if v, ok := ann[Key(SuffixEnableFrontendNLB)]; ok {
		cfg.Exclusive[SuffixEnableFrontendNLB] = v
		b, err := ParseBool(v, Key(SuffixEnableFrontendNLB))
		add(err)
		cfg.FrontendNLB = b
	}
}

// Frontend NLB settings the controller compares across a group when
// enable-frontend-nlb is on (buildFrontendNlbModel).
const (
	SuffixFrontendNLBScheme         = "frontend-nlb-scheme"
	SuffixFrontendNLBSubnets        = "frontend-nlb-subnets"
	SuffixFrontendNLBSecurityGroups = "frontend-nlb-security-groups"
	SuffixFrontendNLBTags           = "frontend-nlb-tags"
)

// FrontendNLBEnabled says whether the group gets a frontend NLB: some
// member sets enable-frontend-nlb true (members that set it must agree,
// see GroupConflicts).
func FrontendNLBEnabled(members []Member) bool {
	for _, m := range members {
		if _, ok := m.Ingress.Annotations[Key(SuffixEnableFrontendNLB)]; ok {
			return m.Config.FrontendNLB
		}
	}
	return false
}

// frontendNLBConflicts are the frontend NLB settings members disagree on,
// compared only when the group has a frontend NLB: its scheme, subnets (in
// any order), security groups (in order) and tags (key by key).
func frontendNLBConflicts(members []Member) []Conflict {
	if !FrontendNLBEnabled(members) {
		return nil
	}
	var out []Conflict
	for _, suffix := range []string{SuffixFrontendNLBScheme, SuffixFrontendNLBSubnets, SuffixFrontendNLBSecurityGroups} {
		c := Conflict{Annotation: suffix, Values: map[string][]string{}}
		for _, m := range members {
			raw, ok := m.Ingress.Annotations[Key(suffix)]
			if !ok {
				continue
			}
			v := raw
			switch suffix {
			case SuffixFrontendNLBSubnets:
				v = canonicalExclusive(SuffixSubnets, raw)
			case SuffixFrontendNLBSecurityGroups:
				v = canonicalExclusive(SuffixSecurityGroups, raw)
			}
			c.Values[v] = append(c.Values[v], m.Key())
		}
		out = append(out, c)
	}
	return append(out, perKeyConflicts(SuffixFrontendNLBTags, members, func(m Member) map[string]string {
		tags, _ := ParseStringMap(m.Ingress.Annotations[Key(SuffixFrontendNLBTags)], Key(SuffixFrontendNLBTags))
		return tags
	})...)
}
