package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/health"
	"github.com/lbctl/lbctl/lbctl/sandbox"
)

// terminal is a tmux pane of a private tmux server: the test types into it
// and reads the screen as a person would.
type terminal struct {
	t      *testing.T
	socket string
}

// newTerminal starts a 160×45 tmux session running the shell command line.
// Without tmux the test is skipped, except in CI, where it fails.
func newTerminal(t *testing.T, env []string, cmdline string) *terminal {
	t.Helper()
	return newTerminalSized(t, 160, 45, env, cmdline)
}

// newTerminalSized is newTerminal with the pane's columns and rows.
func newTerminalSized(t *testing.T, cols, rows int, env []string, cmdline string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("tmux is not installed; the TUI flow tests need it in CI (apt-get install tmux): %v", err)
		}
		t.Skip("tmux is not installed")
	}
	term := &terminal{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
	args := []string{"new-session", "-d", "-x", strconv.Itoa(cols), "-y", strconv.Itoa(rows), "-s", "lbctl", "env", "-i"}
	args = append(args, env...)
	args = append(args, "sh", "-c", cmdline)
	term.tmux(args...)
	term.tmux("set-option", "-t", "lbctl", "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", term.socket, "kill-server").Run() })
	return term
}

func (term *terminal) tmux(args ...string) string {
	term.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", term.socket}, args...)...).CombinedOutput()
	if err != nil {
		term.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// keys types keys (tmux key names: Enter, Escape, or literal text).
func (term *terminal) keys(keys ...string) {
	term.t.Helper()
	term.tmux(append([]string{"send-keys", "-t", "lbctl"}, keys...)...)
}

// text types literal text.
func (term *terminal) text(s string) {
	term.t.Helper()
	term.tmux("send-keys", "-t", "lbctl", "-l", s)
}

// screen is what the pane shows; with escapes it keeps colours and
// attributes as SGR sequences.
func (term *terminal) screen(escapes bool) string {
	term.t.Helper()
	args := []string{"capture-pane", "-p", "-t", "lbctl"}
	if escapes {
		args = append(args, "-e")
	}
	return term.tmux(args...)
}

// format reads a tmux format variable of the pane.
func (term *terminal) format(f string) string {
	term.t.Helper()
	return strings.TrimSpace(term.tmux("display-message", "-p", "-t", "lbctl", f))
}

// waitFor polls the screen until ok holds, failing with the last screen.
func (term *terminal) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	term.t.Helper()
	return term.poll(what, timeout, false, ok)
}

// waitForColour is waitFor on the screen with its escapes.
func (term *terminal) waitForColour(what string, timeout time.Duration, ok func(screen string) bool) string {
	term.t.Helper()
	return term.poll(what, timeout, true, ok)
}

func (term *terminal) poll(what string, timeout time.Duration, escapes bool, ok func(screen string) bool) string {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := term.screen(escapes)
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			if escapes {
				s = fmt.Sprintf("%q", s)
			}
			term.t.Fatalf("waited %s for %s; the screen:\n%s", timeout, what, s)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// lineWith returns the first screen line containing s.
func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// headingLine is the table's column heading: the line starting with col.
func headingLine(screen, col string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.HasPrefix(l, col) {
			return l
		}
	}
	return ""
}

// scopeLine is the header's second line: level, scope, filter and counts.
func scopeLine(screen string) string {
	if l := strings.Split(screen, "\n"); len(l) > 1 {
		return l[1]
	}
	return ""
}

// tableRows returns the screen lines between the column header (starting
// with col) and the detail pane's rule.
func tableRows(screen, col string) []string {
	var rows []string
	in := false
	for _, l := range strings.Split(screen, "\n") {
		switch {
		case strings.HasPrefix(l, col):
			in = true
		case in && strings.HasPrefix(l, "───"):
			return rows
		case in && strings.TrimSpace(l) != "":
			rows = append(rows, l)
		}
	}
	return rows
}

var sgrRe = regexp.MustCompile("\x1b\\[([0-9;:]*)m")

// foreground returns the SGR foreground in force where s first appears on
// a screen captured with escapes, e.g. "38;5;167". tmux writes only
// changes, so the state carries over from earlier lines.
func foreground(esc, s string) string {
	i := strings.Index(esc, s)
	if i < 0 {
		return ""
	}
	l := esc[:i]
	fg := ""
	for _, m := range sgrRe.FindAllStringSubmatch(l, -1) {
		params := strings.Split(m[1], ";")
		for i := 0; i < len(params); i++ {
			switch p := params[i]; {
			case p == "" || p == "0" || p == "39":
				fg = ""
			case p == "38" && i+2 < len(params) && params[i+1] == "5":
				fg, i = strings.Join(params[i:i+3], ";"), i+2
			case p == "38" && i+4 < len(params) && params[i+1] == "2":
				fg, i = strings.Join(params[i:i+5], ";"), i+4
			case len(p) == 2 && (p[0] == '3' || p[0] == '9') && p[1] != '8':
				fg = p
			}
		}
	}
	return fg
}

// TestHealthTUIFlows runs `kubectl lbctl health` as a person does, in a
// terminal, against the sandbox, and reads the screen: the ALBs and targets
// appear healthy, a pod failing its health checks turns red, a scaled-down
// deployment leaves a draining target, the filter narrows the rows, the
// detail pane explains the selected row with the pod's events, the user's
// keymap rebinds quit, quitting restores the terminal, and with AWS
// unreachable the Kubernetes side shows under a banner.
func TestHealthTUIFlows(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	ctx := context.Background()
	bin := buildBinary(t)

	// storefront on ip targets: its rows are pods.
	useIPTargets(t, sb, "team-a", "storefront")
	if code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "health", "storefront", "-n", "team-a",
		"--until", "healthy", "--timeout", "90s", "--interval", "200ms"); code != 0 {
		t.Fatalf("storefront never became healthy on ip targets: exit %d\n%s\n%s", code, out, stderr)
	}

	// The user's keymap moves quit to Q.
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".config", "lbctl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".config", "lbctl", "keys.yaml"), []byte("quit: [Q, ctrl+c]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"TERM=xterm-256color", "HOME=" + home, "PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + kubeconfig, "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range sb.Env() {
		env = append(env, kv[0]+"="+kv[1])
	}
	// CI is left out of the environment: the TUI never starts when it is set.
	term := newTerminal(t, env, fmt.Sprintf("%s health -A --interval 300ms; echo exit=$?; stty -a; sleep 600", bin))

	// Every ALB of the sandbox, all healthy.
	screen := term.waitFor("the load balancers", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "LOAD BALANCER") && len(tableRows(s, "LOAD BALANCER")) >= 6
	})
	for _, r := range tableRows(screen, "LOAD BALANCER") {
		f := strings.Fields(r)
		if len(f) < 7 || f[4] != "0" || f[5] != "0" {
			t.Errorf("load balancer row not all healthy: %q\n%s", r, screen)
		}
	}
	if !strings.Contains(screen, "cluster sandbox") || !strings.Contains(screen, "region us-west-2") {
		t.Errorf("header lacks cluster and region:\n%s", screen)
	}

	// :pods lists every target; storefront's are its pods, healthy and green.
	term.text(":pods")
	term.keys("Enter")
	pods, err := sb.Kube.CoreV1().Pods("team-a").List(ctx, metav1.ListOptions{LabelSelector: "app=storefront"})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("storefront pods: %v %d", err, len(pods.Items))
	}
	victim, other := pods.Items[0].Name, pods.Items[1].Name
	screen = term.waitFor("storefront's pods as targets", 10*time.Second, func(s string) bool {
		return strings.Contains(lineWith(s, victim), "healthy") && strings.Contains(lineWith(s, other), "healthy")
	})
	// The last row is not under the cursor, so it shows its state's colour.
	rows := tableRows(screen, "NAMESPACE")
	last := strings.Fields(rows[len(rows)-1])[1] // its target
	var healthyFG string
	term.waitForColour("a healthy row's colour", 5*time.Second, func(esc string) bool {
		healthyFG = foreground(esc, last)
		return healthyFG != ""
	})

	// The filter narrows the rows to the storefront pods.
	all := len(rows)
	term.text("/storefront")
	term.keys("Enter")
	screen = term.waitFor("the filter", 5*time.Second, func(s string) bool { return strings.Contains(scopeLine(s), "/storefront") })
	if rows := tableRows(screen, "NAMESPACE"); len(rows) != 2 || all <= 2 {
		t.Errorf("filter /storefront: %d rows of %d, want the 2 storefront pods:\n%s", len(rows), all, screen)
	}

	// A pod failing its health checks turns unhealthy and red (read with
	// the cursor on the other row, which shows in reverse video).
	sb.Kubelet.PodServer("team-a", victim).SetHealthy(false)
	failedAt := time.Now()
	screen = term.waitFor("the unhealthy pod", 20*time.Second, func(s string) bool {
		return strings.Contains(lineWith(s, victim), "unhealthy")
	})
	t.Logf("the failing pod showed unhealthy after %s", time.Since(failedAt).Round(10*time.Millisecond))
	victimFirst := strings.Contains(tableRows(screen, "NAMESPACE")[0], victim)
	if victimFirst {
		term.keys("j")
	}
	term.waitForColour("the unhealthy colour on the unhealthy row", 5*time.Second, func(esc string) bool {
		red := foreground(esc, "unhealthy") // the header's counter comes first
		got := foreground(esc, victim)
		return got != "" && got == red && got != healthyFG && !strings.Contains(lineWith(esc, victim), "\x1b[7m")
	})

	// The detail pane explains the selected row, with the pod's events.
	now := metav1.Now()
	if _, err := sb.Kube.CoreV1().Events("team-a").Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: victim + ".probe", Namespace: "team-a"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "team-a", Name: victim},
		Type:           corev1.EventTypeWarning, Reason: "Unhealthy", Message: "Readiness probe failed: HTTP probe failed with statuscode: 503",
		Count: 3, FirstTimestamp: now, LastTimestamp: now, Source: corev1.EventSource{Component: "kubelet"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if victimFirst {
		term.keys("k")
	} else {
		term.keys("j")
	}
	term.waitFor("the detail pane of the unhealthy pod", 5*time.Second, func(s string) bool {
		parts := strings.SplitN(s, "───", 2)
		return len(parts) == 2 && strings.Contains(parts[1], "pod team-a/"+victim) && strings.Contains(parts[1], "AWS: ") &&
			strings.Contains(parts[1], "events:") && strings.Contains(parts[1], "Readiness probe failed: HTTP probe failed with statuscode: 503")
	})
	sb.Kubelet.PodServer("team-a", victim).SetHealthy(true)

	// Scaling storefront down leaves a draining target (its pod is gone, so
	// the storefront filter would hide it: Esc clears the filter first).
	term.keys("Escape")
	term.waitFor("the filter cleared", 5*time.Second, func(s string) bool { return !strings.Contains(scopeLine(s), "/storefront") })
	if _, err := sb.Kube.AppsV1().Deployments("team-a").Patch(ctx, "storefront", types.MergePatchType,
		[]byte(`{"spec":{"replicas":1}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	scaledAt := time.Now()
	term.waitFor("a draining target", 20*time.Second, func(s string) bool {
		for _, r := range tableRows(s, "NAMESPACE") {
			if f := strings.Fields(r); len(f) > 4 && f[3] == "draining" && strings.HasPrefix(f[4], "Target.") {
				return true
			}
		}
		return false
	})
	t.Logf("draining showed after %s", time.Since(scaledAt).Round(10*time.Millisecond))

	// q no longer quits (the keymap moved it); Q quits and gives the
	// terminal back: out of the alternate screen, cursor shown, the line
	// discipline cooked again.
	term.keys("q")
	time.Sleep(500 * time.Millisecond)
	if s := term.screen(false); strings.Contains(s, "exit=") || !strings.Contains(s, "Q/ctrl+c quit") {
		t.Errorf("with quit bound to Q, q quit or the help line does not say Q:\n%s", s)
	}
	term.keys("Q")
	screen = term.waitFor("the shell after Q", 10*time.Second, func(s string) bool { return strings.Contains(s, "exit=") && strings.Contains(s, "speed ") })
	if !strings.Contains(screen, "exit=0") {
		t.Errorf("health did not exit 0:\n%s", screen)
	}
	if strings.Contains(screen, "LOAD BALANCER") || strings.Contains(screen, "TARGET GROUP") {
		t.Errorf("the TUI is still on the screen after Q:\n%s", screen)
	}
	if alt := term.format("#{alternate_on}"); alt != "0" {
		t.Errorf("still in the alternate screen after Q (alternate_on=%s)", alt)
	}
	if cur := term.format("#{cursor_flag}"); cur != "1" {
		t.Errorf("cursor hidden after Q (cursor_flag=%s)", cur)
	}
	for _, mode := range []string{" icanon", " echo "} {
		if !strings.Contains(screen, mode) {
			t.Errorf("the terminal is not restored: stty -a lacks %q:\n%s", strings.TrimSpace(mode), screen)
		}
	}

	// Before the subtests below change env.
	t.Run("layout", func(t *testing.T) { healthTUILayout(t, bin, env) })

	t.Run("AWS unreachable", func(t *testing.T) {
		dead := "http://127.0.0.1:1"
		for i, kv := range env {
			if strings.HasPrefix(kv, "AWS_ENDPOINT_URL=") {
				env[i] = "AWS_ENDPOINT_URL=" + dead
			}
		}
		// The one-shot table cannot answer without AWS: exit 3.
		t.Setenv("AWS_ENDPOINT_URL", dead)
		if code, _, stderr := runCmd(t, "--kubeconfig", kubeconfig, "health", "-A"); code != exitcode.Unreachable {
			t.Errorf("health -A with AWS down: exit %d, want %d\n%s", code, exitcode.Unreachable, stderr)
		}
		// The TUI shows the Kubernetes side under a banner saying why.
		term := newTerminal(t, env, fmt.Sprintf("%s health -A --interval 300ms; echo exit=$?; sleep 600", bin))
		screen := term.waitFor("the AWS banner", 60*time.Second, func(s string) bool {
			return strings.Contains(scopeLine(s), "AWS unreachable, Kubernetes side only")
		})
		if !strings.Contains(scopeLine(screen), "127.0.0.1:1") {
			t.Errorf("the banner does not say why:\n%s", screen)
		}
		term.text(":pods")
		term.keys("Enter")
		term.waitFor("storefront's pod, state unknown", 10*time.Second, func(s string) bool {
			return strings.Contains(lineWith(s, "storefront-"), "unknown")
		})
		term.keys("Q")
		term.waitFor("exit 0 after Q", 10*time.Second, func(s string) bool { return strings.Contains(s, "exit=0") })
	})

	t.Run("Kubernetes watch failing", func(t *testing.T) {
		env := []string{"TERM=xterm-256color", "HOME=" + home, "PATH=" + os.Getenv("PATH"), "KUBECONFIG=" + kubeconfig, "AWS_EC2_METADATA_DISABLED=true"}
		for _, kv := range sb.Env() {
			env = append(env, kv[0]+"="+kv[1])
		}
		api := apiServerPID(t, sb)
		// Beside the TUI, a watch streaming NDJSON and one printing a table.
		ndjson := startWatch(t, bin, env, "-o", "ndjson")
		table := startWatch(t, bin, env)
		term := newTerminal(t, env, fmt.Sprintf("%s health -A --interval 300ms; echo exit=$?; sleep 600", bin))
		term.waitFor("the load balancers", 30*time.Second, func(s string) bool { return len(tableRows(s, "LOAD BALANCER")) >= 6 })

		// The API server stops answering, as a hung or cut-off one does:
		// its open watches go quiet and new connections get no answer.
		if err := syscall.Kill(api, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		resumed := false
		resume := func() {
			if !resumed {
				resumed = true
				_ = syscall.Kill(api, syscall.SIGCONT)
			}
		}
		t.Cleanup(resume)
		stoppedAt := time.Now()
		screen := term.waitFor("the Kubernetes banner", 3*time.Minute, func(s string) bool {
			return strings.Contains(scopeLine(s), "Kubernetes watch failing, pods as last read: ")
		})
		t.Logf("the Kubernetes banner showed %s after the API server stopped", time.Since(stoppedAt).Round(time.Second))
		if len(tableRows(screen, "LOAD BALANCER")) < 6 {
			t.Errorf("the last view is not kept under the banner:\n%s", screen)
		}
		// Each watcher notices on its own clock: let the NDJSON stream and
		// the table say so too before the API server answers again.
		waitFile(t, ndjson.out, 3*time.Minute, func(s string) bool {
			return strings.Contains(s, `"source":"kubernetes"`) && strings.Contains(s, `"to":"failing"`)
		})
		waitFile(t, table.errOut, 3*time.Minute, func(s string) bool {
			return strings.Contains(s, "warning: the Kubernetes watch is failing, pods and targets as last read: ")
		})

		resume()
		resumedAt := time.Now()
		term.waitFor("the Kubernetes banner gone", 2*time.Minute, func(s string) bool {
			return !strings.Contains(s, "Kubernetes watch failing") && len(tableRows(s, "LOAD BALANCER")) >= 6
		})
		t.Logf("the Kubernetes banner went %s after the API server resumed", time.Since(resumedAt).Round(time.Second))

		// The NDJSON stream says failing, then ok; the table watch warns
		// on stderr, then says the watch is answered again.
		waitFile(t, ndjson.out, 30*time.Second, func(s string) bool {
			var states []string
			for _, l := range strings.Split(s, "\n") {
				var e health.Event
				if json.Unmarshal([]byte(l), &e) == nil && e.Source == "kubernetes" && e.Reason != "" && e.Target == "" {
					states = append(states, e.From+">"+e.To)
				}
			}
			return strings.Join(states, ",") == "ok>failing,failing>ok"
		})
		waitFile(t, table.errOut, 30*time.Second, func(s string) bool {
			i := strings.Index(s, "warning: the Kubernetes watch is failing, pods and targets as last read: ")
			return i >= 0 && strings.Contains(s[i:], "the Kubernetes watch is answered again")
		})
		term.keys("Q")
		term.waitFor("exit 0 after Q", 10*time.Second, func(s string) bool { return strings.Contains(s, "exit=0") })
	})
}

// healthTUILayout reads the health view at 80×24 and 200×50 as a person
// does: the screen filled to the last line with the key line there, the
// header counting what the table lists, identifiers shortened in the
// middle with their unique end kept, the filter applied as it is typed,
// the sort reversed by its key, the describe and YAML panes, and the
// too-small message fitting a small terminal.
func healthTUILayout(t *testing.T, bin string, env []string) {
	full := map[string]bool{} // names as the wide terminal shows them
	for _, size := range []struct{ w, h int }{{200, 50}, {80, 24}} {
		term := newTerminalSized(t, size.w, size.h, env, fmt.Sprintf("%s health -A --interval 300ms; echo exit=$?; sleep 600", bin))
		name := fmt.Sprintf("%dx%d", size.w, size.h)
		screen := term.waitFor(name+": the load balancers", 30*time.Second, func(s string) bool { return len(tableRows(s, "LOAD BALANCER")) >= 6 })
		checkFrame := func(what, screen string) {
			t.Helper()
			lines := strings.Split(strings.TrimSuffix(screen, "\n"), "\n")
			if len(lines) != size.h {
				t.Errorf("%s %s: %d lines, want %d:\n%s", name, what, len(lines), size.h, screen)
				return
			}
			if last := lines[size.h-1]; !strings.Contains(last, "? help") || !strings.Contains(last, "Q/ctrl+c quit") {
				t.Errorf("%s %s: the last line is not the key line: %q\n%s", name, what, last, screen)
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "─") && utf8.RuneCountInString(l) != size.w {
					t.Errorf("%s %s: a border %d wide:\n%s", name, what, utf8.RuneCountInString(l), screen)
				}
			}
		}
		checkFrame("load balancers", screen)
		albs := tableRows(screen, "LOAD BALANCER")
		if want := fmt.Sprintf("load balancers: %d ", len(albs)); !strings.HasPrefix(scopeLine(screen), want) {
			t.Errorf("%s: the header does not count the %d load balancers: %q", name, len(albs), scopeLine(screen))
		}
		// Numeric columns are as wide as their heading.
		if !strings.Contains(headingLine(screen, "LOAD BALANCER"), "INGS  TGS  HEALTHY") {
			t.Errorf("%s: numeric columns wider than their values: %q", name, headingLine(screen, "LOAD BALANCER"))
		}

		// d describes the ALB: its listeners, rules and target groups; y
		// shows AWS's description of it; Esc goes back.
		term.keys("d")
		screen = term.waitFor(name+": the ALB described", 5*time.Second, func(s string) bool {
			return strings.Contains(s, "describe load balancer") && strings.Contains(s, "Listeners:") && strings.Contains(s, "HTTP:80") && strings.Contains(s, "forward to k8s-")
		})
		checkFrame("describe", screen)
		term.keys("y")
		screen = term.waitFor(name+": the ALB's YAML", 5*time.Second, func(s string) bool {
			return strings.Contains(s, "yaml load balancer") && strings.Contains(s, "dnsName: ") && strings.Contains(s, "listeners:")
		})
		checkFrame("yaml", screen)
		term.keys("Escape")
		term.waitFor(name+": back to the table", 5*time.Second, func(s string) bool { return len(tableRows(s, "LOAD BALANCER")) >= 6 })

		// Every target, with its namespace and target group.
		term.text(":pods")
		term.keys("Enter")
		screen = term.waitFor(name+": every target", 10*time.Second, func(s string) bool {
			h := headingLine(s, "NAMESPACE")
			return strings.Contains(h, "TARGET GROUP") && len(tableRows(s, "NAMESPACE")) > 0
		})
		checkFrame(":pods", screen)
		rows := tableRows(screen, "NAMESPACE")
		if want := fmt.Sprintf("targets: %d ", len(rows)); len(rows) < size.h-10 && !strings.HasPrefix(scopeLine(screen), want) {
			t.Errorf("%s: the header does not count the %d targets: %q", name, len(rows), scopeLine(screen))
		}
		target := regexp.MustCompile(`^(i-[0-9a-f]+|i-[0-9a-f]+…[0-9a-f]+|[0-9.]+):[0-9]+$`)
		for _, r := range rows {
			f := strings.Fields(r)
			if len(f) < 4 || !target.MatchString(f[1]) {
				t.Errorf("%s: a target cut other than in its middle, or its port lost: %q", name, r)
				continue
			}
			if size.w == 200 {
				full[f[2]] = true
				continue
			}
			// At 80 columns, a shortened target group keeps the end of its
			// full name (the hash).
			if head, tail, cut := strings.Cut(f[2], "…"); cut {
				found := false
				for n := range full {
					found = found || strings.HasPrefix(n, head) && strings.HasSuffix(n, tail)
				}
				if !found || len(tail) < 5 {
					t.Errorf("%s: target group %q is not a full name shortened in the middle (full names: %v)", name, f[2], full)
				}
			}
		}

		// The filter applies as it is typed; Esc clears it.
		term.text("/team-a")
		screen = term.waitFor(name+": the filter as typed", 5*time.Second, func(s string) bool {
			return strings.Contains(scopeLine(s), " of ") && strings.Contains(scopeLine(s), "/team-a")
		})
		for _, r := range tableRows(screen, "NAMESPACE") {
			if !strings.HasPrefix(r, "team-a ") {
				t.Errorf("%s: /team-a (not yet entered) leaves %q", name, r)
			}
		}
		term.keys("Escape")
		term.waitFor(name+": the filter cleared", 5*time.Second, func(s string) bool { return !strings.Contains(scopeLine(s), "/team-a") })

		// 2 sorts by TARGET; 2 again reverses it.
		term.keys("2")
		screen = term.waitFor(name+": sorted by target", 5*time.Second, func(s string) bool { return strings.Contains(headingLine(s, "NAMESPACE"), "TARGET↑") })
		up := tableRows(screen, "NAMESPACE")
		term.keys("2")
		screen = term.waitFor(name+": the sort reversed", 5*time.Second, func(s string) bool { return strings.Contains(headingLine(s, "NAMESPACE"), "TARGET↓") })
		down := tableRows(screen, "NAMESPACE")
		if len(up) > 1 && len(up) < size.h-10 && strings.Fields(up[0])[1] != strings.Fields(down[len(down)-1])[1] {
			t.Errorf("%s: reversing the sort does not put the first row last:\n%s\n---\n%s", name, strings.Join(up, "\n"), strings.Join(down, "\n"))
		}
		if size.w == 200 && !strings.Contains(scopeLine(screen), "sort TARGET↓") {
			t.Errorf("%s: the header does not say the sort: %q", name, scopeLine(screen))
		}

		// d describes the selected target; y shows the pod or node behind it.
		term.keys("d")
		screen = term.waitFor(name+": the target described", 5*time.Second, func(s string) bool {
			return strings.Contains(s, "describe target") && strings.Contains(s, "State:") && strings.Contains(s, "Node:")
		})
		checkFrame("describe target", screen)
		term.keys("y")
		screen = term.waitFor(name+": the target's object", 5*time.Second, func(s string) bool {
			return strings.Contains(s, "yaml target") && (strings.Contains(s, "kind: Pod") || strings.Contains(s, "kind: Node"))
		})
		checkFrame("yaml target", screen)
		term.keys("Escape")
		term.waitFor(name+": back to the targets", 5*time.Second, func(s string) bool { return len(tableRows(s, "NAMESPACE")) > 0 })
	}

	// Too small: a message that fits, and the view back once it is large
	// enough.
	term := newTerminalSized(t, 50, 10, env, fmt.Sprintf("%s health -A --interval 300ms; echo exit=$?; sleep 600", bin))
	screen := term.waitFor("the too-small message", 30*time.Second, func(s string) bool { return strings.Contains(s, "needs at least 70×16") })
	if !strings.Contains(screen, "Q/ctrl+c quits.") { // the keymap's quit keys
		t.Errorf("the too-small message is cut:\n%s", screen)
	}
	term.tmux("resize-window", "-t", "lbctl", "-x", "80", "-y", "24")
	term.waitFor("the view after enlarging", 10*time.Second, func(s string) bool { return len(tableRows(s, "LOAD BALANCER")) >= 6 })
}

// apiServerPID finds the process of the sandbox's kube-apiserver by its
// port.
func apiServerPID(t *testing.T, sb *sandbox.Sandbox) int {
	t.Helper()
	u, err := url.Parse(sb.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if !strings.HasSuffix(args[0], "kube-apiserver") {
			continue
		}
		for _, a := range args {
			if a == "--secure-port="+u.Port() {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
				return pid
			}
		}
	}
	t.Fatalf("no kube-apiserver process serves port %s", u.Port())
	return 0
}

// watchProc is `health -A --watch` running in the background, its output
// in files.
type watchProc struct{ out, errOut string }

func startWatch(t *testing.T, bin string, env []string, args ...string) watchProc {
	t.Helper()
	dir := t.TempDir()
	w := watchProc{out: filepath.Join(dir, "out"), errOut: filepath.Join(dir, "err")}
	stdout, err := os.Create(w.out)
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(w.errOut)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"health", "-A", "--watch", "--interval", "300ms", "--timeout", "10m"}, args...)...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		stdout.Close()
		stderr.Close()
	})
	return w
}

// waitFile polls a file until ok holds, failing with its content.
func waitFile(t *testing.T, path string, timeout time.Duration, ok func(string) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, _ := os.ReadFile(path)
		if ok(string(b)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; it holds:\n%s", timeout, path, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
