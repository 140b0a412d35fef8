package plan

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/buildinfo"
)

func TestPreflightPermissions(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	c := preflightResult(t, p, "RBAC and IAM permissions")
	if c.Status != CheckNotChecked || !strings.Contains(c.Needs, "kubectl auth can-i create ingresses.networking.k8s.io -n a") {
		t.Errorf("check = %+v", c)
	}
	top := topoYAML(t, oneApp())
	top.AWS = &awsapi.State{Problems: []awsapi.Problem{{Action: "DescribeTargetHealth", Code: "AccessDenied", Message: "denied"}}}
	p = Build(top, Options{DNS: DNSRoute53})
	c = preflightResult(t, p, "RBAC and IAM permissions")
	if c.Status != CheckWarn || !strings.Contains(c.Message, "DescribeTargetHealth") || !strings.Contains(c.Message, "route53:ChangeResourceRecordSets") {
		t.Errorf("with AWS problems: %+v", c)
	}
}

// TestPreflightPermissionsIAM judges the live IAM simulations beside RBAC.
func TestPreflightPermissionsIAM(t *testing.T) {
	rbacOK := func(iam ...IAMProbe) *Live {
		return &Live{RBACChecked: true, RBACScope: "in all namespaces", IAM: iam}
	}
	me := IAMProbe{Who: "lbctl", ARN: "arn:aws:iam::1:user/me", Actions: 12}
	ctl := IAMProbe{Who: "the controller", ARN: "arn:aws:iam::1:role/lbc", Actions: 25}
	for _, tc := range []struct {
		name   string
		live   *Live
		status string
		says   []string
	}{
		{"all allowed", rbacOK(me, ctl), CheckPass, []string{"IAM allows arn:aws:iam::1:user/me (lbctl) all 12 and arn:aws:iam::1:role/lbc (the controller) all 25 actions"}},
		{"controller denied", rbacOK(me, IAMProbe{Who: "the controller", ARN: ctl.ARN, Actions: 25, Denied: []string{"ec2:DescribeNetworkInterfaces"}}), CheckFail,
			[]string{"IAM denies arn:aws:iam::1:role/lbc (the controller) 1 of the 25 actions the phases need: ec2:DescribeNetworkInterfaces; attach the controller's full IAM policy"}},
		{"lbctl denied and RBAC too", &Live{RBACChecked: true, RBACScope: "in all namespaces", RBACMissing: []string{"create ingresses.networking.k8s.io"},
			IAM: []IAMProbe{{Who: "lbctl", ARN: me.ARN, Actions: 12, Denied: []string{"elasticloadbalancing:DescribeTags"}}}}, CheckFail,
			[]string{"create ingresses.networking.k8s.io", "kubectl lbctl iam-policy --for migrate"}},
		{"controller by Pod Identity, denied", rbacOK(me, IAMProbe{Who: "the controller", Via: "EKS Pod Identity association a-1", ARN: ctl.ARN, Actions: 25, Denied: []string{"ec2:CreateTags"}}), CheckFail,
			[]string{"IAM denies arn:aws:iam::1:role/lbc (the controller, by EKS Pod Identity association a-1) 1 of the 25 actions the phases need: ec2:CreateTags; attach the controller's full IAM policy"}},
		{"not simulated", rbacOK(IAMProbe{Who: "the controller", Err: "no IRSA role"}), CheckPass, []string{"IAM: the controller's not simulated (no IRSA role)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := preflightResult(t, Build(topoYAML(t, oneApp()), Options{Live: tc.live}), "RBAC and IAM permissions")
			if c.Status != tc.status {
				t.Errorf("status %s, want %s: %s", c.Status, tc.status, c.Message)
			}
			for _, s := range tc.says {
				if !strings.Contains(c.Message, s) {
					t.Errorf("message lacks %q: %s", s, c.Message)
				}
			}
		})
	}
}

// TestPreflightPermissionsCommandName names lbctl's command as SetCommand
// says: a plain lbctl binary's remedies say "lbctl rbac", not "kubectl lbctl rbac".
func TestPreflightPermissionsCommandName(t *testing.T) {
	prev := buildinfo.Command()
	t.Cleanup(func() { buildinfo.SetCommand(prev) })
	buildinfo.SetCommand("lbctl")
	live := &Live{RBACChecked: true, RBACScope: "in all namespaces", RBACMissing: []string{"create ingresses.networking.k8s.io"},
		IAM: []IAMProbe{{Who: "lbctl", ARN: "arn:aws:iam::1:user/me", Actions: 12, Denied: []string{"elasticloadbalancing:DescribeTags"}}}}
	c := preflightResult(t, Build(topoYAML(t, oneApp()), Options{Live: live}), "RBAC and IAM permissions")
	for _, s := range []string{"grant them (lbctl rbac --for migrate | kubectl apply -f -)", "grant them (lbctl iam-policy --for migrate)"} {
		if !strings.Contains(c.Message, s) {
			t.Errorf("message lacks %q: %s", s, c.Message)
		}
	}
	if strings.Contains(c.Message, "kubectl lbctl") {
		t.Errorf("message still names kubectl lbctl: %s", c.Message)
	}
}
