package distributed

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/loadtest"
)

// recordRun makes a run the way the engine fills one, from samples.
type recorded struct{ run *loadtest.Run }

func newRecorded(started time.Time, rules []string) *recorded {
	return &recorded{run: &loadtest.Run{Schema: loadtest.Schema, Meta: loadtest.Meta{Tool: "lbctl", Name: "run", Started: started, Measured: 10 * time.Second},
		Metrics: *loadtest.NewMetrics(rules)}}
}

func (r *recorded) add(rule int, sec int, d time.Duration, code string) {
	m := &r.run.Metrics
	m.Requests++
	m.Latency.Record(d)
	m.Service.Record(d / 2)
	m.Wait.Record(d / 10)
	if m.Codes == nil {
		m.Codes = map[string]int64{}
	}
	m.Codes[code]++
	m.Rules[rule].Requests++
	m.Rules[rule].Latency.Record(d)
	for len(m.Windows) <= sec {
		m.Windows = append(m.Windows, &loadtest.Window{T: len(m.Windows), Latency: loadtest.NewSparse()})
	}
	m.Windows[sec].Requests++
	m.Windows[sec].Latency.Record(d)
}

// The merged histogram of runs that went through the workers' log format
// equals the histogram of one process that recorded every sample.
func TestMergedResultsEqualOneProcess(t *testing.T) {
	rules := []string{"team-a/shop:shop.example.com/", "team-a/shop:shop.example.com/api"}
	started := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	const workers = 4
	single := newRecorded(started, rules)
	var parts []*recorded
	for i := 0; i < workers; i++ {
		parts = append(parts, newRecorded(started, rules))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 40000; n++ {
		w, rule, sec := rng.IntN(workers), rng.IntN(len(rules)), rng.IntN(10)
		d := time.Duration(rng.ExpFloat64()*5e6) + time.Millisecond
		code := "200"
		if rng.IntN(100) == 0 {
			code = "503"
		}
		single.add(rule, sec, d, code)
		parts[w].add(rule, sec, d, code)
	}
	var decoded []*loadtest.Run
	for i, p := range parts {
		var log bytes.Buffer
		fmt.Fprintf(&log, "load test: 2 target(s), worker %d\n", i) // the worker's own messages
		if err := WriteResult(&log, p.run); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&log, "done")
		if i == 0 && strings.Count(log.String(), resultPrefix) < 2 {
			t.Fatalf("want the result split into several lines, got %d", strings.Count(log.String(), resultPrefix))
		}
		for _, l := range strings.Split(log.String(), "\n") {
			if len(l) > chunkSize+len(resultPrefix)+20 {
				t.Fatalf("a result line of %d bytes", len(l))
			}
		}
		run, err := ReadResult(&log)
		if err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, run)
	}
	merged, err := loadtest.MergeRuns(decoded...)
	if err != nil {
		t.Fatal(err)
	}
	s := single.run
	if !merged.Latency.Equal(s.Latency) || !merged.Service.Equal(s.Service) || !merged.Wait.Equal(s.Wait) {
		t.Fatalf("merged histograms differ: p99 %v vs %v, count %d vs %d", merged.Latency.Quantile(99), s.Latency.Quantile(99), merged.Latency.Count(), s.Latency.Count())
	}
	if merged.Requests != s.Requests || merged.Codes["503"] != s.Codes["503"] || merged.Meta.Merged != workers {
		t.Fatalf("counts: %d/%d requests, %d/%d 503s, merged %d", merged.Requests, s.Requests, merged.Codes["503"], s.Codes["503"], merged.Meta.Merged)
	}
	for i, r := range merged.Rules {
		if r.Name != s.Rules[i].Name || !r.Latency.Equal(s.Rules[i].Latency) || r.Requests != s.Rules[i].Requests {
			t.Fatalf("rule %s differs", r.Name)
		}
	}
	if len(merged.Windows) != len(s.Windows) {
		t.Fatalf("%d windows, want %d", len(merged.Windows), len(s.Windows))
	}
	for i, w := range merged.Windows {
		sw := s.Windows[i]
		if w.Requests != sw.Requests || w.Latency.Count() != sw.Latency.Count() || w.Latency.Quantile(99) != sw.Latency.Quantile(99) {
			t.Fatalf("window %d differs", i)
		}
	}
}

func TestReadResultRefusesIncompleteLogs(t *testing.T) {
	run := newRecorded(time.Now(), []string{"r"})
	for i := 0; i < 5000; i++ {
		run.add(0, 0, time.Duration(i)*time.Microsecond, "200")
	}
	var log bytes.Buffer
	if err := WriteResult(&log, run.run); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(log.String(), "\n"), "\n")
	if _, err := ReadResult(strings.NewReader("starting\n")); !errors.Is(err, ErrNoResult) {
		t.Fatalf("a log with no result: %v", err)
	}
	if len(lines) > 1 {
		cut := strings.Join(lines[:len(lines)-1], "\n")
		if _, err := ReadResult(strings.NewReader(cut)); !errors.Is(err, ErrNoResult) {
			t.Fatalf("a log cut short: %v", err)
		}
	}
	if _, err := ReadResult(strings.NewReader(resultPrefix + "x/y abc\n")); err == nil {
		t.Fatal("a malformed line was accepted")
	}
	// A worker that wrote its result twice (it was asked to stop while
	// writing, say): the last complete one counts.
	twice := log.String() + log.String()
	got, err := ReadResult(strings.NewReader(twice))
	if err != nil || got.Requests != 5000 {
		t.Fatalf("twice: %v %v", got, err)
	}
}

