package awsendpoint

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func iamClient(e *env) *iam.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), RetryMaxAttempts: 1}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(e.server.URL) })
}

// decisions simulates actions for principal and returns each action's
// decision.
func decisions(t *testing.T, c *iam.Client, principal string, actions ...string) map[string]iamtypes.PolicyEvaluationDecisionType {
	t.Helper()
	out, err := c.SimulatePrincipalPolicy(context.Background(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(principal), ActionNames: actions})
	if err != nil {
		t.Fatalf("simulate %s: %v", principal, err)
	}
	if out.IsTruncated {
		t.Errorf("simulate %s: IsTruncated", principal)
	}
	got := make(map[string]iamtypes.PolicyEvaluationDecisionType)
	for _, r := range out.EvaluationResults {
		if aws.ToString(r.EvalResourceName) != "*" {
			t.Errorf("simulate %s: EvalResourceName = %q, want *", principal, aws.ToString(r.EvalResourceName))
		}
		got[aws.ToString(r.EvalActionName)] = r.EvalDecision
	}
	return got
}

// TestIAMSimulatePrincipalPolicy: a role's and the identity user's actions
// are allowed until denied, and allowed again after AllowActions.
func TestIAMSimulatePrincipalPolicy(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := iamClient(e)
	role := e.state.PutRole("/", "lbc")
	if want := "arn:aws:iam::123456789012:role/lbc"; role != want {
		t.Fatalf("PutRole = %q, want %q", role, want)
	}
	user := DefaultIdentity().Arn
	const (
		create = "elasticloadbalancing:CreateLoadBalancer"
		rule   = "elasticloadbalancing:CreateRule"
		tags   = "elasticloadbalancing:AddTags"
	)
	allowed, implicit := iamtypes.PolicyEvaluationDecisionTypeAllowed, iamtypes.PolicyEvaluationDecisionTypeImplicitDeny

	e.state.DenyActions(role, rule, "elasticloadbalancing:add*")
	e.state.DenyActions(user, create)
	for _, tc := range []struct {
		principal string
		want      map[string]iamtypes.PolicyEvaluationDecisionType
	}{
		{role, map[string]iamtypes.PolicyEvaluationDecisionType{create: allowed, rule: implicit, tags: implicit}},
		{user, map[string]iamtypes.PolicyEvaluationDecisionType{create: implicit, rule: allowed, tags: allowed}},
	} {
		if diff := cmp.Diff(tc.want, decisions(t, c, tc.principal, create, rule, tags)); diff != "" {
			t.Errorf("%s decisions (-want +got):\n%s", tc.principal, diff)
		}
	}

	e.state.AllowActions(role, rule)
	e.state.AllowActions(user, create)
	want := map[string]iamtypes.PolicyEvaluationDecisionType{create: allowed, rule: allowed, tags: implicit}
	if diff := cmp.Diff(want, decisions(t, c, role, create, rule, tags)); diff != "" {
		t.Errorf("role decisions after AllowActions (-want +got):\n%s", diff)
	}
	want = map[string]iamtypes.PolicyEvaluationDecisionType{create: allowed, rule: allowed, tags: allowed}
	if diff := cmp.Diff(want, decisions(t, c, user, create, rule, tags)); diff != "" {
		t.Errorf("user decisions after AllowActions (-want +got):\n%s", diff)
	}
}

// TestIAMGetRole reads a role with a path, whose ARN carries the path and
// whose trust policy is URL-encoded JSON.
func TestIAMGetRole(t *testing.T) {
	e := newEnv(t, envConfig{})
	arn := e.state.PutRole("/eks/", "lbc-controller")
	if want := "arn:aws:iam::123456789012:role/eks/lbc-controller"; arn != want {
		t.Fatalf("PutRole = %q, want %q", arn, want)
	}
	out, err := iamClient(e).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("lbc-controller")})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != arn || aws.ToString(r.Path) != "/eks/" || aws.ToString(r.RoleName) != "lbc-controller" ||
		!strings.HasPrefix(aws.ToString(r.RoleId), "AROA") || r.CreateDate == nil || r.CreateDate.IsZero() {
		t.Errorf("role = %+v", r)
	}
	doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil || !strings.Contains(doc, `"sts:AssumeRole"`) {
		t.Errorf("AssumeRolePolicyDocument = %q (%v), want URL-encoded JSON", aws.ToString(r.AssumeRolePolicyDocument), err)
	}

	if got, want := e.state.PutRole("", "other"), "arn:aws:iam::123456789012:role/other"; got != want {
		t.Errorf("PutRole with no path = %q, want %q", got, want)
	}
}

