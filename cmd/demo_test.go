package cmd

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbctl/lbctl/demo"
)

// demoSection is the text of one numbered step of the plain story.
func demoSection(t *testing.T, out string, n int, title string) string {
	t.Helper()
	head := fmt.Sprintf("%d. %s\n", n, title)
	i := strings.Index(out, head)
	if i < 0 {
		t.Fatalf("the story has no step %q", head)
	}
	rest := out[i+len(head):]
	if j := strings.Index(rest, fmt.Sprintf("\n%d. ", n+1)); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// loadLine reads a steady load's summary line: requests and failures.
var loadLine = regexp.MustCompile(`(\d+) requests in [0-9.]+m?s \(\d+/s\), (\d+) failed`)

func loadCounts(t *testing.T, what, section string) (requests, failed int) {
	t.Helper()
	m := loadLine.FindAllStringSubmatch(section, -1)
	if len(m) == 0 {
		t.Fatalf("%s: no load summary in:\n%s", what, section)
	}
	last := m[len(m)-1]
	requests, _ = strconv.Atoi(last[1])
	failed, _ = strconv.Atoi(last[2])
	return requests, failed
}

// TestDemoWithoutTTY runs the demo as CI or a pipe would: no terminal, so
// it prints the whole story, with real traffic, and exits 0. Each step is
// read for what the real parts did: the load-test engine's report through
// today's path, the migration executor's phases up to the shift with no
// request failed meanwhile, the A/B comparison with its intervals, and the
// resumed migration done with the old ALBs gone.
func TestDemoWithoutTTY(t *testing.T) {
	t0 := time.Now()
	code, out, stderr := runCmd(t, "demo", "--requests", "30")
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stderr, out)
	}
	t.Logf("the demo took %s:\n%s", time.Since(t0).Round(time.Second), stderr)
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes in plain output")
	}
	if s := demoSection(t, out, 2, demo.TitleScan); !strings.Contains(s, "kubectl lbctl scan -A") || !strings.Contains(s, "instance-mode") {
		t.Errorf("scan step:\n%s", s)
	}
	if s := demoSection(t, out, 3, demo.TitlePlan); !strings.Contains(s, "--steps 50,100 --soak 1s") || !strings.Contains(s, "PHASE 5 SHIFT-TRAFFIC") {
		t.Errorf("plan step:\n%s", s)
	}
	// Its preflight checks judge the live world, as `plan` against a
	// cluster does: no check is left not-checked.
	if s := demoSection(t, out, 3, demo.TitlePlan); strings.Contains(s, "[not-checked]") ||
		!strings.Contains(s, "[pass] security groups: 12 pod(s) on 3 network interface(s)") || !strings.Contains(s, "IAM allows ") || !strings.Contains(s, "Route53 zone(s) example.com") {
		t.Errorf("plan step's preflight is not live:\n%s", s)
	}

	// The engine's report: exactly the requests asked for, per pod.
	old := demoSection(t, out, 4, demo.TitleOldPath)
	for _, want := range []string{"load test: 30 requests in", "latency (from scheduled send)", "status codes: 200×30", "per pod (X-Lbctl-Pod header)"} {
		if !strings.Contains(old, want) {
			t.Errorf("old-path step lacks %q:\n%s", want, old)
		}
	}

	// The executor ran every phase up to the shift and stopped there for
	// review; the load across the apps meanwhile failed nothing.
	mig := demoSection(t, out, 5, demo.TitleMigrate)
	for _, ph := range []string{"preflight", "create", "restart", "wait-healthy", "shift-traffic"} {
		if !regexp.MustCompile(`✓\s+` + ph + `\s+(\d+)/(\d+)`).MatchString(mig) {
			t.Errorf("phase %s is not done in the migrate step:\n%s", ph, mig)
		}
	}
	if !regexp.MustCompile(`·\s+cleanup\s+0/4`).MatchString(mig) || !strings.Contains(mig, "stopped after phase shift-traffic for review") {
		t.Errorf("the migrate step did not stop after the shift:\n%s", mig)
	}
	if !strings.Contains(mig, "kubectl patch deployment") {
		t.Errorf("the preStop advice was not followed before migrating:\n%s", mig)
	}
	req, failed := loadCounts(t, "migrate", mig)
	t.Logf("during the migration to the shift: %d requests, %d failed", req, failed)
	if req < 500 || failed != 0 {
		t.Errorf("load during the migration: %d requests, %d failed; want ≥ 500 and none failed:\n%s", req, failed, mig)
	}

	if s := demoSection(t, out, 6, demo.TitleHealth); !strings.Contains(s, "k8s-teama-storefro") || !strings.Contains(s, "10.0.") || !strings.Contains(s, "healthy") {
		t.Errorf("health step:\n%s", s)
	}

	// The A/B test: both sides the requests asked for, per percentile
	// with a confidence interval.
	ab := demoSection(t, out, 7, demo.TitleAB)
	for _, want := range []string{"old path, instance targets via", ": 30 requests, 0% errors", "new path, ip targets via", "95% CI", "bootstrap resamples of 3 A/B slot pairs"} {
		if !strings.Contains(ab, want) {
			t.Errorf("A/B step lacks %q:\n%s", want, ab)
		}
	}
	if n := strings.Count(ab, ": 30 requests, 0% errors"); n != 2 {
		t.Errorf("want both sides with 30 requests and no error, got %d:\n%s", n, ab)
	}
	if !regexp.MustCompile(`p50\s+\S+\s+\S+\s+[−+]\S+\s+\[[−+]\S+, [−+]\S+\]`).MatchString(ab) {
		t.Errorf("no p50 difference with its interval:\n%s", ab)
	}

	// Resumed: stopped once at the Services' field owner, then done with
	// --force-conflicts; the old ALBs are gone and nothing failed.
	cl := demoSection(t, out, 8, demo.TitleCleanup)
	for _, want := range []string{"fields owned by another manager", "--force-conflicts", "state done", "9 ALBs before,\n3 now"} {
		if !strings.Contains(cl, want) {
			t.Errorf("cleanup step lacks %q:\n%s", want, cl)
		}
	}
	for _, ph := range []string{"cleanup", "verify"} {
		if !regexp.MustCompile(`✓\s+` + ph + `\s+(\d+)/(\d+)`).MatchString(cl) {
			t.Errorf("phase %s is not done after resume:\n%s", ph, cl)
		}
	}
	if req, failed := loadCounts(t, "cleanup", cl); req == 0 || failed != 0 {
		t.Errorf("load during the cleanup: %d requests, %d failed", req, failed)
	}
}

