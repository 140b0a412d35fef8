package loadtest

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadThreshold is wrapped by every threshold parse error.
var ErrBadThreshold = errors.New("bad threshold")

// Threshold is one pass/fail criterion, judged on a run's merged results:
//
//	[rule:PATTERN ]METRIC OP VALUE
//
// METRIC is a latency (p50, p99, p99.9, p(95), mean, min, max; prefixed
// "wait." for the time spent waiting for a worker, "service." for the time
// from the actual send), an error measure (errors, alb_errors,
// target_errors, network_errors) or a rate (rate, throughput, in
// requests/s). OP is <, <=, > or >=. A latency VALUE is a duration (250ms,
// 1.5s; a bare number is milliseconds, as in k6); an error VALUE is a
// percentage (0.1%), a fraction below 1 (0.001) or a whole count (5).
type Threshold struct {
	Expr string
	// Rule, when set, scopes the threshold to the targets it names
	// (MatchName); each is judged on its own.
	Rule   string
	Metric string
	Op     string
	// Limit is the value compared with: a duration in ns for latencies, a
	// ratio or count for errors (Count says which), requests/s for rates.
	Limit float64
	Count bool
}

const (
	metricLatency = iota
	metricErrors
	metricRate
)

func (t Threshold) class() int {
	switch {
	case isErrorMetric(t.Metric):
		return metricErrors
	case t.Metric == "rate" || t.Metric == "throughput":
		return metricRate
	}
	return metricLatency
}

func isErrorMetric(m string) bool {
	switch m {
	case "errors", "alb_errors", "target_errors", "network_errors":
		return true
	}
	return false
}

// ParseThreshold parses one threshold expression.
func ParseThreshold(expr string) (Threshold, error) {
	bad := func(why string) (Threshold, error) {
		return Threshold{}, fmt.Errorf("%w %q: %s (e.g. 'p99<250ms', 'errors<0.1%%', 'rule:api p95<100ms')", ErrBadThreshold, expr, why)
	}
	t := Threshold{Expr: expr}
	s := strings.TrimSpace(expr)
	if rest, ok := strings.CutPrefix(s, "rule:"); ok {
		name, tail, ok := strings.Cut(rest, " ")
		if !ok || name == "" {
			return bad("rule:NAME must be followed by a space and a criterion")
		}
		t.Rule, s = name, strings.TrimSpace(tail)
	}
	i := strings.IndexAny(s, "<>")
	if i <= 0 {
		return bad("no comparison: want METRIC<VALUE or METRIC>VALUE")
	}
	t.Metric, t.Op = strings.TrimSpace(s[:i]), s[i:i+1]
	val := s[i+1:]
	if strings.HasPrefix(val, "=") {
		t.Op += "="
		val = val[1:]
	}
	val = strings.TrimSpace(val)
	if val == "" {
		return bad("no value after " + t.Op)
	}
	if err := t.normMetric(); err != nil {
		return bad(err.Error())
	}
	switch t.class() {
	case metricLatency:
		d, err := parseLatencyValue(val)
		if err != nil {
			return bad(err.Error())
		}
		t.Limit = float64(d)
	case metricErrors:
		v, count, err := parseErrorValue(val)
		if err != nil {
			return bad(err.Error())
		}
		t.Limit, t.Count = v, count
	case metricRate:
		v, err := strconv.ParseFloat(strings.TrimSuffix(val, "/s"), 64)
		if err != nil || !finite(v) || v < 0 {
			return bad(fmt.Sprintf("%q is not a rate in requests/s", val))
		}
		t.Limit = v
	}
	return t, nil
}

// normMetric checks the metric name, turning p(95) into p95.
func (t *Threshold) normMetric() error {
	m := strings.ToLower(t.Metric)
	prefix := ""
	for _, p := range []string{"wait.", "service."} {
		if rest, ok := strings.CutPrefix(m, p); ok {
			prefix, m = p, rest
		}
	}
	if strings.HasPrefix(m, "p(") && strings.HasSuffix(m, ")") {
		m = "p" + m[2:len(m)-1]
	}
	switch {
	case m == "mean" || m == "min" || m == "max":
	case strings.HasPrefix(m, "p"):
		q, err := strconv.ParseFloat(m[1:], 64)
		if err != nil || !(q > 0 && q <= 100) { // NaN fails too
			return fmt.Errorf("%q is not a percentile (p50, p99, p99.9)", t.Metric)
		}
	case prefix == "" && (isErrorMetric(m) || m == "rate" || m == "throughput"):
	default:
		return fmt.Errorf("unknown metric %q: want pN, mean, min, max (optionally wait. or service.), errors, alb_errors, target_errors, network_errors, rate or throughput", t.Metric)
	}
	t.Metric = prefix + m
	return nil
}

