package lbc

import (
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Load balancer schemes.
const (
	SchemeInternal       = "internal"
	SchemeInternetFacing = "internet-facing"
)

// Load balancer IP address types.
const (
	IPAddressTypeIPv4 = "ipv4"
	// IPAddressTypeIPv6 is a target group address type (IPv6 Services, ip targets).
	IPAddressTypeIPv6                       = "ipv6"
	IPAddressTypeDualStack                  = "dualstack"
	IPAddressTypeDualStackWithoutPublicIPv4 = "dualstack-without-public-ipv4"
)

// Target group protocol versions (backend-protocol-version).
const (
	ProtocolVersionHTTP1 = "HTTP1"
	ProtocolVersionHTTP2 = "HTTP2"
	ProtocolVersionGRPC  = "GRPC"
)

// Controller defaults that are not flags (defaultModelBuilder.Build).
const (
	DefaultSSLPolicy              = "ELBSecurityPolicy-2016-08"
	HealthCheckPortTrafficPort    = "traffic-port"
	DefaultHealthCheckPathHTTP    = "/"
	DefaultHealthCheckPathGRPC    = "/AWS.ALB/healthcheck"
	DefaultSuccessCodesHTTP       = "200"
	DefaultSuccessCodesGRPC       = "12"
	DefaultHealthCheckInterval    = 15
	DefaultHealthCheckTimeout     = 5
	DefaultHealthyThresholdCount  = 2
	DefaultUnhealthyThreshold     = 2
	MaxLoadBalancerNameLength     = 32
	paramsField                   = "IngressClassParams.spec."
	expectedScheme                = "internal or internet-facing"
	expectedIPAddressType         = "ipv4, dualstack or dualstack-without-public-ipv4"
	expectedTargetType            = "instance or ip"
	expectedProtocol              = "HTTP or HTTPS"
	expectedProtocolVersion       = "HTTP1, HTTP2 or GRPC"
	expectedCIDRs                 = "comma-separated CIDRs, e.g. 10.0.0.0/8,::/0"
	expectedLoadBalancerName      = "at most 32 characters"
	expectedHealthCheckPort       = "traffic-port, a port number, or a Service port name"
	expectedNonEmptyCOIPv4PoolKey = "a customer-owned IPv4 pool ID, e.g. ipv4pool-coip-xxxxxxxx"
)

// Defaults are the controller's cluster-wide settings (flags and built-ins)
// that apply when neither IngressClassParams nor an annotation decides.
type Defaults struct {
	// ClusterName is --cluster-name; it is part of every generated name.
	ClusterName string
	// TargetType is --default-target-type.
	TargetType v1beta1.TargetType
	// Scheme is --default-load-balancer-scheme.
	Scheme string
	// IPAddressType is the built-in load balancer default.
	IPAddressType string
	// SSLPolicy is --default-ssl-policy, used on HTTPS listeners without ssl-policy.
	SSLPolicy string
	// BackendProtocol and BackendProtocolVersion are built-in target group defaults.
	BackendProtocol        string
	BackendProtocolVersion string
	// IngressClass is --ingress-class ("alb"): the legacy class annotation
	// value the controller owns. Empty makes it also own Ingresses without
	// any class.
	IngressClass string
	// DefaultTags are --default-tags, on every AWS resource below the
	// Ingress's own; ExternalManagedTags are --external-managed-tags, keys
	// the controller leaves to others (an Ingress may not set them).
	DefaultTags         map[string]string
	ExternalManagedTags []string
	// FeatureGates are --feature-gates as given.
	FeatureGates map[string]bool
	// BackendSecurityGroup is --enable-backend-security-group (on by
	// default); BackendSecurityGroupID is --backend-security-group.
	BackendSecurityGroup   bool
	BackendSecurityGroupID string
	// DisableClassAnnotation and DisableGroupNameAnnotation are
	// --disable-ingress-class-annotation and
	// --disable-ingress-group-name-annotation.
	DisableClassAnnotation     bool
	DisableGroupNameAnnotation bool
	// TolerateMissingService and TolerateMissingAction are
	// --tolerate-non-existent-backend-service and -action (on by default):
	// a rule whose Service or action is missing answers 503 instead of
	// failing the group.
	TolerateMissingService bool
	TolerateMissingAction  bool
}

// DefaultDefaults returns the controller's out-of-the-box Defaults (with an
// empty ClusterName, which callers must fill in).
func DefaultDefaults() Defaults {
	return Defaults{
		TargetType:             v1beta1.TargetTypeInstance,
		Scheme:                 SchemeInternal,
		IPAddressType:          IPAddressTypeIPv4,
		SSLPolicy:              DefaultSSLPolicy,
		BackendProtocol:        ProtocolHTTP,
		BackendProtocolVersion: ProtocolVersionHTTP1,
		IngressClass:           IngressClassALB,
		BackendSecurityGroup:   true,
		TolerateMissingService: true,
		TolerateMissingAction:  true,
	}
}

// IngressConfig is what one Ingress contributes to its ALB, after
// IngressClassParams, annotations and defaults are applied.
type IngressConfig struct {
	// Group is the IngressGroup the Ingress joins.
	Group GroupID
	// Order is group.order (0 when unset).
	Order int32
	// Scheme and IPAddressType are this member's view: its explicit value or
	// the default. The ALB uses the value any member declares (GroupScheme).
	Scheme        string
	IPAddressType string
	// ListenPorts are the listeners this Ingress's rules attach to.
	ListenPorts []ListenPort
	// CertificateARNs are the explicit certificates (IngressClassParams
	// certificateArn, else the certificate-arn annotation); the first is the
	// default certificate. Empty means the controller discovers ACM
	// certificates by host for HTTPS listeners.
	CertificateARNs []string
	// DiscoveredCertificateARNs are the certificates the controller finds
	// in ACM by host when CertificateARNs is empty and a listener is HTTPS
	// (DiscoverCertificates); set by whoever read ACM, nil otherwise.
	DiscoveredCertificateARNs []string
	// Tags are the AWS tags this Ingress adds (IngressClassParams tags win
	// over the tags annotation key by key).
	Tags map[string]string
	// LoadBalancerName is the explicit load-balancer-name, if any.
	LoadBalancerName string
	// LoadBalancerAttributes are this member's attributes, IngressClassParams
	// winning key by key.
	LoadBalancerAttributes map[string]string
	// AnnotationLoadBalancerAttributes are the annotation's attributes alone;
	// the controller checks group conflicts on these only.
	AnnotationLoadBalancerAttributes map[string]string
	// ParamsAttributeKeys are the attribute keys IngressClassParams sets:
	// members' annotations never conflict on them (controller v2.10.1+).
	ParamsAttributeKeys map[string]bool
	// InboundCIDRs are the explicit inbound CIDRs; empty means 0.0.0.0/0 and ::/0.
	InboundCIDRs []string
	// SSLPolicy applies to this Ingress's HTTPS listeners.
	SSLPolicy string
	// SSLRedirectPort is ssl-redirect (0 when unset): HTTP listeners of the
	// whole group then only redirect to it and get no rules.
	SSLRedirectPort int32
	// UseRegexPathMatch makes ImplementationSpecific paths regex conditions.
	UseRegexPathMatch bool
	// PrefixLists are the managed prefix lists this member lets in
	// (IngressClassParams prefixListsIDs, else PrefixListsIDs, else
	// security-group-prefix-lists).
	PrefixLists []string
	// MutualAuthentication is mutual-authentication by listen port.
	MutualAuthentication map[int32]MutualAuthentication
	// ListenerAttributes are the listener-attributes.PROTOCOL-PORT
	// annotations by ListenerKey; ParamsListenerAttributes are
	// IngressClassParams listeners', which win key by key when this member
	// is the first on the listener.
	ListenerAttributes       map[string]map[string]string
	ParamsListenerAttributes map[string]map[string]string
	// CapacityReservation is minimum-load-balancer-capacity as given;
	// ParamsCapacityUnits is IngressClassParams
	// minimumLoadBalancerCapacity.capacityUnits.
	CapacityReservation map[string]string
	ParamsCapacityUnits *int32
	// IPAMPool is ipam-ipv4-pool-id; ParamsIPAMPool IngressClassParams
	// ipamConfiguration.ipv4IPAMPoolId.
	IPAMPool       string
	ParamsIPAMPool string
	// WAFv2ACLName is wafv2-acl-name (or IngressClassParams wafv2AclName):
	// the controller resolves it to an ARN through WAF.
	WAFv2ACLName string
	// CreateACMCert is create-acm-cert: the controller (with ACM
	// certificates enabled) requests a certificate for the hosts.
	CreateACMCert bool
	// FrontendNLB is enable-frontend-nlb: an NLB in front of the ALB.
	FrontendNLB bool
	// Exclusive holds the raw exclusive ALB-level values this member
	// declares, keyed by annotation suffix, IngressClassParams-derived ones
	// included (those win over the annotation, as in the controller).
	Exclusive map[string]string
}

// Certificates are the certificates the Ingress puts on its HTTPS
// listeners: the explicit ones, else those discovered in ACM.
func (c IngressConfig) Certificates() []string {
	if len(c.CertificateARNs) > 0 {
		return c.CertificateARNs
	}
	return c.DiscoveredCertificateARNs
}

// IngressSettings resolves the ALB-level settings one Ingress declares, with
// IngressClassParams > annotation > controller default. A bad value falls
// back to the default and is returned as an *AnnotationError.
func IngressSettings(ing *networkingv1.Ingress, params *v1beta1.IngressClassParamsSpec, d Defaults) (IngressConfig, []error) {
	ann := ing.Annotations
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	cfg := IngressConfig{
		Scheme:        d.Scheme,
		IPAddressType: d.IPAddressType,
		SSLPolicy:     d.SSLPolicy,
		Exclusive:     map[string]string{},
	}

	g, err := GroupOf(ing, params)
	add(err)
	cfg.Group = g

	if v, ok := ann[Key(SuffixGroupOrder)]; ok {
		n, err := ParseGroupOrder(v)
		add(err)
		cfg.Order = n
	}

	// scheme
	if params != nil && params.Scheme != nil {
		cfg.Exclusive[SuffixScheme] = *params.Scheme
		if oneOf(*params.Scheme, SchemeInternal, SchemeInternetFacing) {
			cfg.Scheme = *params.Scheme
		} else {
			add(annErr(paramsField+"scheme", *params.Scheme, expectedScheme, errors.New("unknown scheme")))
		}
	} else if v, ok := ann[Key(SuffixScheme)]; ok {
		cfg.Exclusive[SuffixScheme] = v
		if oneOf(v, SchemeInternal, SchemeInternetFacing) {
			cfg.Scheme = v
		} else {
			add(annErr(Key(SuffixScheme), v, expectedScheme, errors.New("unknown scheme")))
		}
	}

	// ip-address-type
	if params != nil && params.IPAddressType != nil {
		cfg.Exclusive[SuffixIPAddressType] = *params.IPAddressType
		if oneOf(*params.IPAddressType, IPAddressTypeIPv4, IPAddressTypeDualStack, IPAddressTypeDualStackWithoutPublicIPv4) {
			cfg.IPAddressType = *params.IPAddressType
		} else {
			add(annErr(paramsField+"ipAddressType", *params.IPAddressType, expectedIPAddressType, errors.New("unknown IPAddressType")))
		}
	} else if v, ok := ann[Key(SuffixIPAddressType)]; ok {
		cfg.Exclusive[SuffixIPAddressType] = v
		if oneOf(v, IPAddressTypeIPv4, IPAddressTypeDualStack, IPAddressTypeDualStackWithoutPublicIPv4) {
			cfg.IPAddressType = v
		} else {
			add(annErr(Key(SuffixIPAddressType), v, expectedIPAddressType, errors.New("unknown IPAddressType")))
		}
	}

	// certificates, then listen ports (whose default depends on them)
	if params != nil && len(params.CertificateArn) != 0 {
		cfg.CertificateARNs = append([]string(nil), params.CertificateArn...)
	} else if v, ok := ann[Key(SuffixCertificateARN)]; ok {
		cfg.CertificateARNs = ParseStringList(v)
	}
	cfg.ListenPorts = []ListenPort{{Protocol: ProtocolHTTP, Port: 80}}
	if len(cfg.CertificateARNs) != 0 {
		cfg.ListenPorts = []ListenPort{{Protocol: ProtocolHTTPS, Port: 443}}
	}
	if v, ok := ann[Key(SuffixListenPorts)]; ok {
		ports, err := ParseListenPorts(v)
		add(err)
		if ports != nil {
			cfg.ListenPorts = ports
		}
	}

	// tags: IngressClassParams win key by key
	cfg.Tags = map[string]string{}
	if v, ok := ann[Key(SuffixTags)]; ok {
		m, err := ParseTags(v)
		add(err)
		for k, val := range m {
			cfg.Tags[k] = val
		}
	}
	if params != nil {
		for _, t := range params.Tags {
			cfg.Tags[t.Key] = t.Value
		}
	}

	// load balancer attributes: IngressClassParams win key by key
	cfg.AnnotationLoadBalancerAttributes = map[string]string{}
	if v, ok := ann[Key(SuffixLoadBalancerAttributes)]; ok {
		m, err := ParseAttributes(v)
		add(err)
		for k, val := range m {
			cfg.AnnotationLoadBalancerAttributes[k] = val
		}
	}
	cfg.LoadBalancerAttributes = copyMap(cfg.AnnotationLoadBalancerAttributes)
	if params != nil {
		for _, a := range params.LoadBalancerAttributes {
			cfg.LoadBalancerAttributes[a.Key] = a.Value
			if cfg.ParamsAttributeKeys == nil {
				cfg.ParamsAttributeKeys = map[string]bool{}
			}
			cfg.ParamsAttributeKeys[a.Key] = true
		}
	}

	// load-balancer-name: IngressClassParams win
	lbName, lbNameKey, lbNameSet := "", Key(SuffixLoadBalancerName), false
	if params != nil && params.LoadBalancerName != "" {
		lbName, lbNameKey, lbNameSet = params.LoadBalancerName, paramsField+"loadBalancerName", true
	} else if v, ok := ann[Key(SuffixLoadBalancerName)]; ok {
		lbName, lbNameSet = v, true
	}
	if v := lbName; lbNameSet {
		cfg.Exclusive[SuffixLoadBalancerName] = v
		if len(v) > MaxLoadBalancerNameLength {
			add(annErr(lbNameKey, v, expectedLoadBalancerName, errors.New("load balancer name cannot be longer than 32 characters")))
		} else {
			cfg.LoadBalancerName = v
		}
	}

	// inbound-cidrs
	if params != nil && len(params.InboundCIDRs) != 0 {
		cfg.Exclusive[SuffixInboundCIDRs] = strings.Join(params.InboundCIDRs, ",")
		cfg.InboundCIDRs, err = validCIDRs(params.InboundCIDRs, paramsField+"inboundCIDRs", strings.Join(params.InboundCIDRs, ","))
		add(err)
	} else if v, ok := ann[Key(SuffixInboundCIDRs)]; ok {
		cfg.Exclusive[SuffixInboundCIDRs] = v
		cfg.InboundCIDRs, err = validCIDRs(ParseStringList(v), Key(SuffixInboundCIDRs), v)
		add(err)
	}

	// ssl-policy
	if params != nil && params.SSLPolicy != nil && *params.SSLPolicy != "" {
		cfg.Exclusive[SuffixSSLPolicy] = *params.SSLPolicy
		cfg.SSLPolicy = *params.SSLPolicy
	} else if v, ok := ann[Key(SuffixSSLPolicy)]; ok {
		cfg.Exclusive[SuffixSSLPolicy] = v
		cfg.SSLPolicy = v
	}

	// ssl-redirect: IngressClassParams win
	redirect, redirectKey, redirectSet := "", Key(SuffixSSLRedirect), false
	if params != nil && params.SSLRedirectPort != "" {
		redirect, redirectKey, redirectSet = params.SSLRedirectPort, paramsField+"sslRedirectPort", true
	} else if v, ok := ann[Key(SuffixSSLRedirect)]; ok {
		redirect, redirectSet = v, true
	}
	if v := redirect; redirectSet {
		cfg.Exclusive[SuffixSSLRedirect] = v
		n, err := ParseInt(v, redirectKey)
		add(err)
		if err == nil {
			if n < 1 || n > 65535 {
				add(annErr(redirectKey, v, "an HTTPS listen port", errors.New("port out of range")))
			} else {
				cfg.SSLRedirectPort = int32(n)
			}
		}
	}

	// subnets: IngressClassParams and the annotation conflict with each other
	if params != nil && params.Subnets != nil {
		cfg.Exclusive[SuffixSubnets] = paramsSubnets(params.Subnets)
	} else if v, ok := ann[Key(SuffixSubnets)]; ok {
		cfg.Exclusive[SuffixSubnets] = v
	}

	// the other exclusive annotations, kept raw
	for _, s := range []string{SuffixSecurityGroups, SuffixManageBackendSecurityGroupRules, SuffixShieldAdvancedProtection} {
		if v, ok := ann[Key(s)]; ok {
			cfg.Exclusive[s] = v
		}
	}
	if v, ok := ann[Key(SuffixCustomerOwnedIPv4Pool)]; ok {
		cfg.Exclusive[SuffixCustomerOwnedIPv4Pool] = v
		if v == "" {
			add(annErr(Key(SuffixCustomerOwnedIPv4Pool), v, expectedNonEmptyCOIPv4PoolKey, errors.New("cannot use empty value")))
		}
	}
	// WAF: the annotation and IngressClassParams both count (the
	// controller puts both in the set that must hold one value)
	if v := ann[Key(SuffixWAFv2ACLARN)]; v != "" {
		cfg.Exclusive[SuffixWAFv2ACLARN] = v
	}
	if params != nil && params.WAFv2ACLArn != "" {
		if v, ok := cfg.Exclusive[SuffixWAFv2ACLARN]; ok && v != params.WAFv2ACLArn {
			add(annErr(paramsField+"wafv2AclArn", params.WAFv2ACLArn, "the same web ACL as "+Key(SuffixWAFv2ACLARN), fmt.Errorf("conflicting WAFv2 WebACL ARNs: [%s %s]", v, params.WAFv2ACLArn)))
		}
		cfg.Exclusive[SuffixWAFv2ACLARN] = params.WAFv2ACLArn
	}
	if v := ann[Key(SuffixWAFv2ACLName)]; v != "" {
		cfg.WAFv2ACLName = v
	} else if params != nil && params.WAFv2ACLName != "" {
		cfg.WAFv2ACLName = params.WAFv2ACLName
	}
	if v, ok := ann[Key(SuffixWAFACLID)]; ok {
		if v != "" {
			cfg.Exclusive[SuffixWAFACLID] = v
		}
	} else if v := ann[Key(SuffixWebACLID)]; v != "" {
		cfg.Exclusive[SuffixWAFACLID] = v
	}

	albExtras(&cfg, ann, params, add)
	for _, s := range []string{SuffixManageBackendSecurityGroupRules, SuffixShieldAdvancedProtection} {
		if v, ok := cfg.Exclusive[s]; ok {
			_, err := ParseBool(v, Key(s))
			add(err)
		}
	}

	if v, ok := ann[Key(SuffixUseRegexPathMatch)]; ok {
		b, err := ParseBool(v, Key(SuffixUseRegexPathMatch))
		add(err)
		cfg.UseRegexPathMatch = b
	}
	return cfg, errs
}

// BackendConfig is the target group one Ingress backend gets.
type BackendConfig struct {
	TargetType            v1beta1.TargetType
	BackendProtocol       string
	ProtocolVersion       string
	HealthCheck           HealthCheck
	TargetGroupAttributes map[string]string
	// TargetNodeLabels select the nodes registered in instance mode (nil: all nodes).
	TargetNodeLabels map[string]string
	// Tags are the target group's tags from annotations and IngressClassParams.
	Tags map[string]string
	// TargetControlPort is target-control-port.SVC.PORT (TargetControlPort), 0 when unset.
	TargetControlPort int32
}

// HealthCheck is a target group health check.
type HealthCheck struct {
	// Port is "traffic-port" or a port number; a named port is resolved to
	// the NodePort (instance) or the numeric targetPort (ip).
	Port               string
	Protocol           string
	Path               string
	IntervalSeconds    int32
	TimeoutSeconds     int32
	HealthyThreshold   int32
	UnhealthyThreshold int32
	// SuccessCodes is the HTTP matcher, or the gRPC matcher for GRPC.
	SuccessCodes string
}

// BackendSettings resolves the target group settings of one backend Service
// of an Ingress: IngressClassParams > Service annotation > Ingress annotation
// > controller default (buildTargetGroupSpec). svc may be nil when the
// Service does not exist; named health-check ports then stay unresolved.
// A bad value falls back to the default and is returned as an *AnnotationError.
func BackendSettings(ing *networkingv1.Ingress, svc *corev1.Service, params *v1beta1.IngressClassParamsSpec, d Defaults) (BackendConfig, []error) {
	var svcAnn map[string]string
	if svc != nil {
		svcAnn = svc.Annotations
	}
	ann := mergeAnnotations(svcAnn, ing.Annotations)
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	cfg := BackendConfig{
		TargetType:      d.TargetType,
		BackendProtocol: d.BackendProtocol,
		ProtocolVersion: d.BackendProtocolVersion,
	}
	if params != nil && params.TargetType != nil {
		if oneOf(string(*params.TargetType), string(v1beta1.TargetTypeInstance), string(v1beta1.TargetTypeIP)) {
			cfg.TargetType = *params.TargetType
		} else {
			add(annErr(paramsField+"targetType", string(*params.TargetType), expectedTargetType, errors.New("unknown targetType")))
		}
	} else if v, ok := ann[Key(SuffixTargetType)]; ok {
		if oneOf(v, string(v1beta1.TargetTypeInstance), string(v1beta1.TargetTypeIP)) {
			cfg.TargetType = v1beta1.TargetType(v)
		} else {
			add(annErr(Key(SuffixTargetType), v, expectedTargetType, errors.New("unknown targetType")))
		}
	}
	if v, ok := ann[Key(SuffixBackendProtocol)]; ok {
		if oneOf(v, ProtocolHTTP, ProtocolHTTPS) {
			cfg.BackendProtocol = v
		} else {
			add(annErr(Key(SuffixBackendProtocol), v, expectedProtocol, errors.New("backend protocol must be within [HTTP, HTTPS]")))
		}
	}
	if v, ok := ann[Key(SuffixBackendProtocolVersion)]; ok {
		if oneOf(v, ProtocolVersionHTTP1, ProtocolVersionHTTP2, ProtocolVersionGRPC) {
			cfg.ProtocolVersion = v
		} else {
			add(annErr(Key(SuffixBackendProtocolVersion), v, expectedProtocolVersion, errors.New("backend protocol version must be within [HTTP1, HTTP2, GRPC]")))
		}
	}

	hc := HealthCheck{
		Port:               HealthCheckPortTrafficPort,
		Protocol:           cfg.BackendProtocol,
		Path:               DefaultHealthCheckPathHTTP,
		IntervalSeconds:    DefaultHealthCheckInterval,
		TimeoutSeconds:     DefaultHealthCheckTimeout,
		HealthyThreshold:   DefaultHealthyThresholdCount,
		UnhealthyThreshold: DefaultUnhealthyThreshold,
		SuccessCodes:       DefaultSuccessCodesHTTP,
	}
	if cfg.ProtocolVersion == ProtocolVersionGRPC {
		hc.Path, hc.SuccessCodes = DefaultHealthCheckPathGRPC, DefaultSuccessCodesGRPC
	}
	if v, ok := ann[Key(SuffixHealthCheckPort)]; ok {
		port, err := healthCheckPort(v, svc, cfg.TargetType)
		add(err)
		if err == nil {
			hc.Port = port
		}
	}
	if v, ok := ann[Key(SuffixHealthCheckProtocol)]; ok {
		if oneOf(v, ProtocolHTTP, ProtocolHTTPS) {
			hc.Protocol = v
		} else {
			add(annErr(Key(SuffixHealthCheckProtocol), v, expectedProtocol, errors.New("healthCheckProtocol must be within [HTTP, HTTPS]")))
		}
	}
	if v, ok := ann[Key(SuffixHealthCheckPath)]; ok {
		hc.Path = v
	}
	if v, ok := ann[Key(SuffixSuccessCodes)]; ok {
		hc.SuccessCodes = v
		_, err := ParseSuccessCodes(v, cfg.ProtocolVersion)
		add(err)
	}
	for _, f := range []struct {
		suffix string
		dst    *int32
	}{
		{SuffixHealthCheckIntervalSeconds, &hc.IntervalSeconds},
		{SuffixHealthCheckTimeoutSeconds, &hc.TimeoutSeconds},
		{SuffixHealthyThresholdCount, &hc.HealthyThreshold},
		{SuffixUnhealthyThresholdCount, &hc.UnhealthyThreshold},
	} {
		if v, ok := ann[Key(f.suffix)]; ok {
			n, err := ParseInt(v, Key(f.suffix))
			if err == nil && (n < -1<<31 || n > 1<<31-1) {
				err = annErr(Key(f.suffix), v, ExpectedInteger, errors.New("out of int32 range"))
			}
			add(err)
			if err == nil {
				*f.dst = int32(n)
			}
		}
	}
	cfg.HealthCheck = hc

	if v, ok := ann[Key(SuffixTargetGroupAttributes)]; ok {
		m, err := ParseStringMap(v, Key(SuffixTargetGroupAttributes))
		add(err)
		cfg.TargetGroupAttributes = m
	}
	if v, ok := ann[Key(SuffixTargetNodeLabels)]; ok && cfg.TargetType == v1beta1.TargetTypeInstance {
		m, err := ParseStringMap(v, Key(SuffixTargetNodeLabels))
		add(err)
		if len(m) != 0 {
			cfg.TargetNodeLabels = m
		}
	}

	// tags: Service over Ingress, IngressClassParams over both (buildIngressBackendResourceTags)
	cfg.Tags = map[string]string{}
	if v, ok := ing.Annotations[Key(SuffixTags)]; ok {
		m, err := ParseTags(v)
		add(err)
		for k, val := range m {
			cfg.Tags[k] = val
		}
	}
	if v, ok := svcAnn[Key(SuffixTags)]; ok {
		m, err := ParseTags(v)
		add(err)
		for k, val := range m {
			cfg.Tags[k] = val
		}
	}
	if params != nil {
		for _, t := range params.Tags {
			cfg.Tags[t.Key] = t.Value
		}
	}
	return cfg, errs
}

func healthCheckPort(v string, svc *corev1.Service, tt v1beta1.TargetType) (string, error) {
	key := Key(SuffixHealthCheckPort)
	if v == HealthCheckPortTrafficPort {
		return v, nil
	}
	p := intstr.Parse(v)
	if p.Type == intstr.Int {
		return v, nil
	}
	if svc == nil {
		return "", annErr(key, v, expectedHealthCheckPort, errors.New("failed to resolve healthCheckPort: Service not found"))
	}
	sp, err := ServicePortOf(svc, p)
	if err != nil {
		return "", annErr(key, v, expectedHealthCheckPort, fmt.Errorf("failed to resolve healthCheckPort: %w", err))
	}
	if tt == v1beta1.TargetTypeInstance {
		return fmt.Sprint(sp.NodePort), nil
	}
	if sp.TargetPort.Type == intstr.Int {
		return fmt.Sprint(sp.TargetPort.IntVal), nil
	}
	return "", annErr(key, v, expectedHealthCheckPort, errors.New("cannot use named healthCheckPort for IP TargetType when service's targetPort is a named port"))
}

// ErrServicePortNotFound is returned when an Ingress backend names a port the
// Service does not have; the controller fails the Ingress's group.
var ErrServicePortNotFound = errors.New("service port not found")

// ServicePortOf finds the Service port a backend port refers to, by name or
// number, as the controller's LookupServicePort does.
func ServicePortOf(svc *corev1.Service, port intstr.IntOrString) (corev1.ServicePort, error) {
	for _, p := range svc.Spec.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.Port == port.IntVal) {
			return p, nil
		}
	}
	return corev1.ServicePort{}, fmt.Errorf("unable to find port %s on service %s: %w",
		port.String(), types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}, ErrServicePortNotFound)
}

