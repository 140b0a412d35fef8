package loadtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Stage is one part of a load shape: the request rate goes linearly from
// From to To requests per second over Duration (From == To: constant).
type Stage struct {
	From     float64       `json:"from"`
	To       float64       `json:"to"`
	Duration time.Duration `json:"duration"`
}

// Shape is an open-model load shape: stages run one after the other, the
// first Warmup of it excluded from results. It is a vegeta.Pacer and, being
// a pure function of time, knows when each hit is due (Due), which is what
// lets latency be measured from the scheduled send time. A Shape with no
// stage sends as fast as the workers allow (closed model, no schedule) for
// MaxDuration.
type Shape struct {
	Stages []Stage       `json:"stages,omitempty"`
	Warmup time.Duration `json:"warmup,omitempty"`
	Max    time.Duration `json:"max,omitempty"` // duration of an unpaced run
	hits   []float64     // cumulative hits at each stage's start
	starts []time.Duration
}

var _ vegeta.Pacer = (*Shape)(nil)

// Paced reports whether the shape has a schedule (a rate), as opposed to
// sending as fast as possible.
func (s *Shape) Paced() bool { return len(s.Stages) > 0 }

// Duration is the whole run, warm-up included.
func (s *Shape) Duration() time.Duration {
	if !s.Paced() {
		return s.Max
	}
	var d time.Duration
	for _, st := range s.Stages {
		d += st.Duration
	}
	return d
}

func (s *Shape) index() {
	if s.hits != nil || !s.Paced() {
		return
	}
	h, t := 0.0, time.Duration(0)
	for _, st := range s.Stages {
		s.hits = append(s.hits, h)
		s.starts = append(s.starts, t)
		h += (st.From + st.To) / 2 * st.Duration.Seconds()
		t += st.Duration
	}
	s.hits = append(s.hits, h)
	s.starts = append(s.starts, t)
}

// Total is the number of hits the schedule holds.
func (s *Shape) Total() uint64 {
	if !s.Paced() {
		return 0
	}
	s.index()
	return uint64(math.Ceil(s.hits[len(s.hits)-1]))
}

// Due returns when hit n (from 0) is scheduled, from the start of the run,
// and false when the schedule ends before it.
func (s *Shape) Due(n uint64) (time.Duration, bool) {
	if !s.Paced() {
		return 0, false
	}
	s.index()
	m := float64(n)
	for i, st := range s.Stages {
		if m >= s.hits[i+1] {
			continue
		}
		left := m - s.hits[i]
		d := st.Duration.Seconds()
		k := (st.To - st.From) / d // rate change per second
		// Solve From·τ + k·τ²/2 = left in the stable form.
		disc := st.From*st.From + 2*k*left
		if disc < 0 {
			disc = 0
		}
		den := st.From + math.Sqrt(disc)
		if den <= 0 {
			continue
		}
		tau := 2 * left / den
		return s.starts[i] + time.Duration(tau*1e9), true
	}
	return 0, false
}

// Pace implements vegeta.Pacer: wait until hit number hits is due, stop
// when the schedule is over, in hits or in time (a generator that fell
// behind stops at the end of the schedule all the same).
func (s *Shape) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if !s.Paced() {
		return 0, s.Max > 0 && elapsed >= s.Max
	}
	if elapsed >= s.Duration()+sendGrace {
		return 0, true // the schedule is over: what is still due is missed
	}
	due, ok := s.Due(hits)
	if !ok {
		return 0, true
	}
	if due <= elapsed {
		return 0, false
	}
	return due - elapsed, false
}

// Rate implements vegeta.Pacer: the scheduled rate at elapsed (0 unpaced).
func (s *Shape) Rate(elapsed time.Duration) float64 {
	var t time.Duration
	for _, st := range s.Stages {
		if elapsed < t+st.Duration {
			f := float64(elapsed-t) / float64(st.Duration)
			return st.From + (st.To-st.From)*f
		}
		t += st.Duration
	}
	return 0
}

// String describes the shape for reports.
func (s *Shape) String() string {
	if !s.Paced() {
		out := fmt.Sprintf("max rate for %s", s.Max-s.Warmup)
		if s.Warmup > 0 {
			out += fmt.Sprintf(" after a %s warm-up", s.Warmup)
		}
		return out
	}
	stages := s.Stages
	if s.Warmup > 0 && len(stages) > 1 {
		stages = stages[1:]
	}
	parts := make([]string, 0, len(stages))
	for _, st := range stages {
		if st.From == st.To {
			parts = append(parts, fmt.Sprintf("%s/s for %s", fmtRate(st.From), st.Duration))
		} else {
			parts = append(parts, fmt.Sprintf("%s→%s/s over %s", fmtRate(st.From), fmtRate(st.To), st.Duration))
		}
	}
	out := strings.Join(parts, ", then ")
	if s.Warmup > 0 {
		out += fmt.Sprintf(" after a %s warm-up", s.Warmup)
	}
	return out
}

func fmtRate(r float64) string { return strconv.FormatFloat(r, 'f', -1, 64) }

