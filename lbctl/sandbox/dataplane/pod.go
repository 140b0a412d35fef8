package dataplane

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Headers every pod response carries, so a load test can attribute each
// response to the pod and zone that served it, even through two proxies.
const (
	PodHeader  = "X-Lbctl-Pod"
	ZoneHeader = "X-Lbctl-Zone"
)

// DefaultHealthPath is where a pod answers readiness probes and ALB health
// checks unless PodOptions.HealthPath says otherwise.
const DefaultHealthPath = "/healthz"

// PodOptions describe one emulated pod: who it is (for attribution) and how
// it misbehaves (for load tests that need latency or errors to measure).
type PodOptions struct {
	// Name is sent in the PodHeader response header; empty means the address.
	Name string
	// Zone is sent in the ZoneHeader response header.
	Zone string
	// Latency is added to every request, health checks included, so a slow
	// pod also fails health checks whose Timeout is shorter.
	Latency time.Duration
	// ErrorRate is the fraction of (non-health) requests answered 500.
	ErrorRate float64
	// HealthPath answers 200 while healthy and 503 otherwise; default
	// DefaultHealthPath.
	HealthPath string
	// Rand draws the error-rate coin; nil uses the runtime generator.
	Rand *rand.Rand
}

// Pod is a running pod: a real HTTP server on its own loopback address.
// Every path answers 200 with a small body naming the pod; a "sleep" query
// parameter (a Go duration, "50ms") adds latency to that one request.
// Its setters are safe to call while it serves.
type Pod struct {
	name, zone string
	healthPath string
	body       []byte
	rnd        *randSource

	healthy   atomic.Bool
	latency   atomic.Int64
	errorRate atomic.Uint64 // math.Float64bits
	requests  atomic.Int64
	checks    atomic.Int64

	ln   net.Listener
	srv  *http.Server
	done chan struct{}

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// StartPod starts a pod listening on addr ("127.10.0.5:8080"; port 0 picks a
// free one, see Addr). The pod starts healthy.
func StartPod(addr string, o PodOptions) (*Pod, error) {
	ln, err := listenLoopback(addr)
	if err != nil {
		return nil, fmt.Errorf("start pod %s: %w", o.Name, err)
	}
	p := &Pod{
		name:       o.Name,
		zone:       o.Zone,
		healthPath: o.HealthPath,
		rnd:        newRandSource(o.Rand),
		ln:         ln,
		done:       make(chan struct{}),
		conns:      make(map[net.Conn]struct{}),
	}
	if p.name == "" {
		p.name = ln.Addr().String()
	}
	if p.healthPath == "" {
		p.healthPath = DefaultHealthPath
	}
	p.body = []byte("pod " + p.name + " zone " + p.zone + "\n")
	p.healthy.Store(true)
	p.SetLatency(o.Latency)
	p.SetErrorRate(o.ErrorRate)
	p.srv = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ConnState:         p.trackConn,
		ErrorLog:          discardLogger(),
	}
	go func() {
		defer close(p.done)
		_ = p.srv.Serve(ln)
	}()
	return p, nil
}

// Addr is the address the pod listens on (with the real port if 0 was given).
func (p *Pod) Addr() string { return p.ln.Addr().String() }

// Name is the name the pod reports in PodHeader.
func (p *Pod) Name() string { return p.name }

// SetHealthy makes the health path answer 200 (true) or 503 (false); the pod
// keeps serving other paths either way, as a pod failing readiness does.
func (p *Pod) SetHealthy(h bool) { p.healthy.Store(h) }

// SetLatency changes the latency added to every request.
func (p *Pod) SetLatency(d time.Duration) { p.latency.Store(int64(d)) }

// SetErrorRate changes the fraction of requests answered 500 (clamped to [0, 1]).
func (p *Pod) SetErrorRate(f float64) {
	p.errorRate.Store(math.Float64bits(min(max(f, 0), 1)))
}

// Requests counts the requests served, health checks excluded, so tests can
// see where traffic went while health checks keep running.
func (p *Pod) Requests() int64 { return p.requests.Load() }

// HealthChecks counts the requests to the health path.
func (p *Pod) HealthChecks() int64 { return p.checks.Load() }

// ServeHTTP answers as the pod; exported so a pod can also be mounted on a
// test server without a socket of its own.
func (p *Pod) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set(PodHeader, p.name)
	if p.zone != "" {
		h.Set(ZoneHeader, p.zone)
	}
	health := r.URL.Path == p.healthPath
	if health {
		p.checks.Add(1)
	} else {
		p.requests.Add(1)
	}
	d := time.Duration(p.latency.Load())
	if r.URL.RawQuery != "" {
		if s := r.URL.Query().Get("sleep"); s != "" {
			extra, err := time.ParseDuration(s)
			if err != nil {
				http.Error(w, fmt.Sprintf("bad sleep %q: %v", s, err), http.StatusBadRequest)
				return
			}
			d += extra
		}
	}
	if !sleepCtx(r.Context(), d) {
		return
	}
	if health {
		if p.healthy.Load() {
			writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ok\n"))
		} else {
			writeBody(w, http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte("unhealthy\n"))
		}
		return
	}
	if rate := math.Float64frombits(p.errorRate.Load()); rate > 0 && p.rnd.Float64() < rate {
		writeBody(w, http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("injected error from "+p.name+"\n"))
		return
	}
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", p.body)
}

// writeBody writes a complete response with a Content-Length, which keeps
// the connection reusable.
func writeBody(w http.ResponseWriter, code int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

func (p *Pod) trackConn(c net.Conn, s http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch s {
	case http.StateNew:
		p.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(p.conns, c)
	}
}

// Shutdown stops the pod the way SIGTERM after preStop does: it stops
// accepting connections, lets in-flight requests finish and closes idle
// keep-alive connections. It returns ctx's error if requests are still in
// flight when ctx ends (the pod is then closed abruptly).
func (p *Pod) Shutdown(ctx context.Context) error {
	err := p.srv.Shutdown(ctx)
	if err != nil {
		_ = p.Close()
		return fmt.Errorf("shutdown pod %s: %w", p.name, err)
	}
	<-p.done
	return nil
}

// Close kills the pod: the listener closes and every open connection is
// reset, in-flight requests included, as when a container is killed.
func (p *Pod) Close() error {
	p.mu.Lock()
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	}
	p.mu.Unlock()
	err := p.srv.Close()
	<-p.done
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close pod %s: %w", p.name, err)
	}
	return nil
}
