package plan

import (
	"strings"
	"testing"
)

func TestPreflightSecurityGroups(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	if c := preflightResult(t, p, "security groups"); c.Status != CheckNotChecked || c.Needs == "" {
		t.Errorf("managed rules: %+v", c)
	}
	sg := docs(albClass, yService("a", "web", 30001),
		yIngress("a", "web", "web.example.com", "web", map[string]string{"alb.ingress.kubernetes.io/security-groups": "sg-1"}))
	p = Build(topoYAML(t, sg), Options{})
	c := preflightResult(t, p, "security groups")
	if c.Status != CheckWarn || !strings.Contains(c.Message, "port(s) 8080") || !strings.Contains(c.Message, "NodePort(s) 30001") {
		t.Errorf("explicit security groups: %+v", c)
	}
}