// TestIAMNoSuchEntity: an unknown role or user is the SDK's typed
// NoSuchEntityException with IAM's message.
func TestIAMNoSuchEntity(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := iamClient(e)
	e.state.PutRole("/eks/", "known")
	ctx := context.Background()
	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")})
	checkNoSuchEntity(t, err, "The role with name missing cannot be found.")
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/nobody"), ActionNames: []string{"iam:GetRole"}})
	checkNoSuchEntity(t, err, "The user with name nobody cannot be found.")
	// The role exists, but not under this path.
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/known"), ActionNames: []string{"iam:GetRole"}})
	checkNoSuchEntity(t, err, "The role with name known cannot be found.")
}

func checkNoSuchEntity(t *testing.T, err error, message string) {
	t.Helper()
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("err = %v, want NoSuchEntityException", err)
	}
	if nse.ErrorMessage() != message {
		t.Errorf("message = %q, want %q", nse.ErrorMessage(), message)
	}
}

// TestIAMAccessDenied: an AccessDenied fault is IAM's 403 naming the caller
// and the iam action.
func TestIAMAccessDenied(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := iamClient(e)
	e.handler.Faults().Set("SimulatePrincipalPolicy", Fault{AccessDenied: true})
	_, err := c.SimulatePrincipalPolicy(context.Background(), &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(DefaultIdentity().Arn), ActionNames: []string{"iam:GetRole"}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("err = %v, want AccessDenied", err)
	}
	want := "User: " + DefaultIdentity().Arn + " is not authorized to perform: iam:SimulatePrincipalPolicy"
	if ae.ErrorMessage() != want {
		t.Errorf("message = %q, want %q", ae.ErrorMessage(), want)
	}
	if n := e.handler.Calls()["SimulatePrincipalPolicy"]; n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
	// Other IAM actions still answer.
	e.state.PutRole("/", "r")
	if _, err := c.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Errorf("GetRole: %v", err)
	}
}

// TestIAMCustomIdentity: the roles are in the identity's account, and the
// identity is simulatable without being put.
func TestIAMCustomIdentity(t *testing.T) {
	id := Identity{Account: "210987654321", Arn: "arn:aws:iam::210987654321:user/ci", UserID: "AIDAEXAMPLE"}
	e := newEnv(t, envConfig{opts: Options{Identity: id}})
	if got, want := e.state.PutRole("/", "lbc"), "arn:aws:iam::210987654321:role/lbc"; got != want {
		t.Errorf("PutRole = %q, want %q", got, want)
	}
	want := map[string]iamtypes.PolicyEvaluationDecisionType{"ec2:DescribeSubnets": iamtypes.PolicyEvaluationDecisionTypeAllowed}
	if diff := cmp.Diff(want, decisions(t, iamClient(e), id.Arn, "ec2:DescribeSubnets")); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
}

// TestIAMSimulateResources: with ResourceArns, each action is evaluated on
// each resource.
func TestIAMSimulateResources(t *testing.T) {
	e := newEnv(t, envConfig{})
	role := e.state.PutRole("/", "lbc")
	e.state.DenyActions(role, "elasticloadbalancing:DeleteRule")
	out, err := iamClient(e).SimulatePrincipalPolicy(context.Background(), &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(role),
		ActionNames:     []string{"elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyRule"},
		ResourceArns:    []string{"arn:a", "arn:b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.EvaluationResults {
		got = append(got, aws.ToString(r.EvalActionName)+" "+aws.ToString(r.EvalResourceName)+" "+string(r.EvalDecision))
	}
	want := []string{
		"elasticloadbalancing:DeleteRule arn:a implicitDeny",
		"elasticloadbalancing:DeleteRule arn:b implicitDeny",
		"elasticloadbalancing:ModifyRule arn:a allowed",
		"elasticloadbalancing:ModifyRule arn:b allowed",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}
