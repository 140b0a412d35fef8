package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/health"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox"
)

// startWorld runs a sandbox on a real kube-apiserver in this process and
// points the command's environment at it.
func startWorld(t *testing.T) (*sandbox.Sandbox, string) {
	t.Helper()
	return startWorldWith(t, sandbox.Options{})
}

// startWorldWith is startWorld with more sandbox options.
func startWorldWith(t *testing.T, o sandbox.Options) (*sandbox.Sandbox, string) {
	t.Helper()
	env.Require(t)
	dir := t.TempDir()
	o.Dir, o.PortOffset, o.TimeScale = dir, -1, 0.05
	sb, err := sandbox.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Stop() })
	if err := sb.WaitReady(context.Background(), 90*time.Second); err != nil {
		t.Fatal(err)
	}
	isolateAWS(t)
	for _, kv := range sb.Env() {
		t.Setenv(kv[0], kv[1])
	}
	return sb, filepath.Join(dir, "kubeconfig")
}

// useIPTargets moves an Ingress of the sandbox to ip targets.
func useIPTargets(t *testing.T, sb *sandbox.Sandbox, ns, name string) {
	t.Helper()
	ctx := context.Background()
	in, err := sb.Kube.NetworkingV1().Ingresses(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in.Annotations[lbc.Key(lbc.SuffixTargetType)] = "ip"
	if _, err := sb.Kube.NetworkingV1().Ingresses(ns).Update(ctx, in, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestHealthAgainstSandbox(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	ctx := context.Background()

	code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "health", "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("health -A: exit %d\n%s", code, stderr)
	}
	var snap health.Snapshot
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatal(err)
	}
	if len(snap.Rows) != 18 || !snap.Healthy() {
		t.Fatalf("want 18 healthy instance targets, got %d: %v", len(snap.Rows), snap.Count())
	}

	// Idle refreshes cost one DescribeTargetHealth per target group and
	// nothing else: the whole AWS side is not read again while Kubernetes
	// stays still.
	sb.AWS.ResetCalls()
	wctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	streams, _, _, _ := TestStreams()
	Run(wctx, streams, NewFactory(), "kubectl lbctl", []string{"--kubeconfig", kubeconfig, "health", "-A", "--watch", "-o", "ndjson", "--interval", "200ms"})
	cancel()
	calls := sb.AWS.Calls()
	tgs := 6 // the default scenario's target groups
	// (the last refresh may be cut short by the end of the watch)
	if th := calls["DescribeTargetHealth"]; th < 5*tgs {
		t.Errorf("%d DescribeTargetHealth calls in 4 s at a 200 ms interval, want ≥ 5 refreshes of %d target groups (%v)", th, tgs, calls)
	}
	// The watch's first full read, plus at most one SDK retry of a call
	// (the endpoint counts attempts); a periodic full read would make one
	// per refresh, about 20 here.
	if calls["DescribeLoadBalancers"] > 2 || calls["DescribeTargetGroups"] > 2 || calls["DescribeRules"] > tgs+1 || calls["DescribeTags"] > 2 {
		t.Errorf("idle refreshes read more than target health: %v", calls)
	}

	// Bad input: an Ingress that does not exist is a usage error naming
	// it; a namespace without ALB Ingresses has nothing to judge, and says so.
	code, _, stderr = runCmd(t, "--kubeconfig", kubeconfig, "health", "nope", "-n", "team-a")
	if code != exitcode.Usage || !strings.Contains(stderr, "nope matches no ALB Ingress in namespace team-a") {
		t.Errorf("health nope -n team-a: exit %d, want %d naming it\n%s", code, exitcode.Usage, stderr)
	}
	code, out, stderr = runCmd(t, "--kubeconfig", kubeconfig, "health", "-n", "default")
	if code != 0 || !strings.Contains(stderr, "no ALB targets found in scope") || strings.Contains(out, "10.0.") {
		t.Errorf("health -n default: exit %d, want 0 and a note that nothing is in scope\n%s\n%s", code, out, stderr)
	}

	// Move storefront to ip targets, then stream events until healthy.
	useIPTargets(t, sb, "team-a", "storefront")
	time.Sleep(300 * time.Millisecond) // let the emulator create the new target group
	code, out, stderr = runCmd(t, "--kubeconfig", kubeconfig, "health", "storefront", "-n", "team-a",
		"--until", "healthy", "--timeout", "30s", "--interval", "200ms", "-o", "ndjson")
	if code != 0 {
		t.Fatalf("--until healthy: exit %d\n%s\n%s", code, out, stderr)
	}
	var events []health.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e health.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not NDJSON: %q: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	if len(events) == 0 || !strings.HasPrefix(events[len(events)-1].Target, "10.0.") {
		t.Errorf("events = %+v, want ip targets (pod IPs)", events)
	}

	// A pod made unhealthy turns its target unhealthy within two intervals
	// (1.5 s × 0.05 time scale here), and the snapshot fails.
	pods, err := sb.Kube.CoreV1().Pods("team-a").List(ctx, metav1.ListOptions{LabelSelector: "app=storefront"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("storefront pods: %v", err)
	}
	victim := pods.Items[0]
	sb.Kubelet.PodServer("team-a", victim.Name).SetHealthy(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, out, stderr = runCmd(t, "--kubeconfig", kubeconfig, "health", "storefront", "-n", "team-a", "-o", "json")
		if code == exitcode.CheckFailed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the unhealthy pod never showed: exit %d\n%s", code, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := json.Unmarshal([]byte(out), &snap); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range snap.Rows {
		if r.Pod == victim.Name && r.State == "unhealthy" {
			found = true
		}
	}
	if !found {
		t.Errorf("no unhealthy row for pod %s: %+v", victim.Name, snap.Rows)
	}
	assertOneLine(t, stderr, "not healthy")
	_ = os.Stdout
}
