package plan

import (
	"testing"
)

func TestEstimates(t *testing.T) {
	y := docs(albClass, yService("a", "s1", 30001), yService("a", "s2", 30002), yService("a", "s3", 30003),
		yIngress("a", "one", "one.example.com", "s1", nil), yIngress("a", "two", "two.example.com", "s2", nil), yIngress("a", "three", "three.example.com", "s3", nil))
	p := Build(topoYAML(t, y), Options{PricePerHour: 0.03})
	e := p.Estimates
	if e.ALBsBefore != 3 || e.ALBsAfter != 1 || e.ALBsDuring != 4 {
		t.Errorf("ALBs = %+v", e)
	}
	if e.MonthlyBefore != 65.7 || e.MonthlyAfter != 21.9 || e.MonthlySavings != 43.8 {
		t.Errorf("cost = %+v", e)
	}
	if e.HopsRemoved != 1 || e.BackendsToIP != 3 || e.IngressesMoved != 3 || len(e.Notes) < 2 {
		t.Errorf("hops = %+v", e)
	}
}