// ErrNoNodePort is returned for instance targets on a Service port without a
// NodePort (a ClusterIP Service): the target group would get port 0 and AWS
// rejects it.
var ErrNoNodePort = errors.New("instance target type needs a NodePort or LoadBalancer Service")

// TargetGroupPort is the port the controller gives the target group
// (buildTargetGroupPort): the NodePort in instance mode, the numeric
// targetPort in ip mode, or 1 when the targetPort is a name. It is part of
// the target group name's hash.
func TargetGroupPort(sp corev1.ServicePort, tt v1beta1.TargetType) (int32, error) {
	if tt == v1beta1.TargetTypeInstance {
		if sp.NodePort == 0 {
			return 0, fmt.Errorf("service port %s: %w", portLabel(sp), ErrNoNodePort)
		}
		return sp.NodePort, nil
	}
	if sp.TargetPort.Type == intstr.Int {
		if sp.TargetPort.IntVal == 0 {
			return sp.Port, nil // an unset targetPort defaults to port
		}
		return sp.TargetPort.IntVal, nil
	}
	return 1, nil
}

func portLabel(sp corev1.ServicePort) string {
	if sp.Name != "" {
		return sp.Name
	}
	return fmt.Sprint(sp.Port)
}

func validCIDRs(cidrs []string, key, raw string) ([]string, error) {
	for _, c := range cidrs {
		if _, _, err := net.ParseCIDR(c); err != nil {
			return nil, annErr(key, raw, expectedCIDRs, err)
		}
	}
	return append([]string(nil), cidrs...), nil
}

