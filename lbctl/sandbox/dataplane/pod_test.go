package dataplane

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestPodServes(t *testing.T) {
	p := startTestPod(t, "127.41.0.1:0", PodOptions{Name: "web-1", Zone: "us-east-1a"})
	c := &http.Client{Timeout: 5 * time.Second}
	base := "http://" + p.Addr()

	r := do(t, c, base+"/any/path", "")
	if r.status != 200 || r.header.Get(PodHeader) != "web-1" || r.header.Get(ZoneHeader) != "us-east-1a" || r.body != "pod web-1 zone us-east-1a\n" {
		t.Errorf("GET /any/path = %d %v %q", r.status, r.header, r.body)
	}
	if r := do(t, c, base+"/healthz", ""); r.status != 200 {
		t.Errorf("healthy /healthz = %d", r.status)
	}
	p.SetHealthy(false)
	if r := do(t, c, base+"/healthz", ""); r.status != 503 || r.header.Get(PodHeader) != "web-1" {
		t.Errorf("unhealthy /healthz = %d", r.status)
	}
	if r := do(t, c, base+"/", ""); r.status != 200 {
		t.Errorf("an unready pod still serves: got %d", r.status)
	}
	start := time.Now()
	if r := do(t, c, base+"/?sleep=50ms", ""); r.status != 200 {
		t.Errorf("sleep = %d", r.status)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("?sleep=50ms took %v", d)
	}
	if r := do(t, c, base+"/?sleep=forever", ""); r.status != 400 {
		t.Errorf("bad sleep = %d", r.status)
	}
	p.SetErrorRate(1)
	if r := do(t, c, base+"/", ""); r.status != 500 || r.header.Get(PodHeader) != "web-1" {
		t.Errorf("error rate 1 = %d", r.status)
	}
	p.SetErrorRate(0)
	p.SetLatency(30 * time.Millisecond)
	start = time.Now()
	do(t, c, base+"/", "")
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("latency 30ms took %v", d)
	}
	if got := p.Requests(); got != 6 {
		t.Errorf("Requests() = %d, want 6 (health checks excluded)", got)
	}
	if got := p.HealthChecks(); got != 2 {
		t.Errorf("HealthChecks() = %d, want 2", got)
	}
}

func TestPodShutdownFinishesInFlight(t *testing.T) {
	p := startTestPod(t, "127.41.0.2:0", PodOptions{Name: "web-2"})
	c := &http.Client{Timeout: 5 * time.Second}
	url := "http://" + p.Addr()
	done := make(chan result, 1)
	go func() {
		r, _ := doErr(c, url+"/?sleep=200ms", "")
		done <- r
	}()
	waitFor(t, time.Second, "request in flight", func() bool { return p.Requests() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if r := <-done; r.status != 200 {
		t.Errorf("in-flight request during graceful shutdown = %d, want 200", r.status)
	}
	if _, err := doErr(c, url+"/", ""); err == nil {
		t.Error("a shut-down pod still accepts requests")
	}
}

func TestPodCloseResetsInFlight(t *testing.T) {
	p := startTestPod(t, "127.41.0.3:0", PodOptions{Name: "web-3"})
	c := &http.Client{Timeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() {
		_, err := doErr(c, "http://"+p.Addr()+"/?sleep=2s", "")
		done <- err
	}()
	waitFor(t, time.Second, "request in flight", func() bool { return p.Requests() == 1 })
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("in-flight request survived Close")
		}
	case <-time.After(time.Second):
		t.Error("in-flight request still hanging after Close")
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "10.0.0.1:80", ":0", "example.com:80", "[::1]:0"} {
		if _, err := StartPod(addr, PodOptions{}); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("StartPod(%q) error = %v, want ErrNotLoopback", addr, err)
		}
		if _, err := StartNodePort(addr, NodePortOptions{}); !errors.Is(err, ErrNotLoopback) {
			t.Errorf("StartNodePort(%q) error = %v, want ErrNotLoopback", addr, err)
		}
	}
}
