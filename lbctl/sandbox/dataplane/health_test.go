package dataplane

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// healthySetup is an ALB forwarding to one target group of pods, with
// health checks every 50 ms, waited on until every pod is healthy.
func healthySetup(t *testing.T, ip string, pods []*Pod, dereg time.Duration, log *eventLog) (*Plane, *http.Client, func([]*Pod)) {
	t.Helper()
	o := Options{}
	if log != nil {
		o.OnHealth = log.add
	}
	p := newTestPlane(t, o)
	apply := func(ps []*Pod) {
		var targets []Target
		for _, pod := range ps {
			targets = append(targets, podTarget(pod, ""))
		}
		mustApply(t, p, Config{
			TargetGroups:  []TargetGroup{{ARN: "tg", Targets: targets, HealthCheck: fastCheck(), DeregistrationDelay: dereg}},
			LoadBalancers: []LoadBalancer{lbConfig("alb", ip, nil, forward("tg"))},
		})
	}
	apply(pods)
	for _, pod := range pods {
		tgt := podTarget(pod, "")
		waitFor(t, 2*time.Second, pod.Name()+" healthy", func() bool { return stateOf(p, "tg", tgt.ID, tgt.Port) == StateHealthy })
	}
	return p, testClient(p), apply
}

func TestHealthUnhealthyTargetStopsGettingTraffic(t *testing.T) {
	a := startTestPod(t, "127.44.1.1:0", PodOptions{Name: "a"})
	b := startTestPod(t, "127.44.1.2:0", PodOptions{Name: "b"})
	log := &eventLog{}
	p, client, _ := healthySetup(t, "127.44.0.1", []*Pod{a, b}, 0, log)
	ta := podTarget(a, "")

	a.SetHealthy(false)
	start := time.Now()
	waitFor(t, time.Second, "a unhealthy", func() bool { return stateOf(p, "tg", ta.ID, ta.Port) == StateUnhealthy })
	// Two failures at a 50 ms interval: at most ~2 intervals after the flip.
	if d := time.Since(start); d > 2*fastCheck().Interval+100*time.Millisecond {
		t.Errorf("unhealthy after %v, want within ~2 intervals (%v)", d, 2*fastCheck().Interval)
	}
	h, _ := healthOf(p, "tg", ta)
	want := HealthEvent{TargetGroupARN: "tg", TargetID: ta.ID, Port: ta.Port, State: StateUnhealthy,
		Reason: ReasonResponseCodeMismatch, Description: "Health checks failed with these codes: [503]"}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("TargetHealth (-want +got):\n%s", diff)
	}
	before := a.Requests()
	got := countByPod(t, client, "http://alb.elb.local/", "", 100)
	if a.Requests() != before || got["b"] != 100 {
		t.Errorf("traffic after a turned unhealthy: %v (a served %d)", got, a.Requests()-before)
	}

	waitFor(t, time.Second, "events delivered", func() bool { return len(log.forTarget(ta.ID, ta.Port)) >= 4 })
	var states []string
	for _, e := range log.forTarget(ta.ID, ta.Port) {
		states = append(states, string(e.State)+" "+e.Reason)
	}
	wantStates := []string{
		"initial " + ReasonRegistrationInProgress,
		"initial " + ReasonInitialHealthChecking,
		"healthy ",
		"unhealthy " + ReasonResponseCodeMismatch,
	}
	if diff := cmp.Diff(wantStates, states); diff != "" {
		t.Errorf("OnHealth events (-want +got):\n%s", diff)
	}

	a.SetHealthy(true)
	waitFor(t, time.Second, "a healthy again", func() bool { return stateOf(p, "tg", ta.ID, ta.Port) == StateHealthy })
	if got := countByPod(t, client, "http://alb.elb.local/", "", 10); got["a"] != 5 || got["b"] != 5 {
		t.Errorf("round robin over two healthy targets = %v", got)
	}
}

func TestHealthFailOpen(t *testing.T) {
	a := startTestPod(t, "127.44.2.1:0", PodOptions{Name: "a"})
	b := startTestPod(t, "127.44.2.2:0", PodOptions{Name: "b"})
	p, client, _ := healthySetup(t, "127.44.0.2", []*Pod{a, b}, 0, nil)
	a.SetHealthy(false)
	b.SetHealthy(false)
	for _, pod := range []*Pod{a, b} {
		tgt := podTarget(pod, "")
		waitFor(t, time.Second, pod.Name()+" unhealthy", func() bool { return stateOf(p, "tg", tgt.ID, tgt.Port) == StateUnhealthy })
	}
	got := countByPod(t, client, "http://alb.elb.local/", "", 100)
	if got["a"] != 50 || got["b"] != 50 {
		t.Errorf("with every target unhealthy the ALB fails open to all: got %v", got)
	}
}

