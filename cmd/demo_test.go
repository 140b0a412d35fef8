package cmd

import (
	"strings"
	"testing"
)

// TestDemoWithoutTTY runs the demo as CI or a pipe would: no terminal, so
// it prints the whole story, with real traffic, and exits 0.
func TestDemoWithoutTTY(t *testing.T) {
	code, out, stderr := runCmd(t, "demo", "--requests", "30")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"1. The estate", "kubectl lbctl scan -A", "instance-mode", "ALB → NodePort → kube-proxy → pod",
		"ip targets on a shared ALB", "10.0.", "What changed", "saved",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the story does not mention %q", want)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes in plain output")
	}
}
