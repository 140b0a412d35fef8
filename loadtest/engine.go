package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"golang.org/x/net/http/httpguts"
)

// DefaultPodHeader is the response header that names the pod that answered
// (the sandbox's pods send it; an application can too).
const DefaultPodHeader = "X-Lbctl-Pod"

// CheckPodHeader checks a pod header's name as net/http checks a header
// field name ("" and "-" mean the default and none).
func CheckPodHeader(name string) error {
	if name == "" || name == "-" || httpguts.ValidHeaderFieldName(name) {
		return nil
	}
	return fmt.Errorf("pod header %q: not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", name)
}

// Options configure an attack.
type Options struct {
	Targets []Target
	Shape   *Shape
	// Workers is the initial number of vegeta workers; MaxWorkers bounds
	// them, and so the requests in flight (0: DefaultMaxWorkers when
	// paced, 32 at max rate).
	Workers    uint64
	MaxWorkers uint64
	Transport  TransportOptions
	// Redirects is how many redirects to follow (0: none, the 3xx is the
	// result).
	Redirects int
	// Resolve pins host:port pairs to addresses (--resolve, LBCTL_RESOLVE).
	Resolve []ResolveEntry
	// Lookup resolves other host names (nil: host names are dialled as
	// they are, which only works for IP literals and the Dial given).
	Lookup HostLookup
	// DNSTTL re-resolves host names this often (0: once).
	DNSTTL time.Duration
	// Dial is the base dialer (nil: a net.Dialer).
	Dial DialFunc
	// PodHeader names the response header that names the pod ("" for
	// DefaultPodHeader, "-" for none).
	PodHeader string
	// SecretHeaders are request headers whose values are secrets besides
	// SensitiveHeaders: the run's metadata holds them Redacted.
	SecretHeaders []string
	// Slot is the length of the alternating A/B slots (A/B tests only).
	Slot time.Duration
	// Progress, when set, is called about every second from the goroutine
	// that records results.
	Progress func(Progress)
	// Watch, when set, is called every second with the metrics so far and
	// stops the run when it returns a reason (--abort-on-fail).
	Watch func(elapsed time.Duration, sets []*Metrics) string
	// CoarsePacing leaves send times to vegeta's sleep alone, which on an
	// idle machine runs up to 1 ms late; by default the pacer spins the last
	// millisecond before each send at rates up to 500/s.
	CoarsePacing bool
	// Version is recorded in the run's metadata.
	Version string
}

// DefaultMaxWorkers bounds the requests in flight of a paced run unless
// Options.MaxWorkers says otherwise: enough for 4,000 requests/s at a
// second of latency, few enough that a generator that falls behind (or a
// target that hangs) costs megabytes and a few thousand sockets, not
// gigabytes and every file descriptor.
const DefaultMaxWorkers = 4096

// sendGrace is how late past the end of the schedule a due send may still
// leave: the timer that wakes the generator for the last sends can run a
// millisecond or so late, which is not a backlog.
const sendGrace = 10 * time.Millisecond

// Progress is a run's state, once a second.
type Progress struct {
	// Elapsed is the time since the start, Duration the planned total.
	Elapsed, Duration time.Duration
	// Warmup is true while the warm-up runs.
	Warmup   bool
	Requests int64
	Errors   int64
	// WarmupRequests are the warm-up's requests so far (excluded from
	// Requests and every result).
	WarmupRequests int64
	// Rate is the scheduled rate now (0 unpaced); Window the last whole
	// second's requests and latency percentiles.
	Rate   float64
	Window *Window
	// Codes counts the measured responses by status ("0": no response) and
	// Kinds the errors by kind, over every set; both are copies.
	Codes, Kinds map[string]int64
	// Rules are each target's tallies so far, set by set in the order of
	// the targets.
	Rules []RuleProgress
}

