package dataplane

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestALBRoutesByHostAndPath(t *testing.T) {
	a := startTestPod(t, "127.43.1.1:0", PodOptions{Name: "a"})
	b := startTestPod(t, "127.43.1.2:0", PodOptions{Name: "b"})
	c := startTestPod(t, "127.43.1.3:0", PodOptions{Name: "c"})
	p := newTestPlane(t, Options{})
	mustApply(t, p, Config{
		TargetGroups: []TargetGroup{
			{ARN: "tg-a", Targets: []Target{podTarget(a, "")}},
			{ARN: "tg-b", Targets: []Target{podTarget(b, "")}},
			{ARN: "tg-c", Targets: []Target{podTarget(c, "")}},
		},
		LoadBalancers: []LoadBalancer{lbConfig("alb", "127.43.0.1", []Rule{
			// Given out of order: priority decides.
			{Priority: 30, Paths: []string{"/static/??.css"}, Action: Action{Fixed: &FixedResponse{Status: 200, Body: "css"}}},
			{Priority: 20, Hosts: []string{"*.example.com"}, Paths: []string{"/api/*", "/v?/*"}, Action: forward("tg-b")},
			{Priority: 10, Hosts: []string{"Shop.Example.com"}, Action: forward("tg-a")},
			{Priority: 40, Paths: []string{"/old/*"}, Action: Action{Redirect: &Redirect{Path: "/new/#{path}", StatusCode: 302}}},
		}, forward("tg-c"))},
	})
	client := testClient(p)
	tests := []struct {
		host, path string
		pod        string // "" for an ALB-generated response
		status     int
		body       string
	}{
		{"shop.example.com", "/api/x", "a", 200, ""}, // priority 10 wins over 20
		{"SHOP.EXAMPLE.COM:8080", "/", "a", 200, ""},
		{"api.example.com", "/api/users", "b", 200, ""},
		{"api.example.com", "/v2/users", "b", 200, ""},
		{"api.example.com", "/API/users", "c", 200, ""}, // paths are case-sensitive
		{"example.com", "/api/x", "c", 200, ""},
		{"other", "/static/ab.css", "", 200, "css"},
		{"other", "/static/abc.css", "c", 200, ""},
		{"other", "/old/page", "", 302, ""},
		{"other", "/", "c", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.host+tt.path, func(t *testing.T) {
			r := do(t, client, "http://alb.elb.local"+tt.path, tt.host)
			if r.status != tt.status || r.header.Get(PodHeader) != tt.pod {
				t.Fatalf("got %d from pod %q, want %d from %q", r.status, r.header.Get(PodHeader), tt.status, tt.pod)
			}
			if tt.pod == "" && r.header.Get("Server") != ALBServer {
				t.Errorf("ALB-generated response has Server %q", r.header.Get("Server"))
			}
			if tt.body != "" && r.body != tt.body {
				t.Errorf("body %q, want %q", r.body, tt.body)
			}
		})
	}
	if loc := do(t, client, "http://alb.elb.local/old/page?q=1", "h").header.Get("Location"); loc != "http://h:80/new//old/page?q=1" {
		t.Errorf("redirect Location = %q", loc)
	}
}

func TestALBWeightedForward(t *testing.T) {
	a := startTestPod(t, "127.43.2.1:0", PodOptions{Name: "a"})
	b := startTestPod(t, "127.43.2.2:0", PodOptions{Name: "b"})
	p := newTestPlane(t, Options{Rand: rand.New(rand.NewPCG(1, 2))})
	mustApply(t, p, Config{
		TargetGroups: []TargetGroup{
			{ARN: "tg-a", Targets: []Target{podTarget(a, "")}},
			{ARN: "tg-b", Targets: []Target{podTarget(b, "")}},
		},
		LoadBalancers: []LoadBalancer{lbConfig("alb", "127.43.0.2", nil, Action{Forward: []WeightedTargetGroup{
			{ARN: "tg-a", Weight: 90}, {ARN: "tg-b", Weight: 10},
		}})},
	})
	const n = 2000
	got := countByPod(t, testClient(p), "http://alb.elb.local/", "", n)
	// Expected 200 ± 13.4 (one standard deviation); allow 4.5σ.
	if got["b"] < 140 || got["b"] > 260 || got["a"]+got["b"] != n {
		t.Errorf("90/10 split over %d requests = %v", n, got)
	}
}

