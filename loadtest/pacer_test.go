package loadtest

import (
	"math"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		bad  bool
	}{
		{in: "100", want: 100}, {in: "100/s", want: 100}, {in: "6000/1m", want: 100}, {in: "6000/m", want: 100},
		{in: "5/100ms", want: 50}, {in: "max", want: 0}, {in: "0", want: 0},
		{in: "-1", bad: true}, {in: "fast", bad: true}, {in: "10/x", bad: true}, {in: "10/0s", bad: true},
	} {
		got, err := ParseRate(tc.in)
		if (err != nil) != tc.bad || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("ParseRate(%q) = %v, %v", tc.in, got, err)
		}
	}
}

func TestParseRampAndSteps(t *testing.T) {
	st, err := ParseRamp("10:500/s:1m")
	if err != nil || st != (Stage{From: 10, To: 500, Duration: time.Minute}) {
		t.Errorf("ParseRamp = %+v, %v", st, err)
	}
	for _, bad := range []string{"10:500", "a:500:1m", "10:500:-1s", "0:0:1m", "10:500:soon"} {
		if _, err := ParseRamp(bad); err == nil {
			t.Errorf("ParseRamp(%q): no error", bad)
		}
	}
	steps, err := ParseSteps("100:30s, 200:1m")
	if err != nil || len(steps) != 2 || steps[1] != (Stage{From: 200, To: 200, Duration: time.Minute}) {
		t.Errorf("ParseSteps = %+v, %v", steps, err)
	}
	if _, err := ParseSteps("100:30s,0:1m"); err == nil {
		t.Error("a 0 step: no error")
	}
}

// The ramp pacer is a pure function: hits follow the integral of the rate,
// each hit's due time is where Pace waits until, and the schedule ends on
// time with the right total.
func TestRampPacer(t *testing.T) {
	s, err := NewShape(ShapeOptions{Ramp: &Stage{From: 10, To: 110, Duration: 10 * time.Second}, Duration: 15 * time.Second, Warmup: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// warm-up 2 s at 10/s (20) + ramp (10+110)/2·10 (600) + 5 s at 110/s (550)
	if got := s.Total(); got != 1170 {
		t.Errorf("total = %d, want 1170", got)
	}
	if s.Duration() != 17*time.Second {
		t.Errorf("duration = %s", s.Duration())
	}
	prev := time.Duration(-1)
	for n := uint64(0); n < s.Total(); n++ {
		due, ok := s.Due(n)
		if !ok {
			t.Fatalf("hit %d not scheduled", n)
		}
		if due <= prev && n > 0 {
			t.Fatalf("due(%d) = %s not after due(%d) = %s", n, due, n-1, prev)
		}
		prev = due
		// Pace asked just before the hit waits exactly until it is due.
		if w, stop := s.Pace(due-time.Millisecond, n); stop || w != time.Millisecond {
			t.Fatalf("Pace before hit %d = %s, %v", n, w, stop)
		}
		if w, _ := s.Pace(due+time.Second, n); w != 0 {
			t.Fatalf("Pace behind schedule = %s, want 0", w)
		}
	}
	if _, stop := s.Pace(s.Duration(), s.Total()); !stop {
		t.Error("Pace past the schedule does not stop")
	}
	// The ramp's midpoint (7 s in) runs at 60/s: 20 + ∫₀⁵(10+10t)dt = 20+50+125 = 195 hits by then.
	due, _ := s.Due(195)
	if d := due - 7*time.Second; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("due(195) = %s, want 7 s", due)
	}
	if r := s.Rate(7 * time.Second); math.Abs(r-60) > 1e-9 {
		t.Errorf("rate at 7 s = %v, want 60", r)
	}
	// Constant: hit n due at n/rate.
	c := &Shape{Stages: []Stage{{From: 200, To: 200, Duration: time.Second}}}
	if d, _ := c.Due(100); d != 500*time.Millisecond {
		t.Errorf("constant due(100) = %s", d)
	}
	// A ramp down to 0 still ends.
	down := &Shape{Stages: []Stage{{From: 100, To: 0, Duration: 2 * time.Second}}}
	if down.Total() != 100 {
		t.Errorf("ramp down total = %d", down.Total())
	}
	if d, ok := down.Due(99); !ok || d > 2*time.Second {
		t.Errorf("ramp down last hit %s %v", d, ok)
	}
}

func TestNewShapeErrors(t *testing.T) {
	for _, o := range []ShapeOptions{
		{Rate: 10},
		{},
		{Ramp: &Stage{From: 1, To: 2, Duration: time.Second}, Steps: []Stage{{From: 1, To: 1, Duration: time.Second}}},
		{Rate: 10, Duration: time.Second, Warmup: -time.Second},
	} {
		if _, err := NewShape(o); err == nil {
			t.Errorf("NewShape(%+v): no error", o)
		}
	}
	s, err := NewShape(ShapeOptions{Duration: time.Second, Warmup: time.Second})
	if err != nil || s.Paced() || s.Duration() != 2*time.Second {
		t.Errorf("max-rate shape = %+v, %v", s, err)
	}
}
