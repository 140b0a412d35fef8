package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Schema names the RUN.json format; a change that old readers would
// misread gets a new version.
const Schema = "lbctl.dev/loadtest-run/v1"

// Run is a load test's outcome as RUN.json holds it: what was asked
// (Meta), what was measured (Metrics, lossless), and a summary derived
// from them for people and scripts (recomputed on load).
type Run struct {
	Schema string `json:"schema"`
	Meta   Meta   `json:"meta"`
	// Summary is derived from the metrics when saved; readers should
	// prefer it to decoding histograms.
	Summary *Summary `json:"summary,omitempty"`
	Metrics
	// Thresholds are the verdicts, when thresholds were given.
	Thresholds []Verdict `json:"thresholds,omitempty"`
}

// Meta describes a run.
type Meta struct {
	Tool    string `json:"tool"`
	Version string `json:"version,omitempty"`
	// Name is the run's label: "run", or the side of an A/B test.
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	// Measured is how long the measured part lasted (after the warm-up).
	Measured time.Duration `json:"measuredNs"`
	Shape    *Shape        `json:"shape,omitempty"`
	Targets  []Target      `json:"targets"`
	Options  RunOptions    `json:"options"`
	// Warmup counts the requests of the warm-up, excluded from the metrics.
	Warmup int64 `json:"warmupRequests,omitempty"`
	// Canceled counts requests cut short by a stop, or still in flight
	// --timeout after the end of the schedule; excluded too.
	Canceled int64 `json:"canceledRequests,omitempty"`
	// Missed counts the requests a paced shape scheduled but that were
	// never sent: the generator fell behind (a rate beyond what the workers
	// or the machine can send) and the run ended at its duration anyway.
	Missed int64 `json:"missedSends,omitempty"`
	// Interrupted is set when the run was stopped before its end (Ctrl-C).
	Interrupted bool `json:"interrupted,omitempty"`
	// Aborted says why --abort-on-fail stopped the run.
	Aborted string `json:"aborted,omitempty"`
	// Merged is how many runs were merged into this one (distributed
	// workers); 0 or 1 for a single process.
	Merged int `json:"merged,omitempty"`
}

// RunOptions are the engine settings a run used.
type RunOptions struct {
	Workers uint64 `json:"workers"`
	// MaxWorkers is 0 when unbounded.
	MaxWorkers  uint64        `json:"maxWorkers"`
	Connections int           `json:"connections"`
	MaxConns    int           `json:"maxConnections,omitempty"`
	KeepAlive   bool          `json:"keepAlive"`
	HTTP2       bool          `json:"http2"`
	Timeout     time.Duration `json:"timeoutNs"`
	DNSTTL      time.Duration `json:"dnsTTLNs"`
	PodHeader   string        `json:"podHeader,omitempty"`
}

// Summary is the run at a glance.
type Summary struct {
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
	ErrorRatio float64 `json:"errorRatio"`
	// Rate is requests per second over the measured time; Throughput the
	// successful ones.
	Rate       float64          `json:"rate"`
	Throughput float64          `json:"throughput"`
	Latency    LatencySummary   `json:"latency"`
	Wait       LatencySummary   `json:"wait"`
	Codes      map[string]int64 `json:"codes,omitempty"`
	Rules      []RuleSummary    `json:"rules,omitempty"`
}

// LatencySummary are a histogram's usual figures, in milliseconds.
type LatencySummary struct {
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99.9"`
	Max   float64 `json:"max"`
	Count int64   `json:"count"`
}

