package lbc

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// AnnotationPrefix is the prefix of every ALB annotation the controller reads
// (its --annotations-prefix default, with the separating slash).
const AnnotationPrefix = "alb.ingress.kubernetes.io/"

// Annotation suffixes, spelled as in the controller's pkg/annotations/constants.go.
// Callers use Key to build the full annotation key, so the prefix lives in one place.
const (
	SuffixScheme                          = "scheme"
	SuffixSubnets                         = "subnets"
	SuffixSecurityGroups                  = "security-groups"
	SuffixIPAddressType                   = "ip-address-type"
	SuffixLoadBalancerAttributes          = "load-balancer-attributes"
	SuffixLoadBalancerName                = "load-balancer-name"
	SuffixSSLPolicy                       = "ssl-policy"
	SuffixSSLRedirect                     = "ssl-redirect"
	SuffixWAFv2ACLARN                     = "wafv2-acl-arn"
	SuffixWAFACLID                        = "waf-acl-id"
	SuffixWebACLID                        = "web-acl-id" // deprecated spelling of waf-acl-id, still read as a fallback
	SuffixShieldAdvancedProtection        = "shield-advanced-protection"
	SuffixCustomerOwnedIPv4Pool           = "customer-owned-ipv4-pool"
	SuffixInboundCIDRs                    = "inbound-cidrs"
	SuffixManageBackendSecurityGroupRules = "manage-backend-security-group-rules"
	SuffixListenPorts                     = "listen-ports"
	SuffixCertificateARN                  = "certificate-arn"
	SuffixTags                            = "tags"
	SuffixTargetType                      = "target-type"
	SuffixBackendProtocol                 = "backend-protocol"
	SuffixBackendProtocolVersion          = "backend-protocol-version"
	SuffixTargetGroupAttributes           = "target-group-attributes"
	SuffixHealthCheckPort                 = "healthcheck-port"
	SuffixHealthCheckProtocol             = "healthcheck-protocol"
	SuffixHealthCheckPath                 = "healthcheck-path"
	SuffixHealthCheckIntervalSeconds      = "healthcheck-interval-seconds"
	SuffixHealthCheckTimeoutSeconds       = "healthcheck-timeout-seconds"
	SuffixHealthyThresholdCount           = "healthy-threshold-count"
	SuffixUnhealthyThresholdCount         = "unhealthy-threshold-count"
	SuffixSuccessCodes                    = "success-codes"
	SuffixTargetNodeLabels                = "target-node-labels"
	SuffixUseRegexPathMatch               = "use-regex-path-match"
	SuffixGroupName                       = "group.name"
	SuffixGroupOrder                      = "group.order"
	SuffixWAFv2ACLName                    = "wafv2-acl-name"
	SuffixSecurityGroupPrefixLists        = "security-group-prefix-lists"
	SuffixMutualAuthentication            = "mutual-authentication"
	SuffixMinimumLoadBalancerCapacity     = "minimum-load-balancer-capacity"
	SuffixIPAMIPv4PoolID                  = "ipam-ipv4-pool-id"
	SuffixEnableFrontendNLB               = "enable-frontend-nlb"
	SuffixCreateACMCert                   = "create-acm-cert"
	// SuffixListenerAttributesPrefix is followed by PROTOCOL-PORT, e.g.
	// listener-attributes.HTTPS-443.
	SuffixListenerAttributesPrefix = "listener-attributes."
	// SuffixFrontendNLBPrefix starts the frontend-nlb-* annotations that
	// configure the NLB enable-frontend-nlb puts in front of the ALB.
	SuffixFrontendNLBPrefix = "frontend-nlb-"
	// SuffixActionsPrefix is followed by the action name, which a backend
	// references as its service name with port name "use-annotation".
	SuffixActionsPrefix = "actions."
	// SuffixTargetControlPortPrefix starts target-control-port.SVC.PORT.
	SuffixTargetControlPortPrefix = "target-control-port."
	// SuffixConditionsPrefix is followed by the backend service name whose
	// rules get the extra conditions.
	SuffixConditionsPrefix = "conditions."
)

// Key returns the full annotation key for a suffix, so callers never spell the prefix.
func Key(suffix string) string { return AnnotationPrefix + suffix }

// ActionKey returns the actions.NAME annotation key a use-annotation backend named name reads.
func ActionKey(name string) string { return AnnotationPrefix + SuffixActionsPrefix + name }

// ConditionKey returns the conditions.NAME annotation key that adds conditions
// to every rule whose backend service is named name.
func ConditionKey(name string) string { return AnnotationPrefix + SuffixConditionsPrefix + name }

// UseAnnotationPort is the magic backend port name that makes the controller
// read the backend's action from actions.<service name> instead of forwarding.
const UseAnnotationPort = "use-annotation"

// ExclusiveALBAnnotations lists the ALB-level annotation suffixes for which
// every member of a group that sets a value must set the same one (a member
// that omits it does not conflict); the controller fails the whole group on a
// mismatch. ssl-policy and inbound-cidrs are compared only between members
// that share a listener port (ssl-policy only on HTTPS ports), as the
// controller merges them per port (mergeListenPortConfigs).
//
// The controller's docs also call load-balancer-attributes exclusive, but its
// code merges it key by key (buildIngressGroupLoadBalancerAttributes), so it
// is in MergedALBAnnotations.
func ExclusiveALBAnnotations() []string {
	return []string{
		SuffixScheme,
		SuffixSubnets,
		SuffixSecurityGroups,
		SuffixIPAddressType,
		SuffixLoadBalancerName,
		SuffixSSLPolicy,
		SuffixSSLRedirect,
		SuffixWAFv2ACLARN,
		SuffixWAFACLID,
		SuffixShieldAdvancedProtection,
		SuffixCustomerOwnedIPv4Pool,
		SuffixInboundCIDRs,
		SuffixManageBackendSecurityGroupRules,
		SuffixEnableFrontendNLB,
	}
}

