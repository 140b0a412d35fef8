package loadtest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseThreshold(t *testing.T) {
	ms := float64(time.Millisecond)
	for _, tc := range []struct {
		in   string
		want Threshold
	}{
		{"p99<250ms", Threshold{Metric: "p99", Op: "<", Limit: 250 * ms}},
		{"p(95)<=200", Threshold{Metric: "p95", Op: "<=", Limit: 200 * ms}},
		{"p99.9 < 1.5s", Threshold{Metric: "p99.9", Op: "<", Limit: 1500 * ms}},
		{"errors<0.1%", Threshold{Metric: "errors", Op: "<", Limit: 0.001}},
		{"errors<0.01", Threshold{Metric: "errors", Op: "<", Limit: 0.01}},
		{"alb_errors<5", Threshold{Metric: "alb_errors", Op: "<", Limit: 5, Count: true}},
		{"rule:api p95<100ms", Threshold{Rule: "api", Metric: "p95", Op: "<", Limit: 100 * ms}},
		{"rule:team-a/* mean<20ms", Threshold{Rule: "team-a/*", Metric: "mean", Op: "<", Limit: 20 * ms}},
		{"wait.p99<5ms", Threshold{Metric: "wait.p99", Op: "<", Limit: 5 * ms}},
		{"rate>=900", Threshold{Metric: "rate", Op: ">=", Limit: 900}},
		{"MAX<2s", Threshold{Metric: "max", Op: "<", Limit: 2000 * ms}},
	} {
		got, err := ParseThreshold(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		tc.want.Expr = tc.in
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.in, d)
		}
	}
	for _, tc := range []struct{ in, says string }{
		{"p99", "no comparison"},
		{"p99<", "no value"},
		{"p101<1s", "not a percentile"},
		{"latency<1s", "unknown metric"},
		{"p99<fast", "not a duration"},
		{"errors<1.5", "must be whole"},
		{"errors<200%", "not a percentage"},
		{"rule:api", "followed by a space"},
		{"wait.errors<1%", "unknown metric"},
		{"rate>lots", "not a rate"},
		// Values a limit cannot represent: they used to wrap to a negative
		// latency (every run fails) or compare false with everything.
		{"p99<Inf", "can represent"},
		{"p99<+Inf", "can represent"},
		{"p99<1e20", "can represent"},
		{"p99<9.3e12", "can represent"},
		{"p99<NaN", "can represent"},
		{"p99<1e20s", "not a duration"},
		{"pNaN<1ms", "not a percentile"},
		{"p(NaN)<1ms", "not a percentile"},
		{"errors<NaN%", "not a percentage"},
		{"errors<Inf%", "not a percentage"},
		{"errors<NaN", "not a percentage"},
		{"errors<Inf", "not a percentage"},
		{"errors<1e300", "not a percentage"},
		{"rate>NaN", "not a rate"},
		{"rate>Inf", "not a rate"},
		{"throughput>NaN/s", "not a rate"},
	} {
		_, err := ParseThreshold(tc.in)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: the error is not one line: %q", tc.in, err)
		}
		if !errors.Is(err, ErrBadThreshold) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), tc.in) {
			t.Errorf("%q: error %v, want one naming the expression and saying %q", tc.in, err, tc.says)
		}
	}
}

func testRun() *Run {
	m := NewMetrics([]string{"team-a/api:api.example.com/", "team-a/web:www.example.com/"})
	for i := range 1000 {
		s := sample{rule: i % 2, offset: time.Duration(i) * time.Millisecond, latency: time.Duration(i%100+1) * time.Millisecond, code: 200}
		if i%250 == 0 {
			s.code, s.kind, s.origin = 502, KindHTTP5xx, OriginALB
		}
		m.add(s)
	}
	return &Run{Metrics: *m, Meta: Meta{Measured: time.Second}}
}