// RuleProgress is one target's share of a run so far.
type RuleProgress struct {
	// Set is the target's set ("a" or "b" in an A/B test, else "").
	Set      string
	Name     string
	Requests int64
	Errors   int64
	// P50 and P99 are the rule's latency percentiles so far.
	P50, P99 time.Duration
}

// ErrInterrupted is returned (wrapped) with partial runs when the context
// ended before the run did.
var ErrInterrupted = errors.New("load test interrupted")

// Attack runs a load test and returns one Run per set of targets (one for
// a plain run, "a" and "b" for an A/B test). When ctx ends first, the
// requests in flight are cut short and the partial runs are returned with
// an error wrapping ErrInterrupted.
func Attack(ctx context.Context, o Options) ([]*Run, error) {
	if len(o.Targets) == 0 {
		return nil, ErrNoTargets
	}
	if len(o.Targets) > MaxTargets {
		return nil, fmt.Errorf("%d targets: a run holds at most %d", len(o.Targets), MaxTargets)
	}
	if o.Shape == nil {
		return nil, errors.New("no load shape")
	}
	if err := CheckPodHeader(o.PodHeader); err != nil {
		return nil, err
	}
	secrets, err := NewSecretHeaders(o.SecretHeaders)
	if err != nil {
		return nil, err
	}
	shape := o.Shape
	shape.index()
	podKey := http.CanonicalHeaderKey(o.PodHeader)
	switch o.PodHeader {
	case "":
		podKey = DefaultPodHeader
	case "-":
		podKey = ""
	}
	if o.Workers == 0 {
		o.Workers = vegeta.DefaultWorkers
	}
	if o.MaxWorkers == 0 {
		o.MaxWorkers = DefaultMaxWorkers
		if !shape.Paced() {
			o.MaxWorkers = 32
		}
	}
	o.Workers = min(o.Workers, o.MaxWorkers)
	if !shape.Paced() {
		o.Workers = o.MaxWorkers
	}
	if o.Transport.UserAgent == "" {
		o.Transport.UserAgent = "lbctl-loadtest"
	}
	plan, err := newPlan(o.Targets, o.Slot)
	if err != nil {
		return nil, err
	}

	runCtx, cancelRun := context.WithCancel(context.Background())
	defer cancelRun()
	base := o.Dial
	if base == nil {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
		base = d.DialContext
	}
	res := newResolver(o.Resolve, o.Lookup, o.DNSTTL)
	rt, err := newRouter(runCtx, o.Targets, res, base, o.Transport)
	if err != nil {
		return nil, err
	}
	res.onChange = rt.closeIdle
	go res.run(runCtx)

	client := &http.Client{Transport: rt}
	redirects := o.Redirects
	if redirects <= 0 {
		redirects = vegeta.NoFollow
	}
	atk := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Redirects(redirects),
		vegeta.Workers(o.Workers),
		vegeta.MaxWorkers(o.MaxWorkers),
		vegeta.MaxBody(0),
	)
	pacer := &startPacer{Shape: shape, precise: !o.CoarsePacing}
	rec := newRecorder(pacer, o.Targets, plan, shape, podKey)
	rec.secrets = secrets
	du := time.Duration(0)
	if !shape.Paced() {
		du = shape.Max
	}
	// The schedule ends at its duration whatever is still due: a generator
	// that fell behind (a rate beyond what the workers or the machine can
	// send) stops sending then, and what it did not send is reported as
	// missed. Requests in flight get --timeout to finish, then are cut.
	sendEnd := time.NewTimer(shape.Duration() + sendGrace)
	defer sendEnd.Stop()
	var drainEnd <-chan time.Time
	results := atk.Attack(plan.targeter(pacer), pacer, du, "")

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	done := ctx.Done()
	var stopped time.Time
	interrupted, aborted := false, ""
	cut := func() {
		rec.stopping = true
		atk.Stop()
		cancelRun() // ends requests in flight through net/http
		rt.closeAll()
	}
	stop := func() {
		if stopped.IsZero() {
			stopped = time.Now()
			cut()
		}
	}
