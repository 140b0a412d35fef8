package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
	"github.com/lbctl/lbctl/loadtest"
)

// runLoadtest runs the command line with the given environment (KEY=VALUE).
func runLoadtest(t *testing.T, ctx context.Context, env []string, args ...string) (int, string, string) {
	t.Helper()
	streams, _, out, errOut := TestStreams(env...)
	code := Run(ctx, streams, NewFactory(), "kubectl lbctl", args)
	return code, out.String(), errOut.String()
}

func testPod(t *testing.T, name string, latency time.Duration) string {
	t.Helper()
	p, err := dataplane.StartPod("127.0.0.1:0", dataplane.PodOptions{Name: name, Latency: latency})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return "http://" + p.Addr() + "/"
}

func TestLoadtestBadInput(t *testing.T) {
	url := "http://127.0.0.1:1/"
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--url", url, "--threshold", "p99<soon"}, `bad threshold "p99<soon"`},
		{[]string{"--url", url, "--rate", "lots"}, `rate "lots"`},
		{[]string{"--url", url, "--ramp", "10:20"}, "START:END:DURATION"},
		{[]string{}, "no targets"},
		{[]string{"--url", "ftp://x/"}, "scheme must be http or https"},
		{[]string{"--url", url, "--threshold", "rule:nope p99<1s"}, `no target matches rule "nope"`},
		{[]string{"--url", url, "--resolve", "x:80"}, "HOST:PORT:ADDR"},
		{[]string{"--url", "http://no-such-alb.invalid/"}, "host does not resolve"},
		{[]string{"--url", url, "-o", "yaml"}, "unknown output format"},
		{[]string{"--url", url, "--start-at", "tomorrow"}, "RFC 3339"},
		{[]string{"--url", url, "--abort-on-fail", "--threshold", "rate>1"}, "--abort-on-fail needs"},
		{[]string{"--url", url, "--rate", "0"}, "--rate max"},
		{[]string{"--url", url, "--rate", "0/s"}, "--rate max"},
		{[]string{"--url", url, "--timeout", "0"}, "--timeout none"},
		{[]string{"--url", url, "--timeout", "0s"}, "--timeout none"},
		{[]string{"--url", url, "--threshold", "p99<Inf"}, `bad threshold "p99<Inf"`},
		{[]string{"--url", url, "--threshold", "pNaN<1ms"}, `bad threshold "pNaN<1ms"`},
		{[]string{"--url", url, "--connections", "-1"}, "--connections -1: want a count of 0 or more"},
		{[]string{"--url", url, "--max-connections", "-5"}, "--max-connections -5"},
		{[]string{"--url", url, "--redirects", "-1"}, "--redirects -1"},
		{[]string{"--url", url, "--workers", "-2"}, "--workers -2"},
		{[]string{"--url", url, "--workers", "2", "--worker-ttl", "-1m"}, "--worker-ttl -1m0s"},
		{[]string{"--url", url, "--abort-on-fail", "--threshold", "p99<1s", "--abort-window", "-1s"}, "--abort-window -1s"},
		{[]string{"--url", url, "--pod-header", "X Pod"}, `--pod-header: pod header "X Pod": not a valid header name`},
		{[]string{"--url", url, "--pod-header", "X-Pod\r\nX-Evil: 1"}, `--pod-header: pod header`},
	} {
		code, _, stderr := runLoadtest(t, context.Background(), nil, append([]string{"loadtest", "run", "--progress", "0"}, tc.args...)...)
		if code != exitcode.Usage {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, exitcode.Usage, stderr)
			continue
		}
		assertOneLine(t, stderr, tc.says)
	}
}