func TestEvaluate(t *testing.T) {
	run := testRun()
	ths, err := ParseThresholds([]string{"p99<250ms", "p50<20ms", "errors<0.1%", "alb_errors<=4", "rule:web p95<100ms", "rate>=900"})
	if err != nil {
		t.Fatal(err)
	}
	vs, ok := Evaluate(run, ths)
	if ok {
		t.Error("all passed, want p50 and errors to fail")
	}
	got := map[string]bool{}
	for _, v := range vs {
		got[v.Threshold] = v.Passed
	}
	want := map[string]bool{"p99<250ms": true, "p50<20ms": false, "errors<0.1%": false, "alb_errors<=4": true, "rule:web p95<100ms": true, "rate>=900": true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("verdicts (-want +got):\n%s\n%v", d, vs)
	}
	for _, v := range vs {
		if v.Threshold == "errors<0.1%" && v.Value != "errors=0.4% (4 of 1000)" {
			t.Errorf("errors value %q", v.Value)
		}
		if v.Threshold == "rule:web p95<100ms" && v.Scope != "team-a/web:www.example.com/" {
			t.Errorf("scope %q", v.Scope)
		}
	}
	if err := CheckRules(ths, []Target{{Name: "team-a/api:api.example.com/"}}); err == nil {
		t.Error("CheckRules: rule web matched nothing, want an error")
	}
}

func TestAbortWatch(t *testing.T) {
	ths, _ := ParseThresholds([]string{"errors<10%", "rule:x p99<1ms"})
	w := AbortWatch(ths, 3)
	m := NewMetrics([]string{"x"})
	for sec := range 8 {
		for i := range 10 {
			s := sample{offset: time.Duration(sec)*time.Second + time.Duration(i), latency: time.Millisecond, code: 200}
			if sec >= 3 && i < 5 {
				s.code, s.kind, s.origin = 500, KindHTTP5xx, OriginTarget
			}
			m.add(s)
		}
	}
	if why := w(5*time.Second, []*Metrics{m}); why != "" {
		t.Errorf("aborted after 2 bad seconds: %s", why)
	}
	if why := w(8*time.Second, []*Metrics{m}); !strings.Contains(why, "errors<10%") {
		t.Errorf("not aborted after 3 bad seconds: %q", why)
	}
	if AbortWatch(ths[1:], 3) != nil {
		t.Error("a rule-scoped threshold alone cannot be watched")
	}
}

// A run in which every request failed fails the built-in errors<100%
// unless a run-wide errors threshold says otherwise: latency thresholds
// alone pass a run of fast refusals.
func TestEvaluateEveryRequestFailed(t *testing.T) {
	run := func(requests, errs int64) *Run {
		return &Run{Metrics: Metrics{Counts: Counts{Requests: requests, Errors: errs}, Latency: NewHistogram()}, Meta: Meta{Measured: time.Second}}
	}
	mustParse := func(exprs ...string) []Threshold {
		ths, err := ParseThresholds(exprs)
		if err != nil {
			t.Fatal(err)
		}
		return ths
	}
	for _, tc := range []struct {
		name   string
		run    *Run
		ths    []Threshold
		passed bool
		says   string
	}{
		{"all failed, no threshold", run(12, 12), nil, false, "every request failed (12 of 12)"},
		{"all failed, latency threshold", run(12, 12), mustParse("max<1h"), false, "every request failed (12 of 12)"},
		{"all failed, the user allows it", run(12, 12), mustParse("errors<=100%"), true, ""},
		{"one succeeded", run(12, 11), nil, true, ""},
		{"no request", run(0, 0), nil, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, passed := Evaluate(tc.run, tc.ths)
			if passed != tc.passed {
				t.Errorf("passed = %v, want %v (%v)", passed, tc.passed, vs)
			}
			sum := FailureSummary(vs)
			if tc.says == "" {
				for _, v := range vs {
					if v.Builtin {
						t.Errorf("built-in verdict %v, want none", v)
					}
				}
				return
			}
			last := vs[len(vs)-1]
			if !last.Builtin || last.Passed || !strings.Contains(last.String(), tc.says) || !strings.Contains(sum, tc.says) {
				t.Errorf("verdict %q, summary %q; want a failed built-in verdict saying %q", last, sum, tc.says)
			}
		})
	}
}
