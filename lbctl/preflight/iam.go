package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// IAMAPI is the part of the IAM client the probe calls.
type IAMAPI interface {
	SimulatePrincipalPolicy(context.Context, *iam.SimulatePrincipalPolicyInput, ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error)
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
}

var _ IAMAPI = (*iam.Client)(nil)

// RoleARNAnnotation is the IRSA annotation on a ServiceAccount naming the
// IAM role its pods assume.
const RoleARNAnnotation = "eks.amazonaws.com/role-arn"

// ControllerIPModeActions are the AWS actions the controller calls to carry
// out a migration's phases: new ALBs, listeners and rules for the shared
// groups, ip target groups with their targets, the managed and backend
// security-group rules for pod ports, the certificates it discovers, and
// the deletions of phase 6 (its IAM policy grants them all; a trimmed one
// may not).
var ControllerIPModeActions = []string{
	"acm:DescribeCertificate",
	"acm:ListCertificates",
	"ec2:AuthorizeSecurityGroupIngress",
	"ec2:CreateSecurityGroup",
	"ec2:CreateTags",
	"ec2:DeleteSecurityGroup",
	"ec2:DescribeInstances",
	"ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSecurityGroups",
	"ec2:DescribeSubnets",
	"ec2:RevokeSecurityGroupIngress",
	"elasticloadbalancing:AddTags",
	"elasticloadbalancing:CreateListener",
	"elasticloadbalancing:CreateLoadBalancer",
	"elasticloadbalancing:CreateRule",
	"elasticloadbalancing:CreateTargetGroup",
	"elasticloadbalancing:DeleteLoadBalancer",
	"elasticloadbalancing:DeleteRule",
	"elasticloadbalancing:DeleteTargetGroup",
	"elasticloadbalancing:DeregisterTargets",
	"elasticloadbalancing:ModifyListener",
	"elasticloadbalancing:ModifyRule",
	"elasticloadbalancing:ModifyTargetGroup",
	"elasticloadbalancing:ModifyTargetGroupAttributes",
	"elasticloadbalancing:RegisterTargets",
}

// PrincipalARN turns a caller's ARN (STS GetCallerIdentity) into the IAM
// principal SimulatePrincipalPolicy takes: a user's or role's ARN as it is;
// an assumed-role session's the role's ARN, with its path from GetRole (the
// session ARN drops it).
func PrincipalARN(ctx context.Context, c IAMAPI, callerARN string) (string, error) {
	parts := strings.SplitN(callerARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", fmt.Errorf("%q is not an ARN", callerARN)
	}
	res := parts[5]
	if parts[2] != "sts" || !strings.HasPrefix(res, "assumed-role/") {
		return callerARN, nil
	}
	role := strings.SplitN(strings.TrimPrefix(res, "assumed-role/"), "/", 2)[0]
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)})
	if err != nil {
		return "", fmt.Errorf("get role %s: %w", role, err)
	}
	return aws.ToString(out.Role.Arn), nil
}

// DeniedActions simulates the principal's policies for actions on every
// resource and returns those not allowed, sorted.
func DeniedActions(ctx context.Context, c IAMAPI, principalARN string, actions []string) ([]string, error) {
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(principalARN), ActionNames: actions}
	var denied []string
	for {
		out, err := c.SimulatePrincipalPolicy(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("simulate the policies of %s: %w", principalARN, err)
		}
		for _, r := range out.EvaluationResults {
			if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed {
				denied = append(denied, aws.ToString(r.EvalActionName))
			}
		}
		if !out.IsTruncated {
			break
		}
		in.Marker = out.Marker
	}
	slices.Sort(denied)
	return slices.Compact(denied), nil
}

// ControllerRoleARN is the IAM role the controller's pods assume: the IRSA
// annotation of its Deployment's ServiceAccount. "" with no error means
// the ServiceAccount has none: the controller gets its credentials another
// way (EKS Pod Identity, which PodIdentityRole finds, or the node's
// instance role, which lbctl cannot see).
func ControllerRoleARN(ctx context.Context, kc kubernetes.Interface, dep *appsv1.Deployment) (string, error) {
	sa, err := kc.CoreV1().ServiceAccounts(dep.Namespace).Get(ctx, ServiceAccountName(dep), metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	return sa.Annotations[RoleARNAnnotation], nil
}

// ServiceAccountName is the ServiceAccount a Deployment's pods run as.
func ServiceAccountName(dep *appsv1.Deployment) string {
	if name := dep.Spec.Template.Spec.ServiceAccountName; name != "" {
		return name
	}
	return "default"
}

// EKSAPI is the part of the EKS client the probe calls: the EKS Pod
// Identity associations that give a ServiceAccount its IAM role.
type EKSAPI interface {
	ListPodIdentityAssociations(context.Context, *eks.ListPodIdentityAssociationsInput, ...func(*eks.Options)) (*eks.ListPodIdentityAssociationsOutput, error)
	DescribePodIdentityAssociation(context.Context, *eks.DescribePodIdentityAssociationInput, ...func(*eks.Options)) (*eks.DescribePodIdentityAssociationOutput, error)
}

var _ EKSAPI = (*eks.Client)(nil)

// PodIdentity is the EKS Pod Identity association of a ServiceAccount.
type PodIdentity struct {
	// AssociationID names the association (a-…).
	AssociationID string
	// RoleARN is the role whose credentials the pods get: the
	// association's target role when it has one (the agent assumes it
	// through the association's role), else its role.
	RoleARN string
	// SessionPolicy says the association narrows the role with a policy
	// of its own, which a simulation of the role does not apply.
	SessionPolicy bool
}

// PodIdentityRole finds the EKS Pod Identity association of a
// ServiceAccount of a cluster (EKS ListPodIdentityAssociations filtered by
// namespace and ServiceAccount, then DescribePodIdentityAssociation for its
// role). ok is false when there is none; EKS allows one per ServiceAccount.
func PodIdentityRole(ctx context.Context, c EKSAPI, cluster, namespace, serviceAccount string) (PodIdentity, bool, error) {
	in := &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String(cluster), Namespace: aws.String(namespace), ServiceAccount: aws.String(serviceAccount)}
	p := eks.NewListPodIdentityAssociationsPaginator(c, in)
	var id string
	for p.HasMorePages() && id == "" {
		page, err := p.NextPage(ctx)
		if err != nil {
			return PodIdentity{}, false, fmt.Errorf("list the EKS Pod Identity associations of %s/%s in cluster %s: %w", namespace, serviceAccount, cluster, err)
		}
		for _, a := range page.Associations {
			if aws.ToString(a.Namespace) == namespace && aws.ToString(a.ServiceAccount) == serviceAccount {
				id = aws.ToString(a.AssociationId)
				break
			}
		}
	}
	if id == "" {
		return PodIdentity{}, false, nil
	}
	out, err := c.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String(cluster), AssociationId: aws.String(id)})
	if err != nil {
		return PodIdentity{}, false, fmt.Errorf("describe EKS Pod Identity association %s: %w", id, err)
	}
	a := out.Association
	if a == nil {
		return PodIdentity{}, false, fmt.Errorf("describe EKS Pod Identity association %s: no association in the answer", id)
	}
	pi := PodIdentity{AssociationID: id, RoleARN: aws.ToString(a.RoleArn), SessionPolicy: aws.ToString(a.Policy) != ""}
	if t := aws.ToString(a.TargetRoleArn); t != "" {
		pi.RoleARN = t
	}
	return pi, true, nil
}