// finite reports whether f is a number a limit can be: not NaN, not ±Inf.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func parseLatencyValue(v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		ns := f * float64(time.Millisecond)
		// A time.Duration holds up to 2^63-1 ns (292 years); beyond, the
		// conversion wraps to a negative limit that nothing passes.
		if !finite(ns) || ns < 0 || ns >= math.MaxInt64 {
			return 0, fmt.Errorf("%q is not a latency lbctl can represent (0 to 292 years; 250ms, 1s, or milliseconds)", v)
		}
		return time.Duration(ns), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (250ms, 1s)", v)
	}
	return d, nil
}

func parseErrorValue(v string) (float64, bool, error) {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(f >= 0 && f <= 100) { // NaN fails too
			return 0, false, fmt.Errorf("%q is not a percentage", v)
		}
		return f / 100, false, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !finite(f) || f < 0 || f >= 1<<53 {
		return 0, false, fmt.Errorf("%q is not a percentage (0.1%%), fraction (0.001) or count (5)", v)
	}
	if f < 1 {
		return f, false, nil
	}
	if f != float64(int64(f)) {
		return 0, false, fmt.Errorf("%q: an error count must be whole (use %% for a ratio)", v)
	}
	return f, true, nil
}

// ParseThresholds parses every expression.
func ParseThresholds(exprs []string) ([]Threshold, error) {
	out := make([]Threshold, 0, len(exprs))
	for _, e := range exprs {
		t, err := ParseThreshold(e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// CheckRules returns an error when a rule-scoped threshold names no target.
func CheckRules(ths []Threshold, targets []Target) error {
	for _, t := range ths {
		if t.Rule == "" {
			continue
		}
		found := false
		for _, tg := range targets {
			if MatchName(t.Rule, tg.Name) {
				found = true
				break
			}
		}
		if !found {
			names := make([]string, 0, len(targets))
			for _, tg := range targets {
				names = append(names, tg.Name)
			}
			return fmt.Errorf("%w %q: no target matches rule %q (targets: %s)", ErrBadThreshold, t.Expr, t.Rule, strings.Join(names, ", "))
		}
	}
	return nil
}

// Verdict is one threshold judged on one scope.
type Verdict struct {
	Threshold string `json:"threshold"`
	// Scope is "" for the whole run, else the rule judged.
	Scope  string `json:"scope,omitempty"`
	Passed bool   `json:"passed"`
	// Value is the measured value, formatted like the threshold's.
	Value string `json:"value"`
	// Builtin marks the verdict lbctl adds itself, unasked: errors<100%
	// (AllFailedThreshold), which fails a run in which every request
	// failed, since such a run measured nothing but the failure.
	Builtin bool `json:"builtin,omitempty"`
}

// AllFailedThreshold is the built-in criterion every run is judged on
// unless a run-wide errors threshold is given: not every request failed.
// Latency thresholds alone would pass a run of fast refusals.
const AllFailedThreshold = "errors<100%"

// String is how a verdict reads in a report line.
func (v Verdict) String() string {
	state := "passed"
	if !v.Passed {
		state = "FAILED"
	}
	scope := ""
	if v.Scope != "" {
		scope = " [" + TerminalText(v.Scope) + "]"
	}
	if v.Builtin {
		scope += " (built in)"
	}
	return fmt.Sprintf("%s %s%s: %s", state, TerminalText(v.Threshold), scope, TerminalText(v.Value))
}

// Evaluate judges the thresholds on a run. It returns the verdicts and
// whether all passed.
func Evaluate(run *Run, ths []Threshold) ([]Verdict, bool) {
	var out []Verdict
	ok := true
	for _, t := range ths {
		if t.Rule == "" {
			v := t.judge(scopeOf(run, nil))
			out = append(out, v)
			ok = ok && v.Passed
			continue
		}
		matched := false
		for _, r := range run.Rules {
			if MatchName(t.Rule, r.Name) {
				matched = true
				v := t.judge(scopeOf(run, r))
				v.Scope = r.Name
				out = append(out, v)
				ok = ok && v.Passed
			}
		}
		if !matched {
			out = append(out, Verdict{Threshold: t.Expr, Scope: t.Rule, Value: "no such rule in the run"})
			ok = false
		}
	}
	if v, failed := allFailed(run, ths); failed {
		out = append(out, v)
		ok = false
	}
	return out, ok
}

// allFailed returns the built-in verdict when every request of the run
// failed and no run-wide errors threshold judges that already.
func allFailed(run *Run, ths []Threshold) (Verdict, bool) {
	if run.Requests == 0 || run.Errors < run.Requests {
		return Verdict{}, false
	}
	for _, t := range ths {
		if t.Rule == "" && t.Metric == "errors" {
			return Verdict{}, false
		}
	}
	return Verdict{Threshold: AllFailedThreshold, Builtin: true,
		Value: fmt.Sprintf("every request failed (%d of %d): the run measured no response", run.Errors, run.Requests)}, true
}

// FailureSummary is the one line that says why verdicts failed: every
// request failing first, then how many thresholds did.
func FailureSummary(vs []Verdict) string {
	var parts []string
	failed, user := 0, 0
	for _, v := range vs {
		switch {
		case v.Builtin && !v.Passed:
			parts = append(parts, v.Value)
		case !v.Builtin:
			user++
			if !v.Passed {
				failed++
			}
		}
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d threshold verdicts failed", failed, user))
	}
	return strings.Join(parts, "; ")
}

// scope is what a threshold is judged on.
type scope struct {
	counts   Counts
	hist     *Histogram
	wait     *Histogram
	service  *Histogram
	measured time.Duration
}

func scopeOf(run *Run, r *RuleMetrics) scope {
	s := scope{counts: run.Counts, hist: run.Latency, wait: run.Wait, service: run.Service, measured: run.Meta.Measured}
	if r != nil {
		s.counts, s.hist = r.Counts, r.Latency
	}
	return s
}

func (t Threshold) judge(s scope) Verdict {
	v := Verdict{Threshold: t.Expr}
	var got float64
	switch t.class() {
	case metricLatency:
		h := s.hist
		m := t.Metric
		if rest, ok := strings.CutPrefix(m, "wait."); ok {
			h, m = s.wait, rest
		} else if rest, ok := strings.CutPrefix(m, "service."); ok {
			h, m = s.service, rest
		}
		if h == nil || h.Count() == 0 {
			v.Value = "no measurement"
			return v
		}
		d := latencyOf(h, m)
		got = float64(d)
		v.Value = fmt.Sprintf("%s=%s", t.Metric, fmtDuration(d))
	case metricErrors:
		n := errorCount(s.counts, t.Metric)
		if t.Count {
			got = float64(n)
			v.Value = fmt.Sprintf("%s=%d", t.Metric, n)
		} else {
			if s.counts.Requests > 0 {
				got = float64(n) / float64(s.counts.Requests)
			}
			v.Value = fmt.Sprintf("%s=%s (%d of %d)", t.Metric, fmtPercent(got), n, s.counts.Requests)
		}
	case metricRate:
		n := s.counts.Requests
		if t.Metric == "throughput" {
			n -= s.counts.Errors
		}
		if secs := s.measured.Seconds(); secs > 0 {
			got = float64(n) / secs
		}
		v.Value = fmt.Sprintf("%s=%.1f/s", t.Metric, got)
	}
	v.Passed = compare(got, t.Op, t.Limit)
	return v
}

func latencyOf(h *Histogram, m string) time.Duration {
	switch m {
	case "mean":
		return h.Mean()
	case "min":
		return h.Min()
	case "max":
		return h.Max()
	}
	q, _ := strconv.ParseFloat(m[1:], 64)
	return h.Quantile(q)
}

func errorCount(c Counts, metric string) int64 {
	switch metric {
	case "alb_errors":
		return c.Origins[OriginALB]
	case "target_errors":
		return c.Origins[OriginTarget]
	case "network_errors":
		return c.Origins[OriginNetwork]
	}
	return c.Errors
}

func compare(got float64, op string, limit float64) bool {
	switch op {
	case "<":
		return got < limit
	case "<=":
		return got <= limit
	case ">":
		return got > limit
	case ">=":
		return got >= limit
	}
	return false
}

// AbortWatch returns an Options.Watch that stops the run once every one of
// the last n whole seconds breached a run-wide latency or error threshold
// (rule-scoped, wait., service. and rate thresholds are only judged at the
// end). It returns nil when no threshold can be watched.
func AbortWatch(ths []Threshold, n int) func(time.Duration, []*Metrics) string {
	var watched []Threshold
	for _, t := range ths {
		if t.Rule != "" || strings.Contains(t.Metric, ".") || t.class() == metricRate || (t.class() == metricErrors && t.Metric != "errors") {
			continue
		}
		watched = append(watched, t)
	}
	if len(watched) == 0 || n <= 0 {
		return nil
	}
	return func(elapsed time.Duration, sets []*Metrics) string {
		// The last second's results are still arriving: judge the ones before.
		last := int(elapsed/time.Second) - 2
		if last+1 < n {
			return ""
		}
		for _, t := range watched {
			breached := true
			var v Verdict
			for w := last - n + 1; w <= last && breached; w++ {
				win := mergedWindow(sets, w)
				if win.Requests == 0 {
					breached = false
					break
				}
				v = t.judge(scope{counts: Counts{Requests: win.Requests, Errors: win.Errors}, hist: win.Latency.Dense(), measured: time.Second})
				breached = !v.Passed
			}
			if breached {
				return fmt.Sprintf("%s breached for %d s in a row (last: %s)", t.Expr, n, v.Value)
			}
		}
		return ""
	}
}

func mergedWindow(sets []*Metrics, t int) *Window {
	w := &Window{T: t, Latency: NewSparse()}
	for _, m := range sets {
		if t < len(m.Windows) {
			mw := m.Windows[t]
			w.Requests += mw.Requests
			w.Errors += mw.Errors
			w.Latency.Merge(mw.Latency)
		}
	}
	return w
}

func fmtDuration(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
	}
	return strconv.FormatInt(d.Microseconds(), 10) + "µs"
}

func fmtPercent(r float64) string {
	return strconv.FormatFloat(r*100, 'g', 4, 64) + "%"
}
