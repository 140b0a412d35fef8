package dataplane

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fastCheck is a health check quick enough for unit tests.
func fastCheck() HealthCheck {
	return HealthCheck{
		Path:               "/healthz",
		Interval:           50 * time.Millisecond,
		Timeout:            40 * time.Millisecond,
		HealthyThreshold:   2,
		UnhealthyThreshold: 2,
	}
}

func startTestPod(t testing.TB, addr string, o PodOptions) *Pod {
	t.Helper()
	p, err := StartPod(addr, o)
	if err != nil {
		t.Fatalf("StartPod(%s): %v", addr, err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func newTestPlane(t testing.TB, o Options) *Plane {
	t.Helper()
	p := New(o)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func mustApply(t testing.TB, p *Plane, cfg Config) {
	t.Helper()
	if err := p.Apply(cfg); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

// podTarget registers a pod as an ip-mode target.
func podTarget(p *Pod, zone string) Target {
	host, port, _ := splitPort(p.Addr())
	return Target{ID: host, Port: port, Addr: p.Addr(), Zone: zone}
}

// lbConfig is a one-listener ALB on an ephemeral port with listener port 80.
func lbConfig(name, ip string, rules []Rule, def Action) LoadBalancer {
	return LoadBalancer{
		Name:      name,
		DNSName:   name + ".elb.local",
		IP:        ip,
		Listeners: []Listener{{Port: 80, BindPort: EphemeralPort, Rules: rules, Default: def}},
	}
}

func forward(arns ...string) Action {
	a := Action{}
	for _, arn := range arns {
		a.Forward = append(a.Forward, WeightedTargetGroup{ARN: arn, Weight: 1})
	}
	return a
}

// testClient sends requests to ALBs by DNS name through the plane's dialer.
func testClient(p *Plane) *http.Client {
	tr := &http.Transport{
		DialContext:         p.DialContext,
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type result struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, c *http.Client, url, host string) result {
	t.Helper()
	r, err := doErr(c, url, host)
	if err != nil {
		t.Fatalf("GET %s (Host %s): %v", url, host, err)
	}
	return r
}

func doErr(c *http.Client, url, host string) (result, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return result{}, err
	}
	if host != "" {
		req.Host = host
	}
	resp, err := c.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(b)}, err
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stateOf is a target's state in TargetHealth, "" when absent.
func stateOf(p *Plane, arn, id string, port int) TargetState {
	for _, h := range p.TargetHealth(arn) {
		if h.TargetID == id && h.Port == port {
			return h.State
		}
	}
	return ""
}

func healthOf(p *Plane, arn string, tgt Target) (HealthEvent, bool) {
	for _, h := range p.TargetHealth(arn) {
		if h.TargetID == tgt.ID && h.Port == tgt.Port {
			return h, true
		}
	}
	return HealthEvent{}, false
}

// eventLog collects OnHealth events.
type eventLog struct {
	mu sync.Mutex
	ev []HealthEvent
}

func (l *eventLog) add(e HealthEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ev = append(l.ev, e)
}

func (l *eventLog) forTarget(id string, port int) []HealthEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []HealthEvent
	for _, e := range l.ev {
		if e.TargetID == id && e.Port == port {
			out = append(out, e)
		}
	}
	return out
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t testing.TB, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp4", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	_ = ln.Close()
	return a
}

// countByPod sends n requests and counts responses per serving pod.
func countByPod(t testing.TB, c *http.Client, url, host string, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		r := do(t, c, url, host)
		got[r.header.Get(PodHeader)]++
	}
	return got
}

// splitPort splits host:port with a numeric port.
func splitPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(port)
	return host, n, err
}