// MergedALBAnnotations lists the ALB-level annotation suffixes the controller
// merges across group members: listen-ports (union; a member's rules attach
// only to its own ports), certificate-arn (union per HTTPS port, the first
// member's first certificate is the default), and tags and
// load-balancer-attributes (union of keys; the same key with two values fails
// the group).
func MergedALBAnnotations() []string {
	return []string{
		SuffixListenPorts,
		SuffixCertificateARN,
		SuffixTags,
		SuffixLoadBalancerAttributes,
	}
}

// IngressClassAnnotation is the legacy class annotation; when present it wins
// over spec.ingressClassName (classifyIngress).
const IngressClassAnnotation = "kubernetes.io/ingress.class"

// PlanAnnotation is where the controller, run with the
// IngressPlanAnnotation feature gate, writes the model it built for a group
// (on the group's first member). The controller owns it; copies of an
// Ingress never carry it.
const PlanAnnotation = AnnotationPrefix + "dry-run-plan"

// PlanFeatureGate is the controller feature gate that writes PlanAnnotation.
const PlanFeatureGate = "IngressPlanAnnotation"

// IngressClassALB is the legacy class annotation value the controller owns
// with its default --ingress-class.
const IngressClassALB = "alb"

// DefaultIngressClassAnnotation marks the IngressClass the API server's
// DefaultIngressClass admission plugin assigns to new class-less Ingresses.
const DefaultIngressClassAnnotation = "ingressclass.kubernetes.io/is-default-class"

// ControllerName is the IngressClass spec.controller value of the ALB controller.
const ControllerName = "ingress.k8s.aws/alb"

// IngressClassParams reference, as an IngressClass spec.parameters must spell it.
const (
	ParamsAPIGroup = "elbv2.k8s.aws"
	ParamsKind     = "IngressClassParams"
)

// AWS tag keys the controller puts on everything it creates; lbctl joins AWS
// resources back to Kubernetes objects through them.
const (
	TagCluster  = "elbv2.k8s.aws/cluster"
	TagStack    = "ingress.k8s.aws/stack"
	TagResource = "ingress.k8s.aws/resource"
)

// Kubernetes labels the controller puts on the TargetGroupBindings it creates.
// An explicit group uses LabelStack; an implicit one the namespace/name pair.
const (
	LabelStack          = "ingress.k8s.aws/stack"
	LabelStackNamespace = "ingress.k8s.aws/stack-namespace"
	LabelStackName      = "ingress.k8s.aws/stack-name"
)

// Pod readiness gate injection: a namespace labelled
// LabelReadinessGateInject=ReadinessGateInjectEnabled gets target-health
// readiness gates on pods created after a TargetGroupBinding selects them.
const (
	LabelReadinessGateInject   = "elbv2.k8s.aws/pod-readiness-gate-inject"
	ReadinessGateInjectEnabled = "enabled"
	// ReadinessGateConditionPrefix is the pod condition type prefix of target-health gates.
	ReadinessGateConditionPrefix = "target-health.elbv2.k8s.aws"
)

// ReadinessGateConditionType returns the pod condition type the controller
// injects and maintains for TargetGroupBinding tgbName, so a rollout check can
// look for exactly that gate.
func ReadinessGateConditionType(tgbName string) corev1.PodConditionType {
	return corev1.PodConditionType(ReadinessGateConditionPrefix + "/" + tgbName)
}

// UnmodelledAnnotations are annotation suffixes (a trailing "." or "-"
// marks a prefix) the controller reads that lbctl's model leaves out, or
// renders only in part: the frontend NLB (enable-frontend-nlb and the
// frontend-nlb-* settings: its load balancer, listeners, target groups and
// the ALB target registration are not rendered), the ACM certificate
// create-acm-cert asks for (not rendered; the listener's certificate is
// left as discovery or explicit ARNs find it), and wafv2-acl-name (a WAF
// web ACL name the controller resolves to an ARN through WAF, which lbctl
// does not read). frontend-nlb-* settings change nothing without
// enable-frontend-nlb. Render warns for each that takes effect rather than
// imply a complete model.
func UnmodelledAnnotations() []string {
	return []string{
		SuffixEnableFrontendNLB, SuffixFrontendNLBPrefix, SuffixCreateACMCert, SuffixWAFv2ACLName,
	}
}

// Unmodelled lists the annotations of annotations that UnmodelledAnnotations
// names, sorted.
func Unmodelled(annotations map[string]string) []string {
	var out []string
	for k := range annotations {
		suffix, ok := strings.CutPrefix(k, AnnotationPrefix)
		if !ok {
			continue
		}
		for _, u := range UnmodelledAnnotations() {
			prefix := strings.HasSuffix(u, ".") || strings.HasSuffix(u, "-")
			if suffix == u || (prefix && strings.HasPrefix(suffix, u)) {
				out = append(out, k)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}
