package awsendpoint

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Namer makes identifiers in AWS's real formats, so the sandbox's objects
// look like the ones a controller sees in production (and parse the same
// way). It is safe for concurrent use; a seeded Namer repeats its sequence.
type Namer struct {
	region    string
	accountID string

	mu  sync.Mutex
	rnd *rand.Rand
}

// NewNamer returns a Namer for one region and 12-digit account whose random
// parts are drawn from a source seeded with seed.
func NewNamer(region, accountID string, seed uint64) *Namer {
	return &Namer{region: region, accountID: accountID, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Region returns the region the Namer's ARNs and DNS names are in.
func (n *Namer) Region() string { return n.region }

func (n *Namer) uint64() uint64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.rnd.Uint64()
}

// hexID is a 16-hex-digit ELBv2 resource ID.
func (n *Namer) hexID() string {
	return fmt.Sprintf("%016x", n.uint64())
}

// ec2ID is a 17-hex-digit EC2 resource ID with the given prefix.
func (n *Namer) ec2ID(prefix string) string {
	v := n.uint64()
	return fmt.Sprintf("%s-%x%016x", prefix, v>>60, v^(v<<7))
}

func (n *Namer) elbARN(resource string) string {
	return "arn:aws:elasticloadbalancing:" + n.region + ":" + n.accountID + ":" + resource
}

// lbTypeSegment is the ARN path segment for a load balancer type.
func lbTypeSegment(t elbv2types.LoadBalancerTypeEnum) string {
	switch t {
	case elbv2types.LoadBalancerTypeEnumNetwork:
		return "net"
	case elbv2types.LoadBalancerTypeEnumGateway:
		return "gwy"
	}
	return "app"
}

// LoadBalancerARN returns a new ARN such as
// arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/NAME/50dc6c495c0c9188.
func (n *Namer) LoadBalancerARN(t elbv2types.LoadBalancerTypeEnum, name string) string {
	return n.elbARN("loadbalancer/" + lbTypeSegment(t) + "/" + name + "/" + n.hexID())
}

// LoadBalancerDNSName returns a new DNS name in AWS's format for the type and
// scheme: NAME-1234567890.REGION.elb.amazonaws.com for an internet-facing
// ALB, internal-NAME-1234567890.REGION.elb.amazonaws.com for an internal one,
// NAME-0123456789abcdef.elb.REGION.amazonaws.com for an NLB, and "" for a
// gateway load balancer, which has none.
func (n *Namer) LoadBalancerDNSName(t elbv2types.LoadBalancerTypeEnum, scheme elbv2types.LoadBalancerSchemeEnum, name string) string {
	name = strings.ToLower(name)
	switch t {
	case elbv2types.LoadBalancerTypeEnumGateway:
		return ""
	case elbv2types.LoadBalancerTypeEnumNetwork:
		return name + "-" + n.hexID() + ".elb." + n.region + ".amazonaws.com"
	}
	prefix := ""
	if scheme == elbv2types.LoadBalancerSchemeEnumInternal {
		prefix = "internal-"
	}
	return fmt.Sprintf("%s%s-%d.%s.elb.amazonaws.com", prefix, name, 1_000_000_000+n.uint64()%1_000_000_000, n.region)
}

// TargetGroupARN returns a new ARN such as
// arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/NAME/73e2d6bc24d8a067.
func (n *Namer) TargetGroupARN(name string) string {
	return n.elbARN("targetgroup/" + name + "/" + n.hexID())
}

// ListenerARN returns a new listener ARN under a load balancer ARN:
// …:listener/app/NAME/LBID/LISTENERID.
func (n *Namer) ListenerARN(loadBalancerArn string) (string, error) {
	prefix, rest, ok := strings.Cut(loadBalancerArn, ":loadbalancer/")
	if !ok {
		return "", fmt.Errorf("listener arn: %q is not a load balancer arn", loadBalancerArn)
	}
	return prefix + ":listener/" + rest + "/" + n.hexID(), nil
}

// RuleARN returns a new rule ARN under a listener ARN:
// …:listener-rule/app/NAME/LBID/LISTENERID/RULEID.
func (n *Namer) RuleARN(listenerArn string) (string, error) {
	prefix, rest, ok := strings.Cut(listenerArn, ":listener/")
	if !ok {
		return "", fmt.Errorf("rule arn: %q is not a listener arn", listenerArn)
	}
	return prefix + ":listener-rule/" + rest + "/" + n.hexID(), nil
}

// VpcID returns a new ID such as vpc-0a1b2c3d4e5f67890.
func (n *Namer) VpcID() string { return n.ec2ID("vpc") }

// SubnetID returns a new ID such as subnet-0a1b2c3d4e5f67890.
func (n *Namer) SubnetID() string { return n.ec2ID("subnet") }

// SecurityGroupID returns a new ID such as sg-0a1b2c3d4e5f67890.
func (n *Namer) SecurityGroupID() string { return n.ec2ID("sg") }

// SubnetARN returns the ARN of a subnet ID in the Namer's account.
func (n *Namer) SubnetARN(subnetID string) string {
	return "arn:aws:ec2:" + n.region + ":" + n.accountID + ":subnet/" + subnetID
}

// SecurityGroupARN returns the ARN of a security group ID in the Namer's
// account.
func (n *Namer) SecurityGroupARN(groupID string) string {
	return "arn:aws:ec2:" + n.region + ":" + n.accountID + ":security-group/" + groupID
}

// CanonicalHostedZoneID returns the Route 53 hosted zone AWS gives load
// balancers of type t in region (the CanonicalHostedZoneId of a
// LoadBalancer), for the regions the sandbox uses; ok is false elsewhere.
func CanonicalHostedZoneID(region string, t elbv2types.LoadBalancerTypeEnum) (id string, ok bool) {
	type zones struct{ alb, nlb string }
	var z zones
	switch region {
	case "us-east-1":
		z = zones{"Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"}
	case "us-east-2":
		z = zones{"Z3AADJGX6KTTL2", "ZLMOA37VPKANP"}
	case "us-west-1":
		z = zones{"Z368ELLRRE2KJ0", "Z24FKFUX50B4VW"}
	case "us-west-2":
		z = zones{"Z1H1FL5HABSF5", "Z18D5FSROUN65G"}
	case "eu-west-1":
		z = zones{"Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"}
	default:
		return "", false
	}
	if t == elbv2types.LoadBalancerTypeEnumNetwork {
		return z.nlb, true
	}
	return z.alb, true
}

// elbv2ResourceKind returns the resource type of an ELBv2 ARN
// ("loadbalancer", "listener", "listener-rule", "targetgroup",
// "truststore"), or "" if arn is not one.
func elbv2ResourceKind(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "elasticloadbalancing" {
		return ""
	}
	kind, _, ok := strings.Cut(parts[5], "/")
	if !ok {
		return ""
	}
	return kind
}

// CertificateARN is an ACM certificate's ARN with a UUID-shaped ID derived
// from n, so a scenario's certificates keep their ARNs from run to run.
func CertificateARN(region, accountID string, n int) string {
	return fmt.Sprintf("arn:aws:acm:%s:%s:certificate/%08x-0000-4000-8000-%012x", region, accountID, n, n)
}
