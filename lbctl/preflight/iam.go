package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// the controller gets its credentials another way (EKS Pod Identity, the
// node's instance role), which lbctl cannot see from the cluster.
func ControllerRoleARN(ctx context.Context, kc kubernetes.Interface, dep *appsv1.Deployment) (string, error) {
	name := dep.Spec.Template.Spec.ServiceAccountName
	if name == "" {
		name = "default"
	}
	sa, err := kc.CoreV1().ServiceAccounts(dep.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	return sa.Annotations[RoleARNAnnotation], nil
}
