package cmd

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMigrateProgressView runs migrate apply on a terminal (tmux) and reads
// the screen: the phases tick off as they finish, the running step and its
// wait condition show, and the view ends on "finished" with every phase
// ticked, with the new target groups' health and the verification load's
// error rate.
func TestMigrateProgressView(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	bin := buildBinary(t)
	dir, steps := planFor(t, kubeconfig)
	env := []string{"TERM=xterm-256color", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + kubeconfig, "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range sb.Env() {
		env = append(env, kv[0]+"="+kv[1])
	}
	term := newTerminal(t, env, fmt.Sprintf("%s migrate apply --plan %s --yes --force-conflicts --poll 100ms --journal-namespace default --verify-rate 10; echo exit=$?; sleep 600", bin, dir))
	screen := term.waitFor("a running step with its wait", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "waiting: ") && strings.Contains(s, "✓ preflight")
	})
	if !strings.Contains(screen, "lbctl migrate ") || !strings.Contains(screen, fmt.Sprintf("/%d steps", len(steps))) {
		t.Errorf("header lacks the migration and its step count:\n%s", screen)
	}
	screen = term.waitFor("the end of the migration", 120*time.Second, func(s string) bool {
		return strings.Contains(s, "exit=")
	})
	for _, ph := range []string{"preflight", "create", "restart", "wait-healthy", "shift-traffic", "cleanup", "verify"} {
		if !strings.Contains(screen, "✓ "+ph) {
			t.Errorf("phase %s is not ticked at the end:\n%s", ph, screen)
		}
	}
	// The new target groups' health as sparklines, and the verification
	// load's error rate, stay on the last frame.
	if !strings.Contains(screen, "healthy · 0 unhealthy") || !strings.Contains(screen, "verification load errors") || !strings.Contains(screen, "0.00% of") {
		t.Errorf("no health sparklines or verification error rate:\n%s", screen)
	}
	if !strings.Contains(screen, "finished") || !strings.Contains(screen, "exit=0") || !strings.Contains(screen, fmt.Sprintf("%d/%d steps", len(steps), len(steps))) {
		t.Errorf("the view does not end finished with exit 0:\n%s", screen)
	}
}
