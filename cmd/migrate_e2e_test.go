package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/migrate/scan"
)

// appHosts are the default scenario's application host names.
var appHosts = []string{
	"storefront.team-a.example.com", "cart.team-a.example.com", "checkout.team-a.example.com",
	"search.team-b.example.com", "recommendations.team-b.example.com", "api.team-b.example.com",
}

// trafficResult is what a steady load saw, per status.
type trafficResult struct {
	requests int
	errors   map[string]int
	byALB    map[string]int
}

func (r trafficResult) failed() int {
	n := 0
	for _, c := range r.errors {
		n += c
	}
	return n
}

// steadyLoad sends rate req/s across the apps' host names, resolved as
// clients do (DNS per new connection, weighted records), until stop is
// closed. Connections are not reused, so every request follows the DNS
// answers of its moment.
func steadyLoad(t *testing.T, sb *sandbox.Sandbox, rate int, stop <-chan struct{}) <-chan trafficResult {
	t.Helper()
	tr := &http.Transport{DialContext: sb.Dialer(), DisableKeepAlives: true}
	var targets []vegeta.Target
	for _, h := range appHosts {
		targets = append(targets, vegeta.Target{Method: "GET", URL: "http://" + h + "/"})
	}
	atk := vegeta.NewAttacker(vegeta.Client(&http.Client{Transport: tr, Timeout: 5 * time.Second}), vegeta.Workers(16), vegeta.Redirects(vegeta.NoFollow))
	done := make(chan trafficResult, 1)
	go func() {
		res := trafficResult{errors: map[string]int{}, byALB: map[string]int{}}
		results := atk.Attack(vegeta.NewStaticTargeter(targets...), vegeta.ConstantPacer{Freq: rate, Per: time.Second}, 0, "steady")
		var once sync.Once
		go func() { <-stop; once.Do(func() { atk.Stop() }) }()
		for r := range results {
			res.requests++
			switch {
			case r.Error != "":
				res.errors[r.Error]++
			case r.Code >= 500 || r.Code == 0:
				res.errors[fmt.Sprintf("HTTP %d from %s", r.Code, strings.TrimPrefix(r.URL, "http://"))]++
			}
		}
		done <- res
	}()
	return done
}

func describeErrors(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i == 8 {
			fmt.Fprintf(&b, "  … %d more kinds\n", len(keys)-8)
			break
		}
		fmt.Fprintf(&b, "  %5d × %s\n", m[k], k)
	}
	return b.String()
}

// TestMigrateUnderLoadFailsNoRequest is the proof: the default scenario's
// six apps move to ip targets on shared ALBs while 200 req/s flow, and not
// one request fails; the Services end ClusterIP and no old ALB is left.
func TestMigrateUnderLoadFailsNoRequest(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	ctx := context.Background()
	followPreStopAdvice(t, sb, kubeconfig)
	dir := filepath.Join(t.TempDir(), "migration")
	code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "plan", "-A", "--steps", "50,100", "--soak", "1s", "--out-dir", dir, "-o", "json")
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	if strings.Contains(out, `"code": "`+scan.CodePreStop+`"`) {
		t.Fatalf("the plan still warns that rollouts drop requests after its advice was followed")
	}
	stop := make(chan struct{})
	load := steadyLoad(t, sb, 200, stop)
	time.Sleep(time.Second)
	// Each traffic step is verified with its own load on the new path, as
	// a person would run it from a shell that sourced the sandbox's env.
	var env []string
	for _, kv := range sb.Env() {
		env = append(env, kv[0]+"="+kv[1])
	}
	streams, _, outBuf, errBuf := TestStreams(env...)
	code = Run(context.Background(), streams, NewFactory(), "kubectl lbctl", []string{"--kubeconfig", kubeconfig, "migrate", "apply", "--plan", dir, "--yes", "--force-conflicts",
		"--poll", "100ms", "--wait-timeout", "60s", "--journal-namespace", "default", "--verify-rate", "20"})
	out, stderr = outBuf.String(), errBuf.String()
	time.Sleep(time.Second)
	close(stop)
	res := <-load
	t.Logf("migrate apply:\n%s", out)
	if code != 0 {
		t.Fatalf("migrate apply: exit %d\n%s", code, stderr)
	}
	t.Logf("%d requests during the migration, %d failed", res.requests, res.failed())
	if res.requests < 200*5 {
		t.Errorf("only %d requests were sent", res.requests)
	}
	if n := strings.Count(out, "verification load: "); n != 6 || strings.Contains(out, "verification load: no rule") || !strings.Contains(out, " 0 errors") {
		t.Errorf("want a verification load with 0 errors in each of the 6 traffic steps, got %d:\n%s", n, out)
	}
	if res.failed() != 0 {
		t.Errorf("%d of %d requests failed during the migration:\n%s", res.failed(), res.requests, describeErrors(res.errors))
	}

	svcs, err := sb.Kube.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range svcs.Items {
		if s.Namespace != "default" && s.Namespace != "kube-system" && s.Spec.Type != corev1.ServiceTypeClusterIP {
			t.Errorf("service %s/%s is %s after the migration", s.Namespace, s.Name, s.Spec.Type)
		}
	}
	ings, err := sb.Kube.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range ings.Items {
		names = append(names, in.Namespace+"/"+in.Name+" "+in.Annotations[lbc.Key(lbc.SuffixTargetType)])
	}
	sort.Strings(names)
	want := []string{"team-a/cart-ip ip", "team-a/checkout-ip ip", "team-a/storefront-ip ip", "team-b/api-ip ip", "team-b/recommendations-ip ip", "team-b/search-ip ip"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("ingresses after the migration = %v, want %v", names, want)
	}
	if lbs := sb.Emulator.LoadBalancers(); len(lbs) != 3 {
		t.Errorf("%d ALBs after the migration, want 3 shared ones", len(lbs))
	}
	code, out, _ = runCmd(t, "--kubeconfig", kubeconfig, "migrate", "status", "--plan", dir, "--journal-namespace", "default")
	if code != 0 || !strings.Contains(out, ": done,") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
}