// A run that breaches a threshold exits 1, annotates it for GitHub Actions
// and writes the step summary; the saved run compares with another.
func TestLoadtestRunThresholdsAndCompare(t *testing.T) {
	url := testPod(t, "slow", 3*time.Millisecond)
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.md")
	env := []string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + summary}
	a := filepath.Join(dir, "a.json")
	html := filepath.Join(dir, "report.html")
	code, out, stderr := runLoadtest(t, context.Background(), env, "loadtest", "run", "--url", "slow="+url, "--rate", "100/s", "--duration", "1s",
		"--threshold", "p50<1ms", "--threshold", "errors<1%", "--threshold", "rule:slow p99<5s", "--save", a, "--html", html, "--progress", "0")
	if code != exitcode.CheckFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "FAILED p50<1ms") || !strings.Contains(out, "passed errors<1%") || !strings.Contains(out, "per pod") {
		t.Errorf("report:\n%s", out)
	}
	if !strings.Contains(stderr, "::error title=lbctl loadtest::threshold p50<1ms failed: p50=") || strings.Count(stderr, "::error") != 1 {
		t.Errorf("annotations:\n%s", stderr)
	}
	md, err := os.ReadFile(summary)
	if err != nil || !strings.Contains(string(md), "| `p50<1ms` | all | ❌ failed |") {
		t.Errorf("step summary (%v):\n%s", err, md)
	}
	if page, err := os.ReadFile(html); err != nil || strings.Count(string(page), "<polyline") != 4 || !strings.Contains(string(page), "p50&lt;1ms") {
		t.Errorf("html report (%v): %d bytes", err, len(page))
	}
	run, err := loadtest.LoadRun(a)
	if err != nil || run.Requests != 100 || len(run.Thresholds) != 3 {
		t.Fatalf("saved run: %v %+v", err, run)
	}

	b := filepath.Join(dir, "b.json")
	fast := testPod(t, "fast", 0)
	code, out, stderr = runLoadtest(t, context.Background(), nil, "loadtest", "run", "--url", fast, "--rate", "100/s", "--duration", "1s", "-o", "json", "--save", b, "--progress", "0")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var doc struct {
		Schema  string            `json:"schema"`
		Summary *loadtest.Summary `json:"summary"`
		Latency string            `json:"latency"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Schema != loadtest.Schema || doc.Summary.Requests != 100 || !strings.HasPrefix(doc.Latency, "HISTF") {
		t.Errorf("-o json: %v %+v", err, doc)
	}
	code, out, _ = runLoadtest(t, context.Background(), nil, "loadtest", "compare", a, b, "-o", "json")
	var cmp loadtest.Comparison
	if code != 0 || json.Unmarshal([]byte(out), &cmp) != nil {
		t.Fatalf("compare: exit %d\n%s", code, out)
	}
	for _, d := range cmp.Diffs {
		if d.Stat == "p50" && d.Diff > -2*time.Millisecond {
			t.Errorf("p50 B − A = %s, want about −3 ms", d.Diff)
		}
	}
	// Merged, the two runs hold every request; thresholds are judged once.
	code, out, _ = runLoadtest(t, context.Background(), nil, "loadtest", "merge", a, b, "--threshold", "p99<1s", "-o", "json")
	if code != 0 || !strings.Contains(out, `"requests": 200`) || !strings.Contains(out, `"merged": 2`) {
		t.Errorf("merge: exit %d\n%s", code, out[:min(len(out), 600)])
	}
	if code, _, _ := runLoadtest(t, context.Background(), nil, "loadtest", "merge", a, b, "--threshold", "p90<1ms"); code != exitcode.CheckFailed {
		t.Errorf("merge with a failing threshold: exit %d", code)
	}
	if code, _, stderr := runLoadtest(t, context.Background(), nil, "loadtest", "compare", a, summary); code != exitcode.Usage || !strings.Contains(stderr, "not an lbctl load-test run") {
		t.Errorf("compare with a non-run: %d %s", code, stderr)
	}
}

// Ctrl-C: partial results reported and saved, exit 4.
func TestLoadtestInterrupted(t *testing.T) {
	url := testPod(t, "p", 0)
	save := filepath.Join(t.TempDir(), "partial.json")
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	code, out, stderr := runLoadtest(t, ctx, nil, "loadtest", "run", "--url", url, "--rate", "100/s", "--duration", "1m", "--save", save, "--progress", "0")
	if code != exitcode.Interrupted {
		t.Fatalf("exit %d, want 4\n%s", code, stderr)
	}
	if !strings.Contains(out, "interrupted, partial results") || !strings.Contains(stderr, "partial results reported and saved to "+save) {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, stderr)
	}
	if run, err := loadtest.LoadRun(save); err != nil || !run.Meta.Interrupted || run.Requests < 30 {
		t.Errorf("partial run: %v %+v", err, run.Meta)
	}
}

// An A/B test of two URL paths whose servers differ by 2 ms reports it.
func TestLoadtestAB(t *testing.T) {
	a, b := testPod(t, "a", 3*time.Millisecond), testPod(t, "b", 1*time.Millisecond)
	code, out, stderr := runLoadtest(t, context.Background(), nil, "loadtest", "ab", "--a", a, "--b", b, "--rate", "200/s", "--duration", "4s", "-o", "json", "--progress", "0", "--bootstrap", "200")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var cmp loadtest.Comparison
	if err := json.Unmarshal([]byte(out), &cmp); err != nil {
		t.Fatal(err, out)
	}
	if cmp.Pairs != 2 || cmp.ARequests < 350 || cmp.BRequests < 350 {
		t.Errorf("pairs %d, requests %d/%d", cmp.Pairs, cmp.ARequests, cmp.BRequests)
	}
	for _, d := range cmp.Diffs {
		if d.Stat == "p50" && (d.Diff > -1500*time.Microsecond || d.Low == nil) {
			t.Errorf("p50 B − A = %s (CI %v), want about −2 ms", d.Diff, d.Low)
		}
	}
}

// --rate max and --timeout none are the spellings of "as fast as possible"
// and "no limit"; 0 is refused for both (TestLoadtestBadInput).
func TestLoadtestMaxAndNoneSpellings(t *testing.T) {
	streams, _, _, _ := TestStreams()
	r := NewRoot(streams, NewFactory(), "kubectl lbctl")
	f := loadFlags{rate: "max", duration: time.Second}
	if err := f.timeout.Set("none"); err != nil {
		t.Fatal(err)
	}
	o, err := f.options(r)
	if err != nil {
		t.Fatal(err)
	}
	if o.Shape.Paced() || o.Transport.Timeout != 0 {
		t.Errorf("paced = %v, timeout = %s; want max rate and no timeout", o.Shape.Paced(), o.Transport.Timeout)
	}
	if got := f.timeout.String(); got != "none" {
		t.Errorf("--timeout reads back %q, want none", got)
	}
}

// A run in which every request failed exits 1 and says so, with no
// threshold given.
func TestLoadtestEveryRequestFailed(t *testing.T) {
	code, out, stderr := runLoadtest(t, context.Background(), nil, "loadtest", "run", "--url", "http://127.0.0.1:1/",
		"--rate", "20/s", "--duration", "200ms", "--timeout", "1s", "--progress", "0", "--tui=false")
	if code != exitcode.CheckFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "FAILED errors<100% (built in): every request failed") {
		t.Errorf("the report's verdict does not say every request failed:\n%s", out)
	}
	assertOneLine(t, stderr, "every request failed")
}
