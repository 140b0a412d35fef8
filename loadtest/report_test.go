package loadtest

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestReports(t *testing.T) {
	run := testRun()
	run.Meta.Shape = &Shape{Stages: []Stage{{From: 1000, To: 1000, Duration: time.Second}}}
	ths, _ := ParseThresholds([]string{"p99<50ms", "errors<0.1%"})
	run.Thresholds, _ = Evaluate(run, ths)

	var text bytes.Buffer
	if err := WriteText(&text, run); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"load test: 1000 requests in 1s (1000.0/s), 4 errors (0.4%)", "latency (from scheduled send)", "502×4",
		"by origin: alb 4", "team-a/web:www.example.com/", "FAILED p99<50ms: p99=99", "FAILED errors<0.1%"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(&md, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| `team-a/api:api.example.com/` | 500 | 0.8% |") || !strings.Contains(md.String(), "| `errors<0.1%` | all | ❌ failed |") {
		t.Errorf("markdown:\n%s", md.String())
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, run); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), "<polyline"); n != 4 || !strings.Contains(page.String(), "<rect") {
		t.Errorf("html: %d polylines", n)
	}
	ann := GitHubAnnotations(run.Thresholds)
	if len(ann) != 2 || ann[1] != "::error title=lbctl loadtest::threshold errors<0.1%25 failed: errors=0.4%25 (4 of 1000)" {
		t.Errorf("annotations %q", ann)
	}
}

func TestCompareRuns(t *testing.T) {
	a := testRun()
	b := testRun()
	b.Latency = NewHistogram()
	for i := range 1000 {
		b.Latency.Record(time.Duration(i%100+1)*time.Millisecond - 500*time.Microsecond)
	}
	c := Compare(a, b)
	for _, d := range c.Diffs {
		if d.Stat == "p50" && (d.Diff > -400*time.Microsecond || d.Diff < -600*time.Microsecond) {
			t.Errorf("p50 diff %s, want −0.5 ms", d.Diff)
		}
	}
	var out bytes.Buffer
	if err := WriteComparisonText(&out, c, "a.json", "b.json"); err != nil || !strings.Contains(out.String(), "p99.9") {
		t.Errorf("%v\n%s", err, out.String())
	}
}

// A comparison with no sample on a side prints no difference.
func TestCompareWithoutSamplesOnASide(t *testing.T) {
	a, empty := testRun(), &Run{Metrics: *NewMetrics(nil)}
	for _, tc := range []struct {
		a, b *Run
		side string
	}{{empty, a, "A"}, {a, empty, "B"}, {empty, empty, "A and B"}} {
		c := ABCompare(tc.a, tc.b, time.Second, 100, 1)
		if c.Unmeasured != tc.side || len(c.Diffs) != 0 {
			t.Errorf("unmeasured %q, %d diffs; want %q and none", c.Unmeasured, len(c.Diffs), tc.side)
		}
		var text, md bytes.Buffer
		if err := WriteComparisonText(&text, c, "a", "b"); err != nil {
			t.Fatal(err)
		}
		if err := WriteComparisonMarkdown(&md, c, "a", "b"); err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{text.String(), md.String()} {
			if strings.Contains(out, "p50") || !strings.Contains(out, "no difference: "+tc.side+" measured no latency") {
				t.Errorf("report prints a difference, or not why there is none:\n%s", out)
			}
		}
	}
}
