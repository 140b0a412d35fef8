package loadtest

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

func startPod(t *testing.T, o dataplane.PodOptions) *dataplane.Pod {
	t.Helper()
	p, err := dataplane.StartPod("127.0.0.1:0", o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// timerSlack is the median by which a 5 ms sleep overshoots on this
// machine now: near 50 µs when idle, milliseconds when it is overloaded.
func timerSlack() time.Duration {
	h := NewHistogram()
	for range 40 {
		t0 := time.Now()
		time.Sleep(5 * time.Millisecond)
		h.Record(time.Since(t0) - 5*time.Millisecond)
	}
	return h.Quantile(50)
}

func constShape(t *testing.T, rate float64, d, warmup time.Duration) *Shape {
	t.Helper()
	s, err := NewShape(ShapeOptions{Rate: rate, Duration: d, Warmup: warmup})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func attack(t *testing.T, o Options) *Run {
	t.Helper()
	if o.Transport.Timeout == 0 {
		o.Transport.Timeout = 5 * time.Second
	}
	o.Transport.KeepAlive = true
	runs, err := Attack(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Fatalf("%d runs, want 1", len(runs))
	}
	return runs[0]
}

// A server with a fixed 5 ms delay must read as 5 ms at the median: the
// engine adds little of its own, and the scheduled-time latency equals the
// service time when nothing queues.
func TestFixedDelayServer(t *testing.T) {
	before := timerSlack()
	pod := startPod(t, dataplane.PodOptions{Name: "five", Latency: 5 * time.Millisecond})
	targets, _ := URLTargets([]string{"http://" + pod.Addr() + "/"}, RequestOptions{})
	run := attack(t, Options{Targets: targets, Shape: constShape(t, 200, 2*time.Second, 500*time.Millisecond)})
	if run.Requests < 350 || run.Errors != 0 {
		t.Fatalf("requests=%d errors=%d %v", run.Requests, run.Errors, run.Kinds)
	}
	p50 := run.Latency.Quantile(50)
	// On a quiet machine p50 is within 0.5 ms of 5 ms. A machine busy with
	// other work wakes timers late, the server's and the pacer's alike:
	// allow for what a 5 ms sleep overshoots here and now.
	slack := max(before, timerSlack())
	limit := 5500*time.Microsecond + 6*slack
	if raceEnabled {
		limit += 5 * time.Millisecond
	}
	t.Logf("p50 %s (service %s, wait %s), p99 %s; timer slack %s, limit %s", p50, run.Service.Quantile(50), run.Wait.Quantile(50), run.Latency.Quantile(99), slack, limit)
	if p50 < 5*time.Millisecond || p50 > limit {
		t.Errorf("p50 = %s, want within 0.5 ms of 5 ms (limit here %s)", p50, limit)
	}
	if run.Meta.Warmup < 80 {
		t.Errorf("warm-up requests = %d, want ~100 excluded", run.Meta.Warmup)
	}
	if got := run.Pods; len(got) != 1 || got[0].Name != "five" || got[0].Requests != run.Requests {
		t.Errorf("pods = %+v", got)
	}
	if len(run.Windows) < 2 || run.Windows[0].Requests < 150 {
		t.Errorf("windows = %d, first %+v", len(run.Windows), run.Windows[0])
	}
}

// Coordinated omission: a server that stalls for 500 ms while the attack
// is limited to 2 workers must show the stall in p99, because latency runs
// from the scheduled send time; the service time alone would hide it.
func TestStallShowsInP99(t *testing.T) {
	// From 1 s in, the server answers nothing for 500 ms (a GC pause, a
	// full table scan): every request arriving then waits until it ends.
	start := time.Now()
	stallFrom, stallTo := start.Add(time.Second), start.Add(1500*time.Millisecond)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if now := time.Now(); now.After(stallFrom) && now.Before(stallTo) {
			time.Sleep(stallTo.Sub(now))
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	targets, _ := URLTargets([]string{srv.URL + "/"}, RequestOptions{})
	run := attack(t, Options{Targets: targets, Shape: constShape(t, 200, 2*time.Second, 0), Workers: 2, MaxWorkers: 2})
	p99 := run.Latency.Quantile(99)
	svc99 := run.Service.Quantile(99)
	// During the 0.5 s stall both workers are stuck and the ~100 requests
	// scheduled meanwhile queue: a quarter of the run waits up to 500 ms,
	// while only the 2 requests the server held have a long service time.
	if p99 < 250*time.Millisecond {
		t.Errorf("p99 = %s, want the 500 ms stall to show", p99)
	}
	if svc99 > 100*time.Millisecond {
		t.Errorf("service p99 = %s: only one request stalled", svc99)
	}
	if run.Wait.Quantile(99) < 200*time.Millisecond {
		t.Errorf("wait p99 = %s, want the queueing behind the stall", run.Wait.Quantile(99))
	}
}

// Errors are told apart: refused connections, ALB-generated and
// target-generated 5xx.
func TestErrorBreakdown(t *testing.T) {
	alb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/target" {
			w.Header().Set(DefaultPodHeader, "pod-1")
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Server", dataplane.ALBServer)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer alb.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	targets, _ := URLTargets([]string{"alb=" + alb.URL + "/alb", "target=" + alb.URL + "/target", "dead=" + deadURL + "/"}, RequestOptions{})
	run := attack(t, Options{Targets: targets, Shape: constShape(t, 150, time.Second, 0)})
	if run.Errors != run.Requests || run.Requests < 120 {
		t.Fatalf("requests=%d errors=%d", run.Requests, run.Errors)
	}
	o := run.Origins
	third := run.Requests / 3
	for _, k := range []string{OriginALB, OriginTarget, OriginNetwork} {
		if o[k] < third-2 || o[k] > third+2 {
			t.Errorf("origin %s = %d, want ~%d (%v)", k, o[k], third, o)
		}
	}
	if run.Kinds[KindRefused] != o[OriginNetwork] || run.Codes["502"] != o[OriginALB] || run.Codes["500"] != o[OriginTarget] {
		t.Errorf("kinds %v codes %v", run.Kinds, run.Codes)
	}
	if r := run.Rule("dead"); r == nil || r.Errors != r.Requests || r.Kinds[KindRefused] != r.Requests {
		t.Errorf("rule dead = %+v", r)
	}
}

// Ctrl-C stops the run at once, cuts requests in flight short and returns
// what was measured so far.
func TestInterruptKeepsPartialResults(t *testing.T) {
	pod := startPod(t, dataplane.PodOptions{Name: "slow", Latency: 2 * time.Millisecond})
	targets, _ := URLTargets([]string{"http://" + pod.Addr() + "/?sleep=1ms"}, RequestOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	start := time.Now()
	runs, err := Attack(ctx, Options{Targets: targets, Shape: constShape(t, 100, 30*time.Second, 0), Transport: TransportOptions{KeepAlive: true, Timeout: 10 * time.Second}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopping took %s", d)
	}
	if len(runs) != 1 || !runs[0].Meta.Interrupted || runs[0].Requests < 40 || runs[0].Errors != 0 {
		t.Fatalf("partial run: %+v", runs[0].Counts)
	}
	if m := runs[0].Meta.Measured; m < 500*time.Millisecond || m > time.Second {
		t.Errorf("measured %s, want ~0.7 s", m)
	}
}

// The HTTP/1.1 client reads what servers send: lengths, chunks with
// trailers, no body, bodies left unread, and connections the server closes.
func TestH1Transport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Header().Set("Trailer", "X-T")
			w.Write([]byte("hello "))
			w.(http.Flusher).Flush()
			w.Write([]byte("world"))
			w.Header().Set("X-T", "1")
		case "/big":
			w.Header().Set("Content-Length", strconv.Itoa(1<<20))
			w.Write(make([]byte, 1<<20))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Server", "awselb/2.0")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(r.Method + " " + r.Host + " " + r.Header.Get("X-A")))
		}
	}))
	defer srv.Close()
	d := &net.Dialer{}
	tr := newH1Transport(h1Options{Dial: d.DialContext, KeepAlive: true, Timeout: 5 * time.Second, UserAgent: "t"})
	c := &http.Client{Transport: tr}
	get := func(path string, read bool) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Host = "rule.example.com"
		req.Header.Set("X-A", "b")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var body []byte
		if read {
			body, err = io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("%s: read: %v", path, err)
			}
		}
		resp.Body.Close()
		return resp, string(body)
	}
	for range 3 {
		if resp, body := get("/x", true); resp.StatusCode != 503 || resp.Status != "503 Service Unavailable" || body != "GET rule.example.com b" || resp.Header.Get("Server") != "awselb/2.0" {
			t.Errorf("/x: %d %q %q %v", resp.StatusCode, resp.Status, body, resp.Header)
		}
		if _, body := get("/chunked", true); body != "hello world" {
			t.Errorf("/chunked: %q", body)
		}
		if resp, body := get("/nocontent", true); resp.StatusCode != 204 || body != "" {
			t.Errorf("/nocontent: %d %q", resp.StatusCode, body)
		}
		if resp, _ := get("/big", false); resp.ContentLength != 1<<20 {
			t.Errorf("/big: %d", resp.ContentLength)
		}
		if resp, body := get("/close", true); !resp.Close || body != "bye" {
			t.Errorf("/close: %v %q", resp.Close, body)
		}
	}
	tr.mu.Lock()
	open := len(tr.conns)
	tr.mu.Unlock()
	if open > 2 {
		t.Errorf("%d connections open, want reuse", open)
	}
	tr.CloseAll()
}

