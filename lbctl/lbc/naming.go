package lbc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// Resource tag values (ingress.k8s.aws/resource) of group-wide resources.
const (
	LoadBalancerResourceTag         = "LoadBalancer"
	ManagedSecurityGroupResourceTag = "ManagedLBSecurityGroup"
)

// LoadBalancerName is the name the controller generates for a group's ALB
// (buildLoadBalancerName): sha256 over cluster name, group ID and scheme, hex;
// "k8s-<group ≤17>-<hash 10>" for an explicit group and
// "k8s-<namespace ≤8>-<name ≤8>-<hash 10>" for an implicit one, after
// removing every character that is not an ASCII letter or digit. Changing the
// cluster name, the group or the scheme therefore creates a new ALB.
func LoadBalancerName(cluster string, g GroupID, scheme string) string {
	return groupScopedName(hashHex(cluster, g.String(), scheme), g)
}

// ManagedSecurityGroupName is the name of the security group the controller
// creates for a group's ALB (buildManagedSecurityGroupName): like
// LoadBalancerName without the scheme in the hash.
func ManagedSecurityGroupName(cluster string, g GroupID) string {
	return groupScopedName(hashHex(cluster, g.String()), g)
}

func groupScopedName(hash string, g GroupID) string {
	if g.IsExplicit() {
		return fmt.Sprintf("k8s-%.17s-%.10s", sanitizeName(g.Name), hash)
	}
	return fmt.Sprintf("k8s-%.8s-%.8s-%.10s", sanitizeName(g.Namespace), sanitizeName(g.Name), hash)
}

// GroupLoadBalancerName is the ALB name of a group: the load-balancer-name
// its members declare (at most one distinct value, at most 32 characters),
// else LoadBalancerName with the group's scheme.
func GroupLoadBalancerName(cluster string, g GroupID, scheme string, members []Member) (string, error) {
	names := map[string]bool{}
	for _, m := range members {
		if v, ok := m.Config.Exclusive[SuffixLoadBalancerName]; ok {
			names[v] = true
		}
	}
	switch len(names) {
	case 0:
		return LoadBalancerName(cluster, g, scheme), nil
	case 1:
		name := sortedKeys(names)[0]
		if len(name) > MaxLoadBalancerNameLength {
			return "", errors.New("load balancer name cannot be longer than 32 characters")
		}
		return name, nil
	default:
		return "", fmt.Errorf("conflicting load balancer name: %v", sortedKeys(names))
	}
}

// TargetGroupKey holds everything the controller hashes into a target group
// name (buildTargetGroupName), in its order. The Service's UID is hashed, not
// its name, so a deleted and re-created Service gets new target groups; the
// Service namespace and name only make the readable prefix.
type TargetGroupKey struct {
	Cluster string
	Group   GroupID
	// Ingress is the Ingress whose rule uses the backend.
	Ingress types.NamespacedName
	// Service is the backend Service; ServiceUID its metadata.uid.
	Service    types.NamespacedName
	ServiceUID types.UID
	// Port is the backend's service port as written in the Ingress (name or number).
	Port intstr.IntOrString
	// TargetPort is the target group port (TargetGroupPort).
	TargetPort      int32
	TargetType      v1beta1.TargetType
	Protocol        string
	ProtocolVersion string
	// TargetControlPort is the target-control-port.SVC.PORT value, 0 when
	// unset; hashed last when set (controller v2.16+).
	TargetControlPort int32
}

// TargetGroupName is the name the controller gives a target group:
// "k8s-<svc namespace ≤8>-<svc name ≤8>-<hash 10>" with sha256 over cluster,
// group ID, Ingress namespace and name, Service UID, service port, target
// group port, target type, protocol and protocol version. Any change to
// those (e.g. instance → ip, or moving the Ingress to another group) creates
// a new target group and TargetGroupBinding.
func TargetGroupName(k TargetGroupKey) string {
	parts := []string{k.Cluster, k.Group.String(), k.Ingress.Namespace, k.Ingress.Name, string(k.ServiceUID),
		k.Port.String(), strconv.Itoa(int(k.TargetPort)), string(k.TargetType), k.Protocol, k.ProtocolVersion}
	if k.TargetControlPort != 0 {
		parts = append(parts, strconv.Itoa(int(k.TargetControlPort)))
	}
	hash := hashHex(parts...)
	return fmt.Sprintf("k8s-%.8s-%.8s-%.10s", sanitizeName(k.Service.Namespace), sanitizeName(k.Service.Name), hash)
}

