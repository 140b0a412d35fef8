package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// boundedAttack runs an attack that must end on its own well before
// limit; the context only guards the test against a run without bounds.
func boundedAttack(t *testing.T, o Options, limit time.Duration) (*Run, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit+5*time.Second)
	defer cancel()
	t0 := time.Now()
	runs, err := Attack(ctx, o)
	took := time.Since(t0)
	if err != nil {
		t.Fatalf("after %s: %v (the run did not end at its duration)", took, err)
	}
	if took > limit {
		t.Fatalf("the run took %s, want at most %s", took, limit)
	}
	return runs[0], took
}

// A rate no generator can send (1e18/s) against a fast loopback server
// ends at --duration: what was not sent is reported as missed, not sent
// late for as long as the backlog lasts.
func TestDurationBoundsABackloggedRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	targets, _ := URLTargets([]string{srv.URL + "/"}, RequestOptions{})
	const du, timeout = 300 * time.Millisecond, time.Second
	run, took := boundedAttack(t, Options{
		Targets: targets, Shape: constShape(t, 1e18, du, 0), MaxWorkers: 16,
		Transport: TransportOptions{KeepAlive: true, Timeout: timeout},
	}, du+timeout+time.Second)
	t.Logf("took %s: %d requests, %d missed", took, run.Requests, run.Meta.Missed)
	if run.Requests == 0 || run.Meta.Missed < 1e17 {
		t.Errorf("requests = %d, missed = %d; want some requests and the backlog (~3e17) missed", run.Requests, run.Meta.Missed)
	}
	if run.Meta.Measured != du {
		t.Errorf("measured = %s, want %s", run.Meta.Measured, du)
	}
	var b strings.Builder
	if err := WriteText(&b, run); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "missed sends: ") {
		t.Errorf("the text report does not mention the missed sends:\n%s", b.String())
	}
}

// Against a server that never answers, the run ends at --duration plus
// --timeout, and the requests in flight never exceed --max-workers.
func TestDurationBoundsAHangingServer(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	inFlight, peak := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-release:
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
	}))
	defer srv.Close()
	defer close(release)
	targets, _ := URLTargets([]string{srv.URL + "/"}, RequestOptions{})
	const du, timeout, workers = 200 * time.Millisecond, 300 * time.Millisecond, 8
	run, took := boundedAttack(t, Options{
		Targets: targets, Shape: constShape(t, 1e18, du, 0), MaxWorkers: workers,
		Transport: TransportOptions{KeepAlive: true, Timeout: timeout},
	}, du+timeout+time.Second)
	mu.Lock()
	defer mu.Unlock()
	t.Logf("took %s: %d requests, %d canceled, %d missed, peak %d in flight", took, run.Requests, run.Meta.Canceled, run.Meta.Missed, peak)
	if peak > workers {
		t.Errorf("%d requests in flight at the server, want at most --max-workers %d", peak, workers)
	}
	if run.Meta.Missed == 0 {
		t.Error("missed = 0, want the backlog")
	}
}

// A paced run is bounded in flight by default, not only at --rate max.
func TestMaxWorkersBoundedByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	targets, _ := URLTargets([]string{srv.URL + "/"}, RequestOptions{})
	run := attack(t, Options{Targets: targets, Shape: constShape(t, 50, 100*time.Millisecond, 0)})
	if got := run.Meta.Options.MaxWorkers; got != DefaultMaxWorkers {
		t.Errorf("maxWorkers = %d, want %d", got, DefaultMaxWorkers)
	}
	if run.Meta.Missed != 0 {
		t.Errorf("missed = %d at 50/s, want 0", run.Meta.Missed)
	}
}

// The pacer itself stops at the end of the schedule with hits still due.
func TestPaceStopsAtTheEndWhateverIsDue(t *testing.T) {
	s := constShape(t, 1e18, time.Second, 0)
	if _, stop := s.Pace(500*time.Millisecond, 1000); stop {
		t.Error("stopped halfway through")
	}
	if _, stop := s.Pace(time.Second+sendGrace, 1000); !stop {
		t.Error("went on past the end of the schedule with 1000 of 1e18 hits sent")
	}
}
