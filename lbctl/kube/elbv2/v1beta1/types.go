package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TargetType says how targets are registered: node IP + NodePort, or pod IP.
type TargetType string

// Target types as the controller spells them.
const (
	TargetTypeInstance TargetType = "instance"
	TargetTypeIP       TargetType = "ip"
)

// IPAddressType of a target group.
type IPAddressType string

// IP address types.
const (
	IPAddressTypeIPv4 IPAddressType = "ipv4"
	IPAddressTypeIPv6 IPAddressType = "ipv6"
)

// ServiceReference names the Service port whose endpoints become targets.
type ServiceReference struct {
	Name string             `json:"name"`
	Port intstr.IntOrString `json:"port"`
}

// IPBlock is a CIDR allowed to reach the targets.
type IPBlock struct {
	CIDR string `json:"cidr"`
}

// SecurityGroup is a security group allowed to reach the targets.
type SecurityGroup struct {
	GroupID string `json:"groupID"`
}

// NetworkingPeer is one source of traffic: a CIDR or a security group.
type NetworkingPeer struct {
	IPBlock       *IPBlock       `json:"ipBlock,omitempty"`
	SecurityGroup *SecurityGroup `json:"securityGroup,omitempty"`
}

// NetworkingPort is a port (and protocol) the peers may reach.
type NetworkingPort struct {
	Protocol *string             `json:"protocol,omitempty"`
	Port     *intstr.IntOrString `json:"port,omitempty"`
}

// NetworkingIngressRule lets peers reach ports on the targets.
type NetworkingIngressRule struct {
	From  []NetworkingPeer `json:"from"`
	Ports []NetworkingPort `json:"ports"`
}

// TargetGroupBindingNetworking describes the security-group rules the
// controller manages for the targets.
type TargetGroupBindingNetworking struct {
	Ingress []NetworkingIngressRule `json:"ingress,omitempty"`
}

// TargetGroupBindingSpec ties a target group to a Service port.
type TargetGroupBindingSpec struct {
	TargetGroupARN          string                        `json:"targetGroupARN"`
	TargetType              *TargetType                   `json:"targetType,omitempty"`
	ServiceRef              ServiceReference              `json:"serviceRef"`
	Networking              *TargetGroupBindingNetworking `json:"networking,omitempty"`
	NodeSelector            *metav1.LabelSelector         `json:"nodeSelector,omitempty"`
	IPAddressType           *IPAddressType                `json:"ipAddressType,omitempty"`
	VpcID                   string                        `json:"vpcID,omitempty"`
	MultiClusterTargetGroup bool                          `json:"multiClusterTargetGroup,omitempty"`
}

// TargetGroupBindingStatus is what the controller last reconciled.
type TargetGroupBindingStatus struct {
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`
}

// TargetGroupBinding is the controller's record that a target group's targets
// come from a Service; lbctl joins target groups to Services through it.
//
// +kubebuilder:object:root=true
type TargetGroupBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   TargetGroupBindingSpec   `json:"spec,omitempty"`
	Status TargetGroupBindingStatus `json:"status,omitempty"`
}

// TargetGroupBindingList is a list of TargetGroupBindings.
//
// +kubebuilder:object:root=true
type TargetGroupBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []TargetGroupBinding `json:"items"`
}

// Attribute is a load balancer attribute key and value.
type Attribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Tag is an AWS tag key and value.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// IngressGroup names the group every Ingress of the class joins.
type IngressGroup struct {
	Name string `json:"name"`
}

// SubnetSelector picks subnets by ID or by tags.
type SubnetSelector struct {
	IDs  []string            `json:"ids,omitempty"`
	Tags map[string][]string `json:"tags,omitempty"`
}

// IngressClassParamsSpec holds settings that win over every Ingress and
// Service annotation for Ingresses of the class that references it.
type IngressClassParamsSpec struct {
	NamespaceSelector      *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	Group                  *IngressGroup         `json:"group,omitempty"`
	Scheme                 *string               `json:"scheme,omitempty"`
	IPAddressType          *string               `json:"ipAddressType,omitempty"`
	InboundCIDRs           []string              `json:"inboundCIDRs,omitempty"`
	SSLPolicy              *string               `json:"sslPolicy,omitempty"`
	CertificateArn         []string              `json:"certificateArn,omitempty"`
	Subnets                *SubnetSelector       `json:"subnets,omitempty"`
	Tags                   []Tag                 `json:"tags,omitempty"`
	LoadBalancerAttributes []Attribute           `json:"loadBalancerAttributes,omitempty"`
	TargetType             *TargetType           `json:"targetType,omitempty"`
	// LoadBalancerName names the ALB (controller v2.14+), over the
	// load-balancer-name annotation.
	LoadBalancerName string `json:"loadBalancerName,omitempty"`
	// SSLRedirectPort redirects HTTP listeners to this HTTPS port
	// (controller v2.14+), over the ssl-redirect annotation.
	SSLRedirectPort string `json:"sslRedirectPort,omitempty"`

	// The fields below keep the controller's shapes as raw JSON; lbctl/lbc
	// decodes them (IngressClassParamsListeners and friends).

	// Listeners set listener protocols, ports and attributes.
	Listeners []runtime.RawExtension `json:"listeners,omitempty"`
	// MinimumLoadBalancerCapacity reserves ALB capacity.
	MinimumLoadBalancerCapacity *runtime.RawExtension `json:"minimumLoadBalancerCapacity,omitempty"`
	// IPAMConfiguration takes the ALB's addresses from an IPAM pool.
	IPAMConfiguration *runtime.RawExtension `json:"ipamConfiguration,omitempty"`
	// PrefixListsIDs open the managed security group to prefix lists, over
	// the security-group-prefix-lists annotation (controller v3 spelling).
	PrefixListsIDs []string `json:"prefixListsIDs,omitempty"`
	// PrefixListsIDsLegacy is the older, capitalised spelling, read when
	// prefixListsIDs is empty.
	PrefixListsIDsLegacy []string `json:"PrefixListsIDs,omitempty"`
	// WAFv2ACLArn associates a WAFv2 web ACL with the ALB, besides any
	// wafv2-acl-arn annotation (the two must agree).
	WAFv2ACLArn string `json:"wafv2AclArn,omitempty"`
	// WAFv2ACLName names the WAFv2 web ACL instead of its ARN.
	WAFv2ACLName string `json:"wafv2AclName,omitempty"`
	// AuthConfig authenticates every rule of the class's Ingresses.
	AuthConfig *runtime.RawExtension `json:"authenticationConfiguration,omitempty"`
}

// Unmodelled names the fields set that lbctl reads but does not model.
func (s *IngressClassParamsSpec) Unmodelled() []string {
	var out []string
	if s.AuthConfig != nil {
		out = append(out, "authenticationConfiguration")
	}
	if s.WAFv2ACLName != "" {
		out = append(out, "wafv2AclName")
	}
	return out
}

// IngressClassParams is the cluster-scoped parameters object an IngressClass
// points to.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster
type IngressClassParams struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec IngressClassParamsSpec `json:"spec,omitempty"`
}

// IngressClassParamsList is a list of IngressClassParams.
//
// +kubebuilder:object:root=true
type IngressClassParamsList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []IngressClassParams `json:"items"`
}