func TestALBGeneratedErrors(t *testing.T) {
	slow := startTestPod(t, "127.43.3.1:0", PodOptions{Name: "slow"})
	failing := startTestPod(t, "127.43.3.2:0", PodOptions{Name: "failing", ErrorRate: 1})
	dead := deadAddr(t, "127.43.3.3")
	host, port, _ := net.SplitHostPort(dead)
	deadPort, _ := strconv.Atoi(port)
	p := newTestPlane(t, Options{})
	lb := lbConfig("alb", "127.43.0.3", []Rule{
		{Priority: 1, Paths: []string{"/empty"}, Action: forward("tg-empty")},
		{Priority: 2, Paths: []string{"/dead"}, Action: forward("tg-dead")},
		{Priority: 3, Paths: []string{"/slow"}, Action: forward("tg-slow")},
		{Priority: 4, Paths: []string{"/failing"}, Action: forward("tg-failing")},
		{Priority: 5, Paths: []string{"/zero"}, Action: Action{Forward: []WeightedTargetGroup{{ARN: "tg-slow"}, {ARN: "tg-failing"}}}},
	}, Action{Fixed: &FixedResponse{Status: 404, Body: "nothing here"}})
	lb.IdleTimeout = 100 * time.Millisecond
	mustApply(t, p, Config{
		TargetGroups: []TargetGroup{
			{ARN: "tg-empty"},
			{ARN: "tg-dead", Targets: []Target{{ID: host, Port: deadPort, Addr: dead}}},
			{ARN: "tg-slow", Targets: []Target{podTarget(slow, "")}},
			{ARN: "tg-failing", Targets: []Target{podTarget(failing, "")}},
		},
		LoadBalancers: []LoadBalancer{lb},
	})
	client := testClient(p)
	tests := []struct {
		path   string
		status int
		alb    bool
	}{
		{"/empty", 503, true},
		{"/dead", 502, true},
		{"/slow?sleep=1s", 504, true},
		{"/slow?sleep=10ms", 200, false},
		{"/failing", 500, false},
		{"/zero", 503, true},
		{"/nowhere", 404, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := do(t, client, "http://alb.elb.local"+tt.path, "")
			if r.status != tt.status {
				t.Errorf("status %d, want %d", r.status, tt.status)
			}
			if gotALB := r.header.Get("Server") == ALBServer; gotALB != tt.alb {
				t.Errorf("Server %q: ALB-generated = %v, want %v", r.header.Get("Server"), gotALB, tt.alb)
			}
		})
	}
}

// echoServer answers with the request's headers copied into X-Echo-*.
func echoServer(t *testing.T, addr string) string {
	t.Helper()
	ln, err := listenLoopback(addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range r.Header {
			w.Header()["X-Echo-"+k] = v
		}
		w.Header().Set("X-Echo-Host", r.Host)
		w.Header().Set("Server", "echo")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

func TestALBForwardedHeaders(t *testing.T) {
	echo := echoServer(t, "127.43.4.1:0")
	n := startTestNodePort(t, "127.43.4.2:0", NodePortOptions{})
	n.SetEndpoints([]Endpoint{{Addr: echo, Ready: true}})
	p := newTestPlane(t, Options{})
	host, port, _ := net.SplitHostPort(echo)
	ep, _ := strconv.Atoi(port)
	_, nport, _ := net.SplitHostPort(n.Addr())
	np, _ := strconv.Atoi(nport)
	mustApply(t, p, Config{
		TargetGroups: []TargetGroup{
			{ARN: "tg-ip", Targets: []Target{{ID: host, Port: ep, Addr: echo}}},
			{ARN: "tg-instance", Targets: []Target{{ID: "i-0123", Port: np, Addr: n.Addr()}}},
		},
		LoadBalancers: []LoadBalancer{lbConfig("alb", "127.43.0.4", []Rule{
			{Priority: 1, Paths: []string{"/instance"}, Action: forward("tg-instance")},
		}, forward("tg-ip"))},
	})
	client := testClient(p)
	root := regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)
	for _, path := range []string{"/ip", "/instance"} {
		t.Run(path, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "http://alb.elb.local"+path, nil)
			req.Host = "shop.example.com"
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			if got := h.Get("X-Echo-X-Forwarded-For"); !regexp.MustCompile(`^203\.0\.113\.7, 127\.\d+\.\d+\.\d+$`).MatchString(got) {
				t.Errorf("X-Forwarded-For = %q", got)
			}
			if got := h.Get("X-Echo-X-Forwarded-Port"); got != "80" {
				t.Errorf("X-Forwarded-Port = %q, want the listener port 80", got)
			}
			if got := h.Get("X-Echo-X-Forwarded-Proto"); got != "http" {
				t.Errorf("X-Forwarded-Proto = %q", got)
			}
			if got := h.Get("X-Echo-X-Amzn-Trace-Id"); !root.MatchString(got) {
				t.Errorf("X-Amzn-Trace-Id = %q", got)
			}
			if got := h.Get("X-Echo-Host"); got != "shop.example.com" {
				t.Errorf("Host = %q, want the client's", got)
			}
			if got := h.Get("Server"); got != "echo" {
				t.Errorf("Server = %q, want the target's", got)
			}
		})
	}
}