loop:
	for {
		select {
		case r, ok := <-results:
			if !ok {
				break loop
			}
			rec.add(r)
		case <-done:
			done = nil
			interrupted = true
			stop()
		case <-sendEnd.C:
			atk.Stop()
			if t := o.Transport.Timeout; t > 0 {
				drainEnd = time.After(t)
			}
		case <-drainEnd:
			drainEnd = nil
			cut()
		case <-tick.C:
			if !rec.start() || !stopped.IsZero() {
				continue
			}
			now := time.Now()
			if o.Progress != nil {
				o.Progress(rec.progress(now, shape))
			}
			if o.Watch != nil && now.After(rec.measureFrom) {
				if why := o.Watch(now.Sub(rec.measureFrom), rec.sets); why != "" {
					aborted = why
					stop()
				}
			}
		}
	}
	end := time.Now()
	if !stopped.IsZero() {
		end = stopped
	} else if began := pacer.start(); shape.Paced() && !began.IsZero() {
		end = began.Add(shape.Duration())
	}
	runs := rec.runs(end, shape, o, plan)
	missed := int64(0)
	if stopped.IsZero() {
		missed = missedSends(shape, rec.sent)
	}
	for _, r := range runs {
		r.Meta.Interrupted = interrupted
		r.Meta.Aborted = aborted
		r.Meta.Missed = missed
	}
	if interrupted {
		return runs, fmt.Errorf("%w after %s", ErrInterrupted, max(end.Sub(pacer.start()), 0).Round(time.Second))
	}
	return runs, nil
}

// missedSends is how many of a paced shape's scheduled requests were never
// sent, given how many were.
func missedSends(shape *Shape, sent uint64) int64 {
	if !shape.Paced() {
		return 0
	}
	shape.index()
	left := math.Ceil(shape.hits[len(shape.hits)-1]) - float64(sent)
	switch {
	case left <= 0:
		return 0
	case left >= math.MaxInt64:
		return math.MaxInt64
	}
	return int64(left)
}

// unbounded writes vegeta's "no limit" as 0.
func unbounded(n uint64) uint64 {
	if n == vegeta.DefaultMaxWorkers {
		return 0
	}
	return n
}

// startPacer is the shape as vegeta paces it, noting when the attack began
// (the first Pace call happens as it starts), so each hit's scheduled time
// is known: start + Shape.Due(seq).
type startPacer struct {
	*Shape
	began   atomic.Pointer[time.Time]
	precise bool
}

func (p *startPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	began := p.began.Load()
	if began == nil {
		t := time.Now().Add(-elapsed)
		p.began.CompareAndSwap(nil, &t)
		began = p.began.Load()
	}
	wait, stop := p.Shape.Pace(elapsed, hits)
	if !p.precise || stop || wait <= 0 || p.Shape.Rate(elapsed) > preciseRate {
		return wait, stop
	}
	// Go's timers wake a sleeping process with about a millisecond's
	// granularity (the scheduler sleeps in epoll with a timeout in ms), so
	// at low rates, when nothing else keeps the scheduler awake, sends
	// would go up to 1 ms late and that lateness would count as latency.
	// Sleep to within spinWindow of the due time, then spin to it.
	due, _ := p.Shape.Due(hits)
	deadline := began.Add(due)
	if wait > spinWindow {
		time.Sleep(wait - spinWindow)
	}
	for time.Now().Before(deadline) {
		runtime.Gosched()
	}
	return 0, false
}

// Precise pacing: below preciseRate requests/s, the pacer spins the last
// spinWindow before each send (at most spinWindow × preciseRate of one
// core, half of it in practice).
const (
	preciseRate = 500
	spinWindow  = time.Millisecond
)

// start is when the attack began (zero before).
func (p *startPacer) start() time.Time {
	if t := p.began.Load(); t != nil {
		return *t
	}
	return time.Time{}
}
