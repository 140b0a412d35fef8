package loadtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// ReadRun reads a RUN.json.
func ReadRun(rd io.Reader) (*Run, error) {
	var r Run
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotARun, err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrNotARun, r.Schema, Schema)
	}
	if r.Latency == nil || r.Service == nil || r.Wait == nil {
		return nil, fmt.Errorf("%w: histograms missing", ErrNotARun)
	}
	for _, rule := range r.Rules {
		if rule.Latency == nil {
			rule.Latency = NewHistogram()
		}
	}
	for _, p := range r.Pods {
		if p.Latency == nil {
			p.Latency = NewSparse()
		}
	}
	for _, w := range r.Windows {
		if w.Latency == nil {
			w.Latency = NewSparse()
		}
	}
	r.Summary = r.Summarize()
	return &r, nil
}

// LoadRun reads a RUN.json file.
func LoadRun(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	defer f.Close()
	r, err := ReadRun(f)
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
	out.Summary = out.Summarize()
	return out, nil
}