func TestHealthFailureReasons(t *testing.T) {
	slow := startTestPod(t, "127.44.3.1:0", PodOptions{Name: "slow", Latency: 100 * time.Millisecond})
	gone := startTestPod(t, "127.44.3.2:0", PodOptions{Name: "gone"})
	ok := startTestPod(t, "127.44.3.3:0", PodOptions{Name: "ok"})
	_ = gone.Close()
	hc := fastCheck()
	hc.Matcher = "200-299"
	hcPort := fastCheck()
	hcPort.Path = "/"
	hcPort.Matcher = "404" // the pod answers 200 on "/", so this group fails
	p := newTestPlane(t, Options{})
	mustApply(t, p, Config{
		TargetGroups: []TargetGroup{
			{ARN: "tg", HealthCheck: hc, Targets: []Target{podTarget(slow, ""), podTarget(gone, ""), podTarget(ok, "")}},
			{ARN: "tg-mismatch", HealthCheck: hcPort, Targets: []Target{podTarget(ok, "")}},
		},
		LoadBalancers: []LoadBalancer{lbConfig("alb", "127.44.0.3", []Rule{
			{Priority: 1, Paths: []string{"/m"}, Action: forward("tg-mismatch")},
		}, forward("tg"))},
	})
	tests := []struct {
		arn    string
		pod    *Pod
		state  TargetState
		reason string
	}{
		{"tg", slow, StateUnhealthy, ReasonTimeout},
		{"tg", gone, StateUnhealthy, ReasonFailedHealthChecks},
		{"tg", ok, StateHealthy, ""},
		{"tg-mismatch", ok, StateUnhealthy, ReasonResponseCodeMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.arn+"/"+tt.pod.Name(), func(t *testing.T) {
			tgt := podTarget(tt.pod, "")
			waitFor(t, 2*time.Second, "state "+string(tt.state), func() bool {
				h, _ := healthOf(p, tt.arn, tgt)
				return h.State == tt.state && h.Reason == tt.reason
			})
		})
	}
}

func TestDraining(t *testing.T) {
	a := startTestPod(t, "127.44.4.1:0", PodOptions{Name: "a"})
	b := startTestPod(t, "127.44.4.2:0", PodOptions{Name: "b"})
	log := &eventLog{}
	const delay = 300 * time.Millisecond
	p, client, apply := healthySetup(t, "127.44.0.4", []*Pod{a}, delay, log)
	ta := podTarget(a, "")

	// A request in flight to a when it is deregistered finishes normally.
	inflight := make(chan result, 1)
	go func() {
		r, _ := doErr(client, "http://alb.elb.local/?sleep=150ms", "")
		inflight <- r
	}()
	waitFor(t, time.Second, "request in flight on a", func() bool { return a.Requests() == 1 })
	apply([]*Pod{b})
	start := time.Now()

	h, _ := healthOf(p, "tg", ta)
	if h.State != StateDraining || h.Reason != ReasonDeregistrationInProgress {
		t.Errorf("removed target = %+v, want draining", h)
	}
	if got := countByPod(t, client, "http://alb.elb.local/", "", 20); got["b"] != 20 {
		t.Errorf("a draining target got new requests: %v", got)
	}
	if r := <-inflight; r.status != 200 || r.header.Get(PodHeader) != "a" {
		t.Errorf("in-flight request to the draining target = %d from %q", r.status, r.header.Get(PodHeader))
	}
	waitFor(t, 2*time.Second, "a gone", func() bool { return stateOf(p, "tg", ta.ID, ta.Port) == "" })
	if d := time.Since(start); d < delay-20*time.Millisecond {
		t.Errorf("target dropped after %v, before the %v deregistration delay", d, delay)
	}
	waitFor(t, time.Second, "unused event", func() bool {
		ev := log.forTarget(ta.ID, ta.Port)
		return len(ev) > 0 && ev[len(ev)-1].Reason == ReasonNotRegistered
	})
	ev := log.forTarget(ta.ID, ta.Port)
	if len(ev) < 2 || ev[len(ev)-2].State != StateDraining || ev[len(ev)-1].State != StateUnused {
		t.Errorf("events for a = %+v, want ... draining, unused", ev)
	}

	// A request still in flight when the delay ends is cut off with a 502.
	apply([]*Pod{a})
	waitFor(t, 2*time.Second, "a healthy", func() bool { return stateOf(p, "tg", ta.ID, ta.Port) == StateHealthy })
	apply([]*Pod{a, b})
	before := a.Requests()
	var cut chan result
	for a.Requests() == before { // round robin: one of the next two requests lands on a
		cut = make(chan result, 1)
		go func() {
			r, _ := doErr(client, "http://alb.elb.local/?sleep=2s", "")
			cut <- r
		}()
		time.Sleep(20 * time.Millisecond)
	}
	apply([]*Pod{b})
	select {
	case r := <-cut:
		if r.status != 502 || r.header.Get("Server") != ALBServer {
			t.Errorf("request cut at the end of draining = %d (Server %q), want an ALB 502", r.status, r.header.Get("Server"))
		}
	case <-time.After(2 * time.Second):
		t.Error("request to the dropped target was not cut off")
	}
}