// TestNaiveChangeFailsRequests is the other half of the proof, on a world
// of its own: the same six apps flipped to ip targets in place and their
// NodePorts dropped at once, under the same load, fail requests — what the
// phased migration above avoids.
func TestNaiveChangeFailsRequests(t *testing.T) {
	sb, _ := startWorld(t)
	ctx := context.Background()
	stop := make(chan struct{})
	load := steadyLoad(t, sb, 200, stop)
	time.Sleep(time.Second)
	for _, ns := range []string{"team-a", "team-b"} {
		ings, err := sb.Kube.NetworkingV1().Ingresses(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ings.Items {
			in.Annotations[lbc.Key(lbc.SuffixTargetType)] = "ip"
			if _, err := sb.Kube.NetworkingV1().Ingresses(ns).Update(ctx, &in, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		svcs, err := sb.Kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range svcs.Items {
			s.Spec.Type = corev1.ServiceTypeClusterIP
			for i := range s.Spec.Ports {
				s.Spec.Ports[i].NodePort = 0
			}
			if _, err := sb.Kube.CoreV1().Services(ns).Update(ctx, &s, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	time.Sleep(5 * time.Second)
	close(stop)
	res := <-load
	t.Logf("naive change: %d of %d requests failed:\n%s", res.failed(), res.requests, describeErrors(res.errors))
	if res.failed() == 0 {
		t.Errorf("the naive change failed no request of %d: the sandbox no longer shows what the phased migration avoids", res.requests)
	}
}

// followPreStopAdvice does what the plan's prestop-sleep findings say, as a
// team would before migrating: each workload gets the preStop sleep and
// grace period the finding's patch gives, so that a rollout never stops a
// pod the ALB still sends requests to.
func followPreStopAdvice(t *testing.T, sb *sandbox.Sandbox, kubeconfig string) {
	t.Helper()
	ctx := context.Background()
	code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "plan", "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	var p struct {
		Findings []scan.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	patched := 0
	for _, f := range p.Findings {
		if f.Code != scan.CodePreStop {
			continue
		}
		_, rest, ok := strings.Cut(f.Remedy, "-p '")
		patch, _, ok2 := strings.Cut(rest, "'")
		if !ok || !ok2 || len(f.Objects) == 0 || f.Objects[0].Kind != "Deployment" {
			t.Fatalf("finding %s has no patch for a Deployment: %q", f.Code, f.Remedy)
		}
		d := f.Objects[0]
		if _, err := sb.Kube.AppsV1().Deployments(d.Namespace).Patch(ctx, d.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			t.Fatalf("patch %s: %v", d, err)
		}
		patched++
	}
	if patched == 0 {
		t.Fatal("the plan gave no preStop advice for the default scenario")
	}
	if err := sb.WaitReady(ctx, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
}
