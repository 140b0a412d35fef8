package dataplane

import (
	"net/http"
	"testing"
	"time"
)

func startTestNodePort(t testing.TB, addr string, o NodePortOptions) *NodePort {
	t.Helper()
	n, err := StartNodePort(addr, o)
	if err != nil {
		t.Fatalf("StartNodePort(%s): %v", addr, err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n
}

func TestNodePortCrossZoneLatency(t *testing.T) {
	const hop = 40 * time.Millisecond
	same := startTestPod(t, "127.42.1.1:0", PodOptions{Name: "same", Zone: "a"})
	other := startTestPod(t, "127.42.1.2:0", PodOptions{Name: "other", Zone: "b"})
	n := startTestNodePort(t, "127.42.0.1:0", NodePortOptions{Zone: "a", CrossZoneLatency: hop})
	c := &http.Client{Timeout: 5 * time.Second}
	url := "http://" + n.Addr() + "/"
	tests := []struct {
		name     string
		ep       Endpoint
		pod      string
		min, max time.Duration
	}{
		{"same zone", Endpoint{Addr: same.Addr(), Zone: "a", Ready: true}, "same", 0, hop / 2},
		{"cross zone", Endpoint{Addr: other.Addr(), Zone: "b", Ready: true}, "other", hop, 10 * hop},
		{"zone unknown", Endpoint{Addr: other.Addr(), Ready: true}, "other", 0, hop / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n.SetEndpoints([]Endpoint{tt.ep})
			do(t, c, url, "") // warm the connections
			start := time.Now()
			r := do(t, c, url, "")
			d := time.Since(start)
			if r.header.Get(PodHeader) != tt.pod {
				t.Errorf("served by %q, want %q", r.header.Get(PodHeader), tt.pod)
			}
			if d < tt.min || d > tt.max {
				t.Errorf("took %v, want within [%v, %v]", d, tt.min, tt.max)
			}
		})
	}
}

func TestNodePortBalancesReadyEndpoints(t *testing.T) {
	a := startTestPod(t, "127.42.2.1:0", PodOptions{Name: "a"})
	b := startTestPod(t, "127.42.2.2:0", PodOptions{Name: "b"})
	notReady := startTestPod(t, "127.42.2.3:0", PodOptions{Name: "not-ready"})
	n := startTestNodePort(t, "127.42.0.2:0", NodePortOptions{})
	n.SetEndpoints([]Endpoint{{Addr: a.Addr(), Ready: true}, {Addr: b.Addr(), Ready: true}, {Addr: notReady.Addr()}})
	got := countByPod(t, &http.Client{Timeout: 5 * time.Second}, "http://"+n.Addr()+"/", "", 200)
	if got["not-ready"] != 0 || got["a"] < 60 || got["b"] < 60 {
		t.Errorf("spread = %v, want a and b about 100 each, not-ready none", got)
	}
}

func TestNodePortWithoutEndpointsResets(t *testing.T) {
	n := startTestNodePort(t, "127.42.0.3:0", NodePortOptions{})
	c := &http.Client{Timeout: 5 * time.Second}
	if r, err := doErr(c, "http://"+n.Addr()+"/", ""); err == nil {
		t.Errorf("no endpoints answered %d, want a reset connection", r.status)
	}
	n.SetEndpoints([]Endpoint{{Addr: deadAddr(t, "127.42.2.9"), Ready: true}})
	if r, err := doErr(c, "http://"+n.Addr()+"/", ""); err == nil {
		t.Errorf("dead endpoint answered %d, want a reset connection", r.status)
	}
}