// TargetGroupBindingName is the name of the TargetGroupBinding the controller
// creates for a target group: the target group's own name, in the Service's
// namespace.
func TargetGroupBindingName(k TargetGroupKey) types.NamespacedName {
	return types.NamespacedName{Namespace: k.Service.Namespace, Name: TargetGroupName(k)}
}

// StackTag is the ingress.k8s.aws/stack tag value of a group's AWS resources.
func StackTag(g GroupID) string { return g.String() }

// ParseStackTag reverses StackTag, to join AWS resources to their group:
// "ns/name" is an implicit group, anything else an explicit one.
func ParseStackTag(s string) GroupID {
	if ns, name, ok := strings.Cut(s, "/"); ok {
		return GroupID{Namespace: ns, Name: name}
	}
	return GroupID{Name: s}
}

// StackLabels are the labels the controller puts on the Kubernetes objects
// (TargetGroupBindings) of a group.
func StackLabels(g GroupID) map[string]string {
	if g.IsExplicit() {
		return map[string]string{LabelStack: g.Name}
	}
	return map[string]string{LabelStackNamespace: g.Namespace, LabelStackName: g.Name}
}

// TargetGroupResourceTag is the ingress.k8s.aws/resource tag of a target
// group: "<ingress ns>/<ingress name>-<service>:<port>".
func TargetGroupResourceTag(ing types.NamespacedName, svc string, port intstr.IntOrString) string {
	return fmt.Sprintf("%s/%s-%s:%s", ing.Namespace, ing.Name, svc, port.String())
}

// ListenerResourceTag is the ingress.k8s.aws/resource tag of a listener: its port.
func ListenerResourceTag(port int32) string { return strconv.Itoa(int(port)) }

// RuleResourceTag is the ingress.k8s.aws/resource tag of a listener rule:
// "<port>:<priority>". Priorities are renumbered when rules are added or
// removed, so the tag identifies a rule only within one reconciliation.
func RuleResourceTag(port, priority int32) string { return fmt.Sprintf("%d:%d", port, priority) }

// ParseRuleResourceTag reverses RuleResourceTag.
func ParseRuleResourceTag(s string) (port, priority int32, err error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("rule resource tag %q: want <port>:<priority>", s)
	}
	p, err1 := strconv.ParseInt(a, 10, 32)
	q, err2 := strconv.ParseInt(b, 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("rule resource tag %q: want <port>:<priority>", s)
	}
	return int32(p), int32(q), nil
}

// ResourceTags returns the tracking tags the controller puts on one AWS
// resource of a group, for predicting or matching DescribeTags output.
func ResourceTags(cluster string, g GroupID, resource string) map[string]string {
	return map[string]string{TagCluster: cluster, TagStack: StackTag(g), TagResource: resource}
}

func hashHex(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sanitizeName removes what the controller's [[:^alnum:]] pattern removes:
// everything but ASCII letters and digits.
func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// LoadBalancerNameProblem says why ELBv2 would refuse name for an ALB
// (CreateLoadBalancer: at most 32 characters, only ASCII letters, digits and
// hyphens, no hyphen first or last, not starting with "internal-"), or ""
// when it would take it. The controller builds its model with any name;
// the refusal comes when it deploys, and the group is never reconciled.
func LoadBalancerNameProblem(name string) string {
	switch {
	case name == "":
		return "it is empty"
	case len(name) > MaxLoadBalancerNameLength:
		return fmt.Sprintf("it has %d characters, over %d", len(name), MaxLoadBalancerNameLength)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return "it begins or ends with a hyphen"
	case strings.HasPrefix(name, "internal-"):
		return `it begins with "internal-"`
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Sprintf("it holds %q: only letters, digits and hyphens are allowed", r)
		}
	}
	return ""
}