// RuleSummary is one rule at a glance.
type RuleSummary struct {
	Name       string         `json:"name"`
	Requests   int64          `json:"requests"`
	Errors     int64          `json:"errors"`
	ErrorRatio float64        `json:"errorRatio"`
	Latency    LatencySummary `json:"latency"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Summarize derives a LatencySummary from a histogram.
func Summarize(h *Histogram) LatencySummary {
	return LatencySummary{
		Mean: ms(h.Mean()), P50: ms(h.Quantile(50)), P90: ms(h.Quantile(90)), P95: ms(h.Quantile(95)),
		P99: ms(h.Quantile(99)), P999: ms(h.Quantile(99.9)), Max: ms(h.Max()), Count: h.Count(),
	}
}

// Summarize computes the summary.
func (r *Run) Summarize() *Summary {
	s := &Summary{
		Requests: r.Requests, Errors: r.Errors, ErrorRatio: r.ErrorRatio(),
		Latency: Summarize(r.Latency), Wait: Summarize(r.Wait), Codes: r.Codes,
	}
	if secs := r.Meta.Measured.Seconds(); secs > 0 {
		s.Rate = float64(r.Requests) / secs
		s.Throughput = float64(r.Requests-r.Errors) / secs
	}
	for _, rule := range r.Rules {
		s.Rules = append(s.Rules, RuleSummary{Name: rule.Name, Requests: rule.Requests, Errors: rule.Errors,
			ErrorRatio: rule.ErrorRatio(), Latency: Summarize(rule.Latency)})
	}
	return s
}

// WriteJSON writes the run as RUN.json.
func (r *Run) WriteJSON(w io.Writer) error {
	r.Schema = Schema
	r.Summary = r.Summarize()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encode run: %w", err)
	}
	return nil
}

// Save writes the run to path atomically (a temporary file renamed).
func (r *Run) Save(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lbctl-run-*.json")
	if err != nil {
		return fmt.Errorf("save run %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := r.WriteJSON(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("save run %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save run %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save run %s: %w", path, err)
	}
	return nil
}

// ErrNotARun is returned for a file that is not a RUN.json.
var ErrNotARun = errors.New("not an lbctl load-test run")

// maxCount bounds every count a RUN.json may hold (2^50, a million
// requests a second for 35 years), so that adding the counts of merged
// runs cannot overflow.
const maxCount = 1 << 50

// ReadRun reads a RUN.json of at most MaxRunFileBytes. Values lbctl could
// not hold or merge (counts past 2^50 or negative, windows past
// MaxWindows, more rules than MaxTargets or pods than MaxPods) are refused
// before any histogram is decoded.
func ReadRun(rd io.Reader) (*Run, error) {
	b, err := readLimited(rd, MaxRunFileBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotARun, err)
	}
	// A first pass reads the sizes only: a file of 100,000 rules is
	// refused before 100,000 histograms are allocated.
	var shape struct {
		Schema  string            `json:"schema"`
		Rules   []struct{}        `json:"rules"`
		Pods    []struct{}        `json:"pods"`
		Windows []struct{ T any } `json:"windows"`
		Meta    struct {
			Targets []struct{} `json:"targets"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(b, &shape); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotARun, err)
	}
	if shape.Schema != Schema {
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrNotARun, TerminalText(shape.Schema), Schema)
	}
	switch {
	case len(shape.Rules) > MaxTargets:
		return nil, fmt.Errorf("%w: %d rules, more than %d", ErrNotARun, len(shape.Rules), MaxTargets)
	case len(shape.Meta.Targets) > MaxTargets:
		return nil, fmt.Errorf("%w: %d targets, more than %d", ErrNotARun, len(shape.Meta.Targets), MaxTargets)
	case len(shape.Pods) > MaxPods:
		return nil, fmt.Errorf("%w: %d pods, more than %d", ErrNotARun, len(shape.Pods), MaxPods)
	case len(shape.Windows) > MaxWindows:
		return nil, fmt.Errorf("%w: %d windows, more than %d (24 h)", ErrNotARun, len(shape.Windows), MaxWindows)
	}
	for _, w := range shape.Windows {
		if t, ok := w.T.(float64); ok && (t < 0 || t >= MaxWindows) {
			return nil, fmt.Errorf("%w: a window at t=%.0f s, outside a run's 24 h (0 to %d s)", ErrNotARun, t, MaxWindows-1)
		}
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotARun, err)
	}
	if r.Latency == nil || r.Service == nil || r.Wait == nil {
		return nil, fmt.Errorf("%w: histograms missing", ErrNotARun)
	}
	for _, rule := range r.Rules {
		if rule == nil {
			return nil, fmt.Errorf("%w: a null rule", ErrNotARun)
		}
		if rule.Latency == nil {
			rule.Latency = NewHistogram()
		}
	}
	for _, p := range r.Pods {
		if p == nil {
			return nil, fmt.Errorf("%w: a null pod", ErrNotARun)
		}
		if p.Latency == nil {
			p.Latency = NewSparse()
		}
	}
	if o := r.OtherPods; o != nil && o.Latency == nil {
		o.Latency = NewSparse()
	}
	for _, w := range r.Windows {
		if w == nil {
			return nil, fmt.Errorf("%w: a null window", ErrNotARun)
		}
		if w.Latency == nil {
			w.Latency = NewSparse()
		}
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotARun, err)
	}
	r.Summary = r.Summarize()
	return &r, nil
}

