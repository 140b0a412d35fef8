package plan

import "testing"

func TestPreflightWebhook(t *testing.T) {
	// The scan estate's grafana pods carry a readiness gate.
	p := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	if c := preflightResult(t, p, "readiness-gate webhook"); c.Status != CheckPass {
		t.Errorf("estate: %+v", c)
	}
	p = Build(topoYAML(t, oneApp()), Options{})
	if c := preflightResult(t, p, "readiness-gate webhook"); c.Status != CheckNotChecked || c.Needs == "" {
		t.Errorf("no pods: %+v", c)
	}
}