// TestALBApplyUnderLoad swaps routing tables while traffic flows and on a
// fixed (non-ephemeral) bind port: no request may fail.
func TestALBApplyUnderLoad(t *testing.T) {
	a := startTestPod(t, "127.43.5.1:0", PodOptions{Name: "a"})
	b := startTestPod(t, "127.43.5.2:0", PodOptions{Name: "b"})
	bind, _ := strconv.Atoi(deadAddr(t, "127.43.0.5")[len("127.43.0.5:"):])
	p := newTestPlane(t, Options{})
	cfg := func(to string) Config {
		return Config{
			TargetGroups: []TargetGroup{
				{ARN: "tg-a", Targets: []Target{podTarget(a, "")}},
				{ARN: "tg-b", Targets: []Target{podTarget(b, "")}},
			},
			LoadBalancers: []LoadBalancer{{Name: "alb", DNSName: "alb.elb.local", IP: "127.43.0.5",
				Listeners: []Listener{{Port: 80, BindPort: bind, Default: forward(to)}}}},
		}
	}
	mustApply(t, p, cfg("tg-a"))
	if addr, ok := p.ListenerAddr("alb", 80); !ok || addr != "127.43.0.5:"+strconv.Itoa(bind) {
		t.Fatalf("ListenerAddr = %q, %v", addr, ok)
	}
	client := testClient(p)
	var failures, total atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := doErr(client, "http://alb.elb.local/?sleep=2ms", "")
				total.Add(1)
				if err != nil || r.status != 200 {
					failures.Add(1)
				}
			}
		})
	}
	for i := range 40 {
		mustApply(t, p, cfg([]string{"tg-a", "tg-b"}[i%2]))
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || total.Load() < 20 {
		t.Errorf("%d of %d requests failed during 40 Applies", failures.Load(), total.Load())
	}
	if a.Requests() == 0 || b.Requests() == 0 {
		t.Errorf("routing did not alternate: a=%d b=%d", a.Requests(), b.Requests())
	}

	// Removing the load balancer frees its port.
	mustApply(t, p, Config{})
	if _, ok := p.ListenerAddr("alb", 80); ok {
		t.Error("listener still known after removal")
	}
	ln, err := net.Listen("tcp4", "127.43.0.5:"+strconv.Itoa(bind))
	if err != nil {
		t.Errorf("port not freed: %v", err)
	} else {
		ln.Close()
	}
}

func TestApplyRejectsInvalidConfig(t *testing.T) {
	good := func() Config {
		return Config{
			TargetGroups:  []TargetGroup{{ARN: "tg", Targets: []Target{{ID: "127.0.0.1", Port: 8080, Addr: "127.0.0.1:8080"}}}},
			LoadBalancers: []LoadBalancer{lbConfig("alb", "127.43.0.6", nil, forward("tg"))},
		}
	}
	tests := []struct {
		name     string
		mutate   func(*Config)
		loopback bool
	}{
		{"lb not loopback", func(c *Config) { c.LoadBalancers[0].IP = "10.0.0.1" }, true},
		{"target not loopback", func(c *Config) { c.TargetGroups[0].Targets[0].Addr = "192.168.0.1:80" }, true},
		{"unknown target group", func(c *Config) { c.LoadBalancers[0].Listeners[0].Default = forward("nope") }, false},
		{"no action", func(c *Config) { c.LoadBalancers[0].Listeners[0].Default = Action{} }, false},
		{"two actions", func(c *Config) {
			c.LoadBalancers[0].Listeners[0].Default.Fixed = &FixedResponse{Status: 200}
		}, false},
		{"fixed 3xx", func(c *Config) {
			c.LoadBalancers[0].Listeners[0].Default = Action{Fixed: &FixedResponse{Status: 302}}
		}, false},
		{"weight too big", func(c *Config) { c.LoadBalancers[0].Listeners[0].Default.Forward[0].Weight = 1000 }, false},
		{"duplicate target", func(c *Config) {
			c.TargetGroups[0].Targets = append(c.TargetGroups[0].Targets, c.TargetGroups[0].Targets[0])
		}, false},
		{"duplicate listener", func(c *Config) {
			c.LoadBalancers[0].Listeners = append(c.LoadBalancers[0].Listeners, c.LoadBalancers[0].Listeners[0])
		}, false},
		{"duplicate lb", func(c *Config) { c.LoadBalancers = append(c.LoadBalancers, c.LoadBalancers[0]) }, false},
		{"bad matcher", func(c *Config) { c.TargetGroups[0].HealthCheck.Matcher = "ok" }, false},
		{"listener port 0", func(c *Config) { c.LoadBalancers[0].Listeners[0].Port = 0 }, false},
	}
	p := newTestPlane(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good()
			tt.mutate(&cfg)
			err := p.Apply(cfg)
			if err == nil {
				t.Fatal("Apply accepted an invalid config")
			}
			if tt.loopback != errors.Is(err, ErrNotLoopback) {
				t.Errorf("error %v: errors.Is(ErrNotLoopback) = %v, want %v", err, !tt.loopback, tt.loopback)
			}
			if p.TargetHealth("tg") != nil {
				t.Error("an invalid config changed the plane")
			}
		})
	}
	if _, err := p.DialContext(t.Context(), "tcp", "8.8.8.8:53"); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("DialContext off loopback: %v", err)
	}
}