func TestShareDividesTheRate(t *testing.T) {
	s, err := loadtest.NewShape(loadtest.ShapeOptions{Ramp: &loadtest.Stage{From: 30, To: 300, Duration: time.Minute}, Duration: 2 * time.Minute, Warmup: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sh := Share(s, 3)
	if sh.Duration() != s.Duration() || sh.Warmup != s.Warmup {
		t.Fatalf("duration %v warm-up %v, want %v %v", sh.Duration(), sh.Warmup, s.Duration(), s.Warmup)
	}
	if got, want := 3*float64(sh.Total()), float64(s.Total()); got < want-3 || got > want+3 {
		t.Fatalf("3 shares send %v requests, the whole %v", got, want)
	}
	if r := sh.Rate(90 * time.Second); r != 100 {
		t.Fatalf("a share's rate at the end: %v, want 100", r)
	}
	max, _ := loadtest.NewShape(loadtest.ShapeOptions{Duration: time.Minute})
	if Share(max, 4).Paced() || Share(max, 4).Duration() != time.Minute {
		t.Fatal("an unpaced run's share must stay unpaced and as long")
	}
}

func TestSpecRoundTrip(t *testing.T) {
	shape, _ := loadtest.NewShape(loadtest.ShapeOptions{Rate: 100, Duration: time.Minute})
	o := loadtest.Options{Targets: []loadtest.Target{{Name: "a", Method: "GET", URL: "http://shop.example.com/", Connect: "k8s-x.elb.amazonaws.com:80"}},
		Shape: shape, MaxWorkers: 10, Transport: loadtest.TransportOptions{KeepAlive: true, Timeout: time.Second}, PodHeader: "X-Pod"}
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	spec, err := NewSpec(o, 4, start, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := spec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSpec(enc)
	if err != nil {
		t.Fatal(err)
	}
	wo := got.Options()
	if !got.StartAt.Equal(start) || wo.Targets[0].Connect != "k8s-x.elb.amazonaws.com:80" || wo.Shape.Rate(time.Second) != 25 ||
		wo.MaxWorkers != 3 || !wo.Transport.KeepAlive || wo.PodHeader != "X-Pod" || wo.Lookup == nil {
		t.Fatalf("round trip: %+v", wo)
	}
	if _, err := DecodeSpec(""); err == nil || !strings.Contains(err.Error(), EnvSpec) {
		t.Fatalf("empty spec: %v", err)
	}
	big := o
	for i := 0; i < 3000; i++ {
		big.Targets = append(big.Targets, loadtest.Target{Name: strings.Repeat("r", 80), URL: "http://" + strings.Repeat("h", 60) + "/"})
	}
	s2, _ := NewSpec(big, 2, start, 0)
	if _, err := s2.Encode(); err == nil || !strings.Contains(err.Error(), "fewer rules") {
		t.Fatalf("an oversized spec: %v", err)
	}
}

// The Job runs the workers as the issue asks: Indexed, all in parallel,
// no retries, no token, non-root, read-only root filesystem, resources,
// a TTL.
func TestJobSpec(t *testing.T) {
	job, err := Job(JobOptions{Name: "lbctl-loadtest-x", Namespace: "ci", Image: "ghcr.io/lbctl/lbctl:v1", Workers: 3, Spec: "{}",
		CPURequest: "500m", CPULimit: "1", MemoryRequest: "128Mi", MemoryLimit: "256Mi", TTL: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	s := job.Spec
	pod := s.Template.Spec
	c := pod.Containers[0]
	switch {
	case *s.CompletionMode != "Indexed" || *s.Completions != 3 || *s.Parallelism != 3 || *s.BackoffLimit != 0:
		t.Fatalf("mode %v completions %v parallelism %v backoff %v", *s.CompletionMode, *s.Completions, *s.Parallelism, *s.BackoffLimit)
	case *s.TTLSecondsAfterFinished != 600:
		t.Fatalf("ttl %v", *s.TTLSecondsAfterFinished)
	case pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken:
		t.Fatal("the service-account token is mounted")
	case pod.SecurityContext == nil || !*pod.SecurityContext.RunAsNonRoot || *pod.SecurityContext.RunAsUser == 0:
		t.Fatal("not non-root")
	case !*c.SecurityContext.ReadOnlyRootFilesystem || *c.SecurityContext.AllowPrivilegeEscalation || c.SecurityContext.Capabilities.Drop[0] != "ALL":
		t.Fatal("root filesystem writable or privileges kept")
	case pod.RestartPolicy != corev1.RestartPolicyNever:
		t.Fatalf("restart policy %s", pod.RestartPolicy)
	case c.Resources.Requests.Cpu().String() != "500m" || c.Resources.Limits.Memory().String() != "256Mi":
		t.Fatalf("resources %v", c.Resources)
	case job.Labels[LabelRun] != "lbctl-loadtest-x" || s.Template.Labels[LabelRun] != "lbctl-loadtest-x":
		t.Fatal("labels")
	case c.Env[0].Name != EnvSpec || c.Env[0].Value != "{}":
		t.Fatalf("env %v", c.Env)
	}
	if _, err := Job(JobOptions{Name: "x", Image: "i", Workers: 2, MemoryLimit: "lots"}); err == nil || !strings.Contains(err.Error(), "--worker-memory-limit") {
		t.Fatalf("bad quantity: %v", err)
	}
	if _, err := Job(JobOptions{Name: "x", Workers: 2}); err == nil {
		t.Fatal("no image accepted")
	}
}