// check refuses what lbctl cannot hold: counts negative or past maxCount,
// durations negative or past MaxWindows seconds, windows outside the run.
func (r *Run) check() error {
	bad := func(what string, v any) error {
		return fmt.Errorf("%s = %v: out of range", what, v)
	}
	counts := func(what string, c Counts) error {
		if c.Requests < 0 || c.Requests > maxCount || c.Errors < 0 || c.Errors > c.Requests {
			return fmt.Errorf("%s: requests = %d, errors = %d: out of range", what, c.Requests, c.Errors)
		}
		for _, m := range []map[string]int64{c.Codes, c.Kinds, c.Origins} {
			for k, v := range m {
				if v < 0 || v > maxCount {
					return bad(what+" count "+strconvQuote(k), v)
				}
			}
		}
		return nil
	}
	if err := counts("run", r.Counts); err != nil {
		return err
	}
	if r.BytesOut < 0 {
		return bad("bytesOut", r.BytesOut)
	}
	m := r.Meta
	const maxSpan = MaxWindows * time.Second
	if m.Measured < 0 || m.Measured > maxSpan {
		return bad("measuredNs", int64(m.Measured))
	}
	if m.Options.Timeout < 0 || m.Options.DNSTTL < 0 {
		return bad("options", fmt.Sprintf("timeoutNs %d, dnsTTLNs %d", m.Options.Timeout, m.Options.DNSTTL))
	}
	for _, n := range []struct {
		what string
		v    int64
	}{{"warmupRequests", m.Warmup}, {"canceledRequests", m.Canceled}, {"missedSends", m.Missed}, {"merged", int64(m.Merged)}} {
		if n.v < 0 {
			return bad(n.what, n.v)
		}
	}
	for _, rule := range r.Rules {
		if err := counts("rule "+strconvQuote(rule.Name), rule.Counts); err != nil {
			return err
		}
	}
	for _, p := range r.Pods {
		if err := counts("pod "+strconvQuote(p.Name), p.Counts); err != nil {
			return err
		}
	}
	if o := r.OtherPods; o != nil {
		if err := counts("otherPods", o.Counts); err != nil {
			return err
		}
		if o.Pods < 0 || o.Pods > maxCount {
			return bad("otherPods.pods", o.Pods)
		}
	}
	for _, w := range r.Windows {
		if w.T < 0 || w.T >= MaxWindows {
			return bad("window t", w.T)
		}
		if w.Requests < 0 || w.Requests > maxCount || w.Errors < 0 || w.Errors > w.Requests {
			return fmt.Errorf("window t=%d: requests = %d, errors = %d: out of range", w.T, w.Requests, w.Errors)
		}
	}
	if s := m.Shape; s != nil {
		if len(s.Stages) > maxStages || s.Warmup < 0 || s.Max < 0 {
			return fmt.Errorf("shape: out of range")
		}
		for _, st := range s.Stages {
			if st.Duration < 0 || st.From < 0 || st.To < 0 || st.From > maxRate || st.To > maxRate {
				return fmt.Errorf("shape: a stage out of range")
			}
		}
	}
	return nil
}

// Bounds of a saved shape: stages and rates a run could have had.
const (
	maxStages = 10000
	maxRate   = 1e18
)

func strconvQuote(s string) string { return strconv.Quote(TerminalText(s)) }

// LoadRun reads a RUN.json file: a regular file of at most
// MaxRunFileBytes.
func LoadRun(path string) (*Run, error) {
	b, err := ReadFile(path, MaxRunFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	r, err := ReadRun(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", path, err)
	}
	return r, nil
}

// MergeRuns merges runs of the same test (distributed workers): counts
// added, histograms merged exactly, windows aligned on wall-clock seconds,
// the measured time the longest, the targets of the first run.
func MergeRuns(runs ...*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, errors.New("merge: no run")
	}
	out := &Run{Schema: Schema, Meta: runs[0].Meta, Metrics: *NewMetrics(nil)}
	out.Meta.Merged, out.Meta.Warmup, out.Meta.Canceled, out.Meta.Missed = 0, 0, 0, 0
	for _, r := range runs {
		if r.Meta.Started.Before(out.Meta.Started) {
			out.Meta.Started = r.Meta.Started
		}
	}
	// The merged windows must fit in MaxWindows: a run that started too
	// long after the first is not part of the same test.
	for _, r := range runs {
		end := r.Meta.Measured
		for _, w := range r.Windows {
			end = max(end, time.Duration(w.T+1)*time.Second)
		}
		if span := r.Meta.Started.Sub(out.Meta.Started); span < 0 || span > MaxWindows*time.Second-end {
			return nil, fmt.Errorf("merge: run %s started %s after the first and lasted %s: not one test (a merged run spans at most 24 h)", TerminalText(r.Meta.Name), span.Round(time.Second), end)
		}
	}
	for _, r := range runs {
		shift := int(r.Meta.Started.Sub(out.Meta.Started).Round(time.Second) / time.Second)
		out.Metrics.Merge(&r.Metrics, shift)
		out.Meta.Measured = max(out.Meta.Measured, r.Meta.Measured+time.Duration(shift)*time.Second)
		out.Meta.Warmup += r.Meta.Warmup
		out.Meta.Canceled += r.Meta.Canceled
		out.Meta.Missed += r.Meta.Missed
		out.Meta.Interrupted = out.Meta.Interrupted || r.Meta.Interrupted
		if out.Meta.Aborted == "" {
			out.Meta.Aborted = r.Meta.Aborted
		}
		out.Meta.Merged += max(r.Meta.Merged, 1)
	}
	if err := out.check(); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	out.Summary = out.Summarize()
	return out, nil
}