// HTTPS goes through net/http's transport with the rule's host as SNI; an
// untrusted certificate is a TLS error unless --insecure.
func TestHTTPSAndTLSErrors(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || r.TLS.ServerName != "shop.example.com" || r.Host != "shop.example.com" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	targets := []Target{{Name: "shop", URL: "https://shop.example.com/", Connect: srv.Listener.Addr().String()}}
	shape := constShape(t, 50, 500*time.Millisecond, 0)
	run := attack(t, Options{Targets: targets, Shape: shape, Transport: TransportOptions{Insecure: true, HTTP2: true}})
	if run.Requests < 20 || run.Errors != 0 {
		t.Errorf("insecure: %+v", run.Counts)
	}
	run = attack(t, Options{Targets: targets, Shape: constShape(t, 50, 500*time.Millisecond, 0)})
	if run.Errors != run.Requests || run.Kinds[KindTLS] != run.Requests {
		t.Errorf("verified: %+v", run.Counts)
	}
}

// A refresh that finds new addresses for a host closes idle connections,
// so new ones go to the new ALB nodes.
func TestResolverFollowsDNS(t *testing.T) {
	addrs := []string{"127.0.0.1"}
	lookup := func(_ context.Context, host string) ([]string, error) {
		if host == "gone.example.com" {
			return nil, errors.New("no such host")
		}
		return addrs, nil
	}
	r := newResolver([]ResolveEntry{{Host: "pinned.example.com", Port: 80, Addr: "127.0.0.9", BindPort: 10080}}, lookup, time.Minute)
	if a, _ := r.addrs(context.Background(), "pinned.example.com:80"); len(a) != 1 || a[0] != "127.0.0.9:10080" {
		t.Errorf("pinned: %v", a)
	}
	if a, _ := r.addrs(context.Background(), "alb.example.com:80"); len(a) != 1 || a[0] != "127.0.0.1:80" {
		t.Errorf("dns: %v", a)
	}
	if r.refresh(context.Background()) {
		t.Error("unchanged answer reported as a change")
	}
	addrs = []string{"127.0.0.2", "127.0.0.3"}
	if !r.refresh(context.Background()) {
		t.Error("changed answer not reported")
	}
	a, _ := r.addrs(context.Background(), "alb.example.com:80")
	if got := []string{r.pick(a), r.pick(a)}; got[0] == got[1] {
		t.Errorf("new connections do not rotate over the addresses: %v", got)
	}
	if _, err := r.addrs(context.Background(), "gone.example.com:80"); err == nil || errorKind(0, err.Error()) != KindDNS {
		t.Errorf("lookup failure: %v", err)
	}
}