func paramsSubnets(s *v1beta1.SubnetSelector) string {
	var b strings.Builder
	b.WriteString("IngressClassParams:ids=")
	b.WriteString(strings.Join(s.IDs, ","))
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, ";tag:%s=%s", k, strings.Join(s.Tags[k], "|"))
	}
	return b.String()
}

// mergeAnnotations returns a copy of the maps, earlier maps winning (algorithm.MergeStringMap).
func mergeAnnotations(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for i := len(maps) - 1; i >= 0; i-- {
		for k, v := range maps[i] {
			out[k] = v
		}
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func oneOf(v string, options ...string) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

// TargetControlPort is the target-control-port.SVC.PORT annotation of a
// backend (the Service's annotation winning over the Ingress's): the port
// of the target optimizer's control agent, 0 when unset. It becomes the
// target group's targetControlPort and is part of its name's hash.
func TargetControlPort(ing *networkingv1.Ingress, svc *corev1.Service, service string, port intstr.IntOrString) (int32, error) {
	var svcAnn map[string]string
	if svc != nil {
		svcAnn = svc.Annotations
	}
	key := Key(SuffixTargetControlPortPrefix + service + "." + port.String())
	v, ok := mergeAnnotations(svcAnn, ing.Annotations)[key]
	if !ok {
		return 0, nil
	}
	n, err := ParseInt(v, key)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > 65535 {
		return 0, annErr(key, v, "a port from 1 to 65535", errors.New("port out of range"))
	}
	return int32(n), nil
}
