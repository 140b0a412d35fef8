package loadtest

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// Histograms merged from several workers equal one histogram of all the
// samples: what makes a distributed run's percentiles exact.
func TestHistogramMergeEqualsSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	single := NewHistogram()
	parts := []*Histogram{NewHistogram(), NewHistogram(), NewHistogram()}
	for i := range 30000 {
		// log-normal-ish latencies from 100 µs to seconds, plus outliers
		d := time.Duration(rng.ExpFloat64() * float64(3*time.Millisecond))
		if i%997 == 0 {
			d = 2*time.Hour + time.Duration(i) // clamped to the range
		}
		single.Record(d)
		parts[i%3].Record(d)
	}
	merged := NewHistogram()
	for _, p := range parts {
		// through JSON, as the worker pods hand them over
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Histogram
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !back.Equal(p) {
			t.Fatal("JSON round trip changed the histogram")
		}
		merged.Merge(&back)
	}
	if !merged.Equal(single) {
		t.Fatal("merged histogram differs from the single-process one")
	}
	for _, q := range []float64{50, 90, 99, 99.9, 100} {
		if merged.Quantile(q) != single.Quantile(q) {
			t.Errorf("p%v: %s vs %s", q, merged.Quantile(q), single.Quantile(q))
		}
	}
	if m := single.Max(); m < time.Hour || m > time.Hour+time.Hour/1000 {
		t.Errorf("max = %s, want clamped to 1h (within the 0.1%% bucket)", m)
	}
	// Sparse (windows, pods) agrees with dense.
	sp := NewSparse()
	for _, p := range parts {
		sp.Merge(p.toSparse())
	}
	if !sp.Dense().Equal(single) {
		t.Error("sparse merge differs")
	}
	b, _ := json.Marshal(sp)
	var sb Sparse
	if err := json.Unmarshal(b, &sb); err != nil || !sb.Dense().Equal(single) {
		t.Errorf("sparse JSON round trip: %v", err)
	}
}

func (h *Histogram) toSparse() *Sparse {
	s := NewSparse()
	s.p.MergeFrom(h.h)
	return s
}

// A run's metrics merged from parts equal the metrics of the whole.
func TestMetricsMerge(t *testing.T) {
	whole := NewMetrics([]string{"a", "b"})
	parts := []*Metrics{NewMetrics([]string{"a", "b"}), NewMetrics([]string{"a", "b"})}
	for i := range 1000 {
		s := sample{rule: i % 2, offset: time.Duration(i) * 5 * time.Millisecond, latency: time.Duration(i) * time.Microsecond, code: 200, pod: []string{"p1", "p2", "p3"}[i%3]}
		if i%10 == 0 {
			s.code, s.kind, s.origin = 503, KindHTTP5xx, OriginALB
		}
		whole.add(s)
		parts[i%2].add(s)
	}
	merged := NewMetrics(nil)
	for _, p := range parts {
		merged.Merge(p, 0)
	}
	if merged.Requests != 1000 || merged.Errors != 100 || merged.Origins[OriginALB] != 100 || !merged.Latency.Equal(whole.Latency) {
		t.Errorf("merged counts %+v", merged.Counts)
	}
	for _, r := range whole.Rules {
		m := merged.Rule(r.Name)
		if m == nil || m.Requests != r.Requests || !m.Latency.Equal(r.Latency) {
			t.Errorf("rule %s differs", r.Name)
		}
	}
	if len(merged.Windows) != len(whole.Windows) || merged.Windows[3].Requests != whole.Windows[3].Requests {
		t.Errorf("windows %d vs %d", len(merged.Windows), len(whole.Windows))
	}
	if len(merged.Pods) != 3 || merged.pods["p2"].Requests != whole.pods["p2"].Requests {
		t.Errorf("pods %+v", merged.Pods)
	}
}

// Runs of distributed workers merge into one: counts add, histograms merge
// exactly, windows line up on wall-clock seconds.
func TestMergeRuns(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(offset time.Duration, n int) *Run {
		m := NewMetrics([]string{"r"})
		for i := range n {
			m.add(sample{offset: time.Duration(i) * 10 * time.Millisecond, latency: time.Duration(i+1) * time.Millisecond, code: 200})
		}
		return &Run{Schema: Schema, Metrics: *m, Meta: Meta{Name: "run", Started: start.Add(offset), Measured: time.Duration(n) * 10 * time.Millisecond, Warmup: 5}}
	}
	a, b := mk(0, 300), mk(time.Second, 200)
	m, err := MergeRuns(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := NewHistogram()
	want.Merge(a.Latency)
	want.Merge(b.Latency)
	if m.Requests != 500 || !m.Latency.Equal(want) || m.Meta.Merged != 2 || m.Meta.Warmup != 10 {
		t.Errorf("merged: %+v %+v", m.Counts, m.Meta)
	}
	// a covers seconds 0-2, b (one second later) 1-2: second 1 holds a's 100 and b's 100.
	if len(m.Windows) != 3 || m.Windows[1].Requests != 200 || m.Windows[2].Requests != 200 {
		for _, w := range m.Windows {
			t.Logf("window %d: %d", w.T, w.Requests)
		}
		t.Error("windows not aligned")
	}
	if m.Meta.Measured != 3*time.Second {
		t.Errorf("measured %s", m.Meta.Measured)
	}
}
