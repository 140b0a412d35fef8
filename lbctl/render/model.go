package render

import (
	"encoding/json"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

// Resource types of a stack, as the controller names them.
const (
	TypeSecurityGroup      = "AWS::EC2::SecurityGroup"
	TypeListener           = "AWS::ElasticLoadBalancingV2::Listener"
	TypeListenerRule       = "AWS::ElasticLoadBalancingV2::ListenerRule"
	TypeLoadBalancer       = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	TypeTargetGroup        = "AWS::ElasticLoadBalancingV2::TargetGroup"
	TypeTargetGroupBinding = "K8S::ElasticLoadBalancingV2::TargetGroupBinding"
	TypeFrontendNLBTGs     = "FrontendNLBTargetGroup"
	TypeWAFv2Association   = "AWS::WAFv2::WebACLAssociation"
	TypeWAFRegionalAssoc   = "AWS::WAFRegional::WebACLAssociation"
	TypeShieldProtection   = "AWS::Shield::Protection"
)

// Model is what the controller builds for a set of Ingresses: one entry per
// ingress group, plus the Ingresses its class loader rejects before any group
// is formed. Its JSON is the conformance envelope (groups, each with the
// stack the controller's marshaller writes).
type Model struct {
	Groups        []Group        `json:"groups"`
	IngressErrors []IngressError `json:"ingressErrors,omitempty"`
	// Warnings name inputs lbctl reads but does not model: the controller's
	// model of those groups has more than this one.
	Warnings []string `json:"warnings,omitempty"`
}

// IngressError is an Ingress the controller refuses to load (unknown class,
// bad group name): it joins no group.
type IngressError struct {
	Ingress string `json:"ingress"`
	Error   string `json:"error"`
}

// Group is one ingress group: its members in the controller's order, and
// either the stack it builds or the error that stops the whole group.
type Group struct {
	ID      string   `json:"id"`
	Members []string `json:"members"`
	// Error is non-empty when the group fails to build: the controller then
	// changes nothing on AWS for any member.
	Error string `json:"error"`
	// ListenerCertificates are the certificate ARNs per listener port, in
	// the listener's order (the default certificate first).
	ListenerCertificates map[string][]string `json:"listenerCertificates,omitempty"`
	Stack                *Stack              `json:"stack,omitempty"`
}

// Stack is the controller's model of one group: resources by type, then by
// resource ID ("LoadBalancer", "80", "80:1", "ns/ing-svc:port", ...).
type Stack struct {
	ID        string                                `json:"id"`
	Resources map[string]map[string]json.RawMessage `json:"resources"`
}

// Ref is a reference from one resource to a field of another, resolved
// when the controller deploys the stack.
type Ref struct {
	Ref string `json:"$ref"`
}

func ref(typ, id, field string) Ref {
	return Ref{Ref: "#/resources/" + typ + "/" + id + "/status/" + field}
}

type spec[T any] struct {
	Spec T `json:"spec"`
}

// KeyValue is an attribute as the controller lists them.
type KeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// LoadBalancerSpec is an ALB.
type LoadBalancerSpec struct {
	Name                   string          `json:"name"`
	Type                   string          `json:"type"`
	Scheme                 string          `json:"scheme"`
	IPAddressType          string          `json:"ipAddressType"`
	SubnetMappings         []SubnetMapping `json:"subnetMapping,omitempty"`
	SecurityGroups         []any           `json:"securityGroups,omitempty"`
	CustomerOwnedIPv4Pool  string          `json:"customerOwnedIPv4Pool,omitempty"`
	IPv4IPAMPool           string          `json:"ipv4IPAMPool,omitempty"`
	LoadBalancerAttributes []KeyValue      `json:"loadBalancerAttributes,omitempty"`
	// MinimumCapacity is the capacity reservation (controller
	// minimumLoadBalancerCapacity), nil when none.
	MinimumCapacity *MinimumCapacity  `json:"minimumLoadBalancerCapacity,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
}

// MinimumCapacity reserves ALB capacity in load balancer capacity units.
type MinimumCapacity struct {
	CapacityUnits int32 `json:"capacityUnits"`
}

// SubnetMapping places the ALB in a subnet.
type SubnetMapping struct {
	SubnetID string `json:"subnetID"`
}

// SecurityGroupSpec is the security group the controller manages for an ALB.
type SecurityGroupSpec struct {
	GroupName   string            `json:"groupName"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags,omitempty"`
	Ingress     []IPPermission    `json:"ingress"`
}

// IPPermission is one inbound rule of a managed security group.
type IPPermission struct {
	IPProtocol string      `json:"ipProtocol"`
	FromPort   int32       `json:"fromPort"`
	ToPort     int32       `json:"toPort"`
	IPRanges   []IPRange   `json:"ipRanges,omitempty"`
	IPv6Ranges []IPv6Range `json:"ipv6Ranges,omitempty"`
	// PrefixLists lets a managed prefix list in.
	PrefixLists []PrefixList `json:"prefixLists,omitempty"`
}

// PrefixList is a managed prefix list ID.
type PrefixList struct {
	ListID string `json:"listID"`
}

// IPRange is an IPv4 CIDR.
type IPRange struct {
	CIDRIP string `json:"cidrIP"`
}

// IPv6Range is an IPv6 CIDR.
type IPv6Range struct {
	CIDRIPv6 string `json:"cidrIPv6"`
}

// ListenerSpec is one listener.
type ListenerSpec struct {
	LoadBalancerARN Ref           `json:"loadBalancerARN"`
	Port            int32         `json:"port"`
	Protocol        string        `json:"protocol"`
	DefaultActions  []Action      `json:"defaultActions"`
	Certificates    []Certificate `json:"certificates,omitempty"`
	SSLPolicy       string        `json:"sslPolicy,omitempty"`
	// MutualAuthentication is the HTTPS listener's mTLS setting.
	MutualAuthentication *MutualAuthentication `json:"mutualAuthentication,omitempty"`
	Tags                 map[string]string     `json:"tags,omitempty"`
	ListenerAttributes   []KeyValue            `json:"listenerAttributes,omitempty"`
}

// MutualAuthentication is a listener's mTLS mode and trust store.
type MutualAuthentication struct {
	IgnoreClientCertificateExpiry *bool   `json:"ignoreClientCertificateExpiry,omitempty"`
	Mode                          string  `json:"mode"`
	TrustStoreARN                 *string `json:"trustStoreArn,omitempty"`
}

// WAFv2AssociationSpec associates a WAFv2 web ACL with the ALB; an empty
// WebACLARN removes any association.
type WAFv2AssociationSpec struct {
	WebACLARN   string `json:"webACLARN"`
	ResourceARN Ref    `json:"resourceARN"`
}

// WAFRegionalAssociationSpec associates a WAF Classic web ACL; an empty
// WebACLID removes any association.
type WAFRegionalAssociationSpec struct {
	WebACLID    string `json:"webACLID"`
	ResourceARN Ref    `json:"resourceARN"`
}

// ShieldProtectionSpec turns Shield Advanced protection of the ALB on or off.
type ShieldProtectionSpec struct {
	Enabled     bool `json:"enabled"`
	ResourceARN Ref  `json:"resourceARN"`
}

// Certificate is a listener certificate.
type Certificate struct {
	CertificateARN string `json:"certificateARN"`
}

// ListenerRuleSpec is one rule of a listener.
type ListenerRuleSpec struct {
	ListenerARN Ref               `json:"listenerARN"`
	Priority    int32             `json:"priority"`
	Actions     []Action          `json:"actions"`
	Conditions  []Condition       `json:"conditions"`
	Transforms  []json.RawMessage `json:"transforms,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// Action is a rule or default action.
type Action struct {
	Type                string               `json:"type"`
	AuthenticateCognito *AuthCognito         `json:"authenticateCognitoConfig,omitempty"`
	AuthenticateOIDC    *AuthOIDC            `json:"authenticateOIDCConfig,omitempty"`
	FixedResponseConfig *FixedResponseConfig `json:"fixedResponseConfig,omitempty"`
	RedirectConfig      *RedirectConfig      `json:"redirectConfig,omitempty"`
	ForwardConfig       *ForwardConfig       `json:"forwardConfig,omitempty"`
}

// AuthCognito authenticates through a Cognito user pool.
type AuthCognito struct {
	UserPoolARN                      string            `json:"userPoolARN"`
	UserPoolClientID                 string            `json:"userPoolClientID"`
	UserPoolDomain                   string            `json:"userPoolDomain"`
	AuthenticationRequestExtraParams map[string]string `json:"authenticationRequestExtraParams,omitempty"`
	OnUnauthenticatedRequest         string            `json:"onUnauthenticatedRequest,omitempty"`
	Scope                            string            `json:"scope,omitempty"`
	SessionCookieName                string            `json:"sessionCookieName,omitempty"`
	SessionTimeout                   int64             `json:"sessionTimeout,omitempty"`
}

// AuthOIDC authenticates through an OpenID Connect provider; the client ID
// and secret come from a Secret and are not rendered.
type AuthOIDC struct {
	Issuer                           string            `json:"issuer"`
	AuthorizationEndpoint            string            `json:"authorizationEndpoint"`
	TokenEndpoint                    string            `json:"tokenEndpoint"`
	UserInfoEndpoint                 string            `json:"userInfoEndpoint"`
	AuthenticationRequestExtraParams map[string]string `json:"authenticationRequestExtraParams,omitempty"`
	OnUnauthenticatedRequest         string            `json:"onUnauthenticatedRequest,omitempty"`
	Scope                            string            `json:"scope,omitempty"`
	SessionCookieName                string            `json:"sessionCookieName,omitempty"`
	SessionTimeout                   int64             `json:"sessionTimeout,omitempty"`
}

// FixedResponseConfig answers without a target.
type FixedResponseConfig struct {
	ContentType string `json:"contentType,omitempty"`
	MessageBody string `json:"messageBody,omitempty"`
	StatusCode  string `json:"statusCode"`
}

// RedirectConfig redirects.
type RedirectConfig struct {
	Host       string `json:"host,omitempty"`
	Path       string `json:"path,omitempty"`
	Port       string `json:"port,omitempty"`
	Protocol   string `json:"protocol,omitempty"`
	Query      string `json:"query,omitempty"`
	StatusCode string `json:"statusCode"`
}

// ForwardConfig forwards to weighted target groups.
type ForwardConfig struct {
	TargetGroups                []TargetGroupTuple `json:"targetGroups"`
	TargetGroupStickinessConfig *Stickiness        `json:"targetGroupStickinessConfig,omitempty"`
}

// TargetGroupTuple is one target group of a forward: a reference to a
// target group of the stack, or an existing target group's ARN.
type TargetGroupTuple struct {
	TargetGroupARN any    `json:"targetGroupARN"`
	Weight         *int64 `json:"weight,omitempty"`
}

// Stickiness pins clients to a target group of a forward.
type Stickiness struct {
	Enabled         *bool  `json:"enabled,omitempty"`
	DurationSeconds *int64 `json:"durationSeconds,omitempty"`
}

// Condition is a rule condition: the controller's model uses the same
// shape as the conditions.NAME annotation.
type Condition = lbc.RuleCondition

// TargetGroupSpec is a target group.
type TargetGroupSpec struct {
	Name                  string            `json:"name"`
	TargetType            string            `json:"targetType"`
	Port                  int32             `json:"port"`
	Protocol              string            `json:"protocol"`
	ProtocolVersion       string            `json:"protocolVersion,omitempty"`
	IPAddressType         string            `json:"ipAddressType"`
	TargetControlPort     int32             `json:"targetControlPort,omitempty"`
	HealthCheckConfig     HealthCheckConfig `json:"healthCheckConfig"`
	TargetGroupAttributes []KeyValue        `json:"targetGroupAttributes,omitempty"`
	Tags                  map[string]string `json:"tags,omitempty"`
}

// HealthCheckConfig is a target group's health check; Port is an int or
// "traffic-port".
type HealthCheckConfig struct {
	Port                    any      `json:"port"`
	Protocol                string   `json:"protocol"`
	Path                    string   `json:"path"`
	Matcher                 *Matcher `json:"matcher,omitempty"`
	IntervalSeconds         int32    `json:"intervalSeconds"`
	TimeoutSeconds          int32    `json:"timeoutSeconds"`
	HealthyThresholdCount   int32    `json:"healthyThresholdCount"`
	UnhealthyThresholdCount int32    `json:"unhealthyThresholdCount"`
}

// Matcher is the HTTP or gRPC success codes.
type Matcher struct {
	HTTPCode string `json:"httpCode,omitempty"`
	GRPCCode string `json:"grpcCode,omitempty"`
}

// TargetGroupBindingSpec is the TargetGroupBinding the controller creates.
type TargetGroupBindingSpec struct {
	Template TGBTemplate `json:"template"`
}

// TGBTemplate is the binding object's metadata and spec.
type TGBTemplate struct {
	Metadata TGBMeta `json:"metadata"`
	Spec     TGBSpec `json:"spec"`
}

// TGBMeta names the binding.
type TGBMeta struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// TGBSpec is the binding's spec.
type TGBSpec struct {
	TargetGroupARN      Ref            `json:"targetGroupARN"`
	TargetType          string         `json:"targetType"`
	ServiceRef          ServiceRef     `json:"serviceRef"`
	Networking          *TGBNetworking `json:"networking,omitempty"`
	NodeSelector        *NodeSelector  `json:"nodeSelector,omitempty"`
	IPAddressType       string         `json:"ipAddressType"`
	VPCID               string         `json:"vpcID,omitempty"`
	TargetGroupProtocol string         `json:"targetGroupProtocol"`
}

// ServiceRef is the Service port a binding registers.
type ServiceRef struct {
	Name string `json:"name"`
	Port any    `json:"port"`
}

// NodeSelector selects instance targets.
type NodeSelector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// TGBNetworking opens the targets' security groups to the ALB.
type TGBNetworking struct {
	Ingress []TGBIngress `json:"ingress"`
}

// TGBIngress is one networking rule of a binding.
type TGBIngress struct {
	From  []TGBPeer `json:"from"`
	Ports []TGBPort `json:"ports"`
}

// TGBPeer is the ALB's security group.
type TGBPeer struct {
	SecurityGroup TGBSecurityGroup `json:"securityGroup"`
}

// TGBSecurityGroup names a security group, or references the managed one.
type TGBSecurityGroup struct {
	GroupID any `json:"groupID"`
}

// TGBPort is a port opened to the ALB.
type TGBPort struct {
	Port     any    `json:"port,omitempty"`
	Protocol string `json:"protocol"`
}