func TestUnusedTargetGroupIsNotChecked(t *testing.T) {
	a := startTestPod(t, "127.44.5.1:0", PodOptions{Name: "a"})
	ta := podTarget(a, "")
	p := newTestPlane(t, Options{})
	tgs := []TargetGroup{{ARN: "tg", HealthCheck: fastCheck(), Targets: []Target{ta}}}
	mustApply(t, p, Config{TargetGroups: tgs})
	h, _ := healthOf(p, "tg", ta)
	if h.State != StateUnused || h.Reason != ReasonNotInUse {
		t.Errorf("target of an unused group = %+v", h)
	}
	time.Sleep(3 * fastCheck().Interval)
	if n := a.HealthChecks(); n != 0 {
		t.Errorf("unused group's target was checked %d times", n)
	}
	mustApply(t, p, Config{TargetGroups: tgs, LoadBalancers: []LoadBalancer{lbConfig("alb", "127.44.0.5", nil, forward("tg"))}})
	if s := stateOf(p, "tg", ta.ID, ta.Port); s != StateInitial {
		t.Errorf("once used, state = %s, want initial", s)
	}
	waitFor(t, 2*time.Second, "healthy", func() bool { return stateOf(p, "tg", ta.ID, ta.Port) == StateHealthy })
}

func TestInstanceTargetThroughNodePort(t *testing.T) {
	pod := startTestPod(t, "127.44.6.1:0", PodOptions{Name: "pod", Zone: "a"})
	n := startTestNodePort(t, "127.44.6.10:0", NodePortOptions{Zone: "a"})
	tgt := podTarget(pod, "a")
	tgt.ID, tgt.Addr = "i-0abc", n.Addr()
	_, port, _ := splitPort(n.Addr())
	tgt.Port = port
	p := newTestPlane(t, Options{})
	mustApply(t, p, Config{
		TargetGroups:  []TargetGroup{{ARN: "tg", HealthCheck: fastCheck(), Targets: []Target{tgt}}},
		LoadBalancers: []LoadBalancer{lbConfig("alb", "127.44.0.6", nil, forward("tg"))},
	})
	client := testClient(p)
	// No endpoints yet: kube-proxy rejects, the ALB answers 502 itself and
	// the health checks fail.
	waitFor(t, 2*time.Second, "unhealthy", func() bool {
		h, _ := healthOf(p, "tg", tgt)
		return h.State == StateUnhealthy && h.Reason == ReasonFailedHealthChecks
	})
	if r := do(t, client, "http://alb.elb.local/", ""); r.status != 502 || r.header.Get("Server") != ALBServer {
		t.Errorf("no endpoints behind the node port: %d (Server %q), want an ALB 502", r.status, r.header.Get("Server"))
	}
	n.SetEndpoints([]Endpoint{{Addr: pod.Addr(), Zone: "a", Ready: true}})
	waitFor(t, 2*time.Second, "healthy", func() bool { return stateOf(p, "tg", tgt.ID, tgt.Port) == StateHealthy })
	if r := do(t, client, "http://alb.elb.local/", ""); r.status != 200 || r.header.Get(PodHeader) != "pod" {
		t.Errorf("through the node port: %d from %q", r.status, r.header.Get(PodHeader))
	}
}
