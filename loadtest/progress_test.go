package loadtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Progress carries what the live view shows: per-rule tallies with their
// percentiles, status codes and error kinds over both sets of an A/B
// test, the warm-up's count, and the last whole second.
func TestProgressBreakdown(t *testing.T) {
	targets := []Target{{Name: "x", URL: "http://x/", Set: "a"}, {Name: "y", URL: "http://y/", Set: "b"}}
	p, err := newPlan(targets, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	shape := &Shape{Stages: []Stage{{From: 100, To: 100, Duration: time.Hour}}, Warmup: time.Second}
	shape.index()
	pacer := &startPacer{Shape: shape}
	pacer.Pace(0, 0)
	rec := newRecorder(pacer, targets, p, shape, DefaultPodHeader)
	began := pacer.start()
	urls := []string{tagURL(targets[0].URL, 0), tagURL(targets[1].URL, 1)}
	// 100 warm-up hits, then 200 measured ones over 2 s: odd ones to y,
	// of which every fifth is a 503 and the last refused.
	for i := range 300 {
		due, _ := shape.Due(uint64(i))
		res := &vegeta.Result{Seq: uint64(i), URL: urls[i&1], Code: 200, Timestamp: began.Add(due),
			Latency: time.Duration(1+i&1) * time.Millisecond, Headers: http.Header{}}
		switch {
		case i == 299:
			res.Code, res.Error = 0, "dial tcp 127.0.0.1:1: connect: connection refused"
		case i&1 == 1 && i%10 == 1:
			res.Code = 503
		}
		rec.add(res)
	}
	got := rec.progress(began.Add(3*time.Second+100*time.Millisecond), shape)
	if got.Requests != 200 || got.WarmupRequests != 100 || got.Errors != 21 || got.Rate != 100 || got.Warmup {
		t.Errorf("requests %d, warm-up %d, errors %d, rate %v, warm-up now %v; want 200, 100, 21, 100, false",
			got.Requests, got.WarmupRequests, got.Errors, got.Rate, got.Warmup)
	}
	if diff := cmp.Diff(map[string]int64{"200": 179, "503": 20, "0": 1}, got.Codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int64{KindHTTP5xx: 20, KindRefused: 1}, got.Kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	want := []RuleProgress{
		{Set: "a", Name: "x", Requests: 100, P50: time.Millisecond, P99: time.Millisecond},
		{Set: "b", Name: "y", Requests: 100, Errors: 21, P50: 2 * time.Millisecond, P99: 2 * time.Millisecond},
	}
	if diff := cmp.Diff(want, got.Rules, cmp.Comparer(func(a, b time.Duration) bool { return a.Round(10*time.Microsecond) == b.Round(10*time.Microsecond) })); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}
	if w := got.Window; w == nil || w.T != 1 || w.Requests != 100 || w.Latency.Count() != 100 {
		t.Errorf("window = %+v, want the second second's 100 requests", w)
	}
	// The maps are copies: the recorder goes on counting into its own.
	got.Codes["200"] = -1
	if rec.sets[0].Codes["200"] != 100 {
		t.Errorf("progress shares the recorder's code map")
	}
}