// ParseRate parses a request rate: N, N/s, N/1m, N/100ms ("0" or "max":
// as fast as possible, returned as 0).
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "max" || s == "0" {
		return 0, nil
	}
	num, per, hasPer := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate %q: want N, N/s, N/1m or N/100ms (e.g. 500/s), or max", s)
	}
	unit := time.Second
	if hasPer {
		if per != "" && (per[0] < '0' || per[0] > '9') {
			per = "1" + per
		}
		unit, err = time.ParseDuration(per)
		if err != nil || unit <= 0 {
			return 0, fmt.Errorf("rate %q: the period %q is not a duration (want e.g. 500/s or 30000/1m)", s, per)
		}
	}
	return n / unit.Seconds(), nil
}

// ParseRamp parses START:END:DURATION (rates as ParseRate, e.g.
// 10:500/s:1m): the rate goes linearly from START to END over DURATION.
func ParseRamp(s string) (Stage, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Stage{}, fmt.Errorf("ramp %q: want START:END:DURATION (e.g. 10:500:1m)", s)
	}
	from, err := ParseRate(parts[0])
	if err != nil {
		return Stage{}, fmt.Errorf("ramp %q: %w", s, err)
	}
	to, err := ParseRate(parts[1])
	if err != nil {
		return Stage{}, fmt.Errorf("ramp %q: %w", s, err)
	}
	d, err := time.ParseDuration(parts[2])
	if err != nil || d <= 0 {
		return Stage{}, fmt.Errorf("ramp %q: duration %q is not a positive duration (e.g. 1m)", s, parts[2])
	}
	if from == 0 && to == 0 {
		return Stage{}, fmt.Errorf("ramp %q: both rates are 0", s)
	}
	return Stage{From: from, To: to, Duration: d}, nil
}

// ParseSteps parses RATE:DURATION,RATE:DURATION… into constant stages.
func ParseSteps(s string) ([]Stage, error) {
	var out []Stage
	for _, p := range strings.Split(s, ",") {
		r, d, ok := strings.Cut(strings.TrimSpace(p), ":")
		rate, err := ParseRate(r)
		if !ok || err != nil || rate == 0 {
			return nil, fmt.Errorf("steps %q: step %q: want RATE:DURATION with a rate > 0 (e.g. 100:30s,200:30s)", s, p)
		}
		dur, err := time.ParseDuration(d)
		if err != nil || dur <= 0 {
			return nil, fmt.Errorf("steps %q: step %q: %q is not a positive duration", s, p, d)
		}
		out = append(out, Stage{From: rate, To: rate, Duration: dur})
	}
	return out, nil
}

// ShapeOptions are the load-shape flags, typed.
type ShapeOptions struct {
	Rate     float64 // requests/s; 0 with no Ramp/Steps: as fast as possible
	Duration time.Duration
	Ramp     *Stage
	Steps    []Stage
	Warmup   time.Duration
}

// NewShape builds the shape: the warm-up at the first stage's starting rate,
// then a ramp (held at its end rate for the rest of Duration), steps, or a
// constant rate for Duration.
func NewShape(o ShapeOptions) (*Shape, error) {
	if o.Warmup < 0 || o.Duration < 0 {
		return nil, fmt.Errorf("durations must not be negative")
	}
	tooLong := func(d time.Duration) bool { return d < 0 || d > MaxWindows*time.Second }
	if tooLong(o.Warmup) || tooLong(o.Duration) || tooLong(o.Warmup+o.Duration) {
		return nil, errTooLong
	}
	var main []Stage
	switch {
	case o.Ramp != nil && len(o.Steps) > 0:
		return nil, fmt.Errorf("--ramp and --steps cannot be combined")
	case o.Ramp != nil:
		main = append(main, *o.Ramp)
		if o.Duration > o.Ramp.Duration {
			main = append(main, Stage{From: o.Ramp.To, To: o.Ramp.To, Duration: o.Duration - o.Ramp.Duration})
		}
	case len(o.Steps) > 0:
		main = o.Steps
	case o.Rate > 0:
		if o.Duration <= 0 {
			return nil, fmt.Errorf("a rate needs a --duration")
		}
		main = []Stage{{From: o.Rate, To: o.Rate, Duration: o.Duration}}
	default:
		if o.Duration <= 0 {
			return nil, fmt.Errorf("a run at max rate needs a --duration")
		}
		return &Shape{Max: o.Warmup + o.Duration, Warmup: o.Warmup}, nil
	}
	s := &Shape{Warmup: o.Warmup}
	if o.Warmup > 0 {
		r := main[0].From
		if r == 0 {
			r = main[0].To
		}
		s.Stages = append(s.Stages, Stage{From: r, To: r, Duration: o.Warmup})
	}
	s.Stages = append(s.Stages, main...)
	var total time.Duration
	for _, st := range s.Stages {
		if total += st.Duration; tooLong(st.Duration) || tooLong(total) {
			return nil, errTooLong
		}
	}
	return s, nil
}

// errTooLong refuses a shape longer than a run can keep.
var errTooLong = fmt.Errorf("a run lasts at most 24h, warm-up included (it keeps a window per second): split a longer test into several runs")
