package plan

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

func TestVersionAtLeast(t *testing.T) {
	for _, tc := range []struct {
		v         string
		ok, known bool
	}{
		{"v2.7.1", true, true}, {"v2.2.0", true, true}, {"v2.1.3", false, true}, {"v1.1.9", false, true},
		{"2.10.0-eks-1", true, true}, {"latest", false, false},
	} {
		ok, known := lbc.VersionAtLeast(tc.v, MinControllerVersion)
		if ok != tc.ok || known != tc.known {
			t.Errorf("lbc.VersionAtLeast(%s) = %v %v, want %v %v", tc.v, ok, known, tc.ok, tc.known)
		}
	}
}

func TestPreflightController(t *testing.T) {
	ctrl := func(tag string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: aws-load-balancer-controller, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: c}}\n  template:\n    metadata: {labels: {app: c}}\n    spec: {containers: [{name: c, image: \"public.ecr.aws/eks/aws-load-balancer-controller:" + tag + "\"}]}\n"
	}
	for _, tc := range []struct {
		name, extra, status, says string
	}{
		{"new enough", ctrl("v2.8.2"), CheckPass, "v2.8.2"},
		{"too old", ctrl("v2.1.0"), CheckFail, "older than"},
		{"unknown tag", ctrl("main"), CheckWarn, "cannot be read"},
		{"only a class", "", CheckNotChecked, "IngressClass"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p *Plan
			if tc.extra == "" {
				p = Build(topoYAML(t, oneApp()), Options{})
			} else {
				p = Build(topoYAML(t, oneApp(tc.extra)), Options{})
			}
			c := preflightResult(t, p, "controller")
			if c.Status != tc.status || !strings.Contains(c.Message, tc.says) {
				t.Errorf("check = %+v", c)
			}
			if (tc.status == CheckFail) != p.HasErrors() {
				t.Errorf("a failed preflight is an error finding: %v", codes(p))
			}
		})
	}
	p := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	if c := preflightResult(t, p, "controller"); c.Status != CheckNotChecked || !strings.Contains(c.Message, "TargetGroupBindings exist") {
		t.Errorf("with TargetGroupBindings: %+v", c)
	}
}
