package plan

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/awsapi"
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
