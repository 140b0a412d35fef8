package plan

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

func TestPreflightALBQuota(t *testing.T) {
	y := docs(albClass, yService("a", "s1", 30001), yService("a", "s2", 30002),
		yIngress("a", "one", "one.example.com", "s1", nil), yIngress("a", "two", "two.example.com", "s2", nil))
	p := Build(topoYAML(t, y), Options{})
	if c := preflightResult(t, p, "ALBs and target groups per region"); c.Status != CheckNotChecked {
		t.Errorf("default quota: %+v", c)
	}
	l := lbc.DefaultLimits()
	l.ALBsPerRegion = 2
	p = Build(topoYAML(t, y), Options{Limits: l})
	if c := preflightResult(t, p, "ALBs and target groups per region"); c.Status != CheckFail || !strings.Contains(c.Message, "batches") {
		t.Errorf("2 ALBs + 1 new over 2: %+v", c)
	}
	l.ALBsPerRegion = 1
	p = Build(topoYAML(t, y), Options{Limits: l})
	if c := preflightResult(t, p, "ALBs and target groups per region"); c.Status != CheckWarn {
		t.Errorf("already over the known quota: %+v", c)
	}
}