// TestDemoBadRequests: a bad --requests is refused before anything starts.
func TestDemoBadRequests(t *testing.T) {
	code, _, stderr := runCmd(t, "demo", "--requests", "0")
	if code != 2 || !strings.Contains(stderr, "--requests 0") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
		t.Errorf("demo --requests 0: exit %d, stderr %q; want exit 2 and one line", code, stderr)
	}
}

// TestDemoTourHealthView walks the guided tour on a terminal (tmux) to the
// health step and reads the screen: the live health view of storefront's
// old and new targets, refreshed, inside the tour.
func TestDemoTourHealthView(t *testing.T) {
	bin := buildBinary(t)
	env := []string{"TERM=xterm-256color", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	term := newTerminal(t, env, bin+" demo --requests 30; echo exit=$?; sleep 600")
	steps := 8
	for i := 1; i < 6; i++ {
		want := fmt.Sprintf("step %d of %d", i, steps)
		term.waitFor(fmt.Sprintf("step %d done", i), 5*time.Minute, func(s string) bool {
			return strings.Contains(s, want) && !strings.Contains(s, "running:")
		})
		term.keys("Right")
	}
	screen := term.waitFor("the live health view", 5*time.Minute, func(s string) bool {
		return strings.Contains(s, "step 6 of 8") && strings.Contains(s, "k8s-teama-storefro") && strings.Contains(s, "healthy")
	})
	for _, want := range []string{demo.TitleHealth, "sandbox", "us-west-2", "→ next step"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the health step's screen lacks %q:\n%s", want, screen)
		}
	}
	// Enter drills down in the health view (ALB → target groups →
	// targets); the tour stays on its step.
	term.keys("Enter")
	term.waitFor("the ALB's target groups", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "step 6 of 8") && strings.Contains(s, "target groups of k8s-teama-")
	})
	term.keys("Enter")
	term.waitFor("the target group's targets", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "step 6 of 8") && (strings.Contains(s, "10.0.") || strings.Contains(s, "i-0"))
	})
	term.keys("C-c")
	term.waitFor("the demo to exit", 30*time.Second, func(s string) bool { return strings.Contains(s, "exit=0") })
}
