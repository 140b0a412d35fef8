package dataplane

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// benchClient is a keep-alive client reaching ALBs through the plane's dialer.
func benchClient(p *Plane, conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext:         p.DialContext,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  true,
	}}
}

func benchGet(b *testing.B, c *http.Client, url, host string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// BenchmarkALBThroughput drives parallel keep-alive clients (16 goroutines
// on 2 cores) through one ALB listener to three pods and reports requests
// per second and CPU per request. Client, proxy and pods share the cores, so
// "alb" costs about two HTTP hops; "direct" (the same clients straight to one
// pod) is the one-hop floor on the same machine, measured in the same run.
// On a shared machine cpu-µs/req is the steadier figure: capacity ≈
// cores / cpu-µs/req.
func BenchmarkALBThroughput(b *testing.B) {
	var pods []*Pod
	var targets []Target
	for i := range 3 {
		pod := startTestPod(b, "127.45.1."+strconv.Itoa(i+1)+":0", PodOptions{Name: "pod-" + strconv.Itoa(i)})
		pods = append(pods, pod)
		targets = append(targets, podTarget(pod, ""))
	}
	p := newTestPlane(b, Options{})
	mustApply(b, p, Config{
		TargetGroups:  []TargetGroup{{ARN: "tg", Targets: targets, HealthCheck: fastCheck()}},
		LoadBalancers: []LoadBalancer{lbConfig("alb", "127.45.0.1", nil, forward("tg"))},
	})
	for _, t := range targets {
		waitFor(b, 2*time.Second, "healthy", func() bool { return stateOf(p, "tg", t.ID, t.Port) == StateHealthy })
	}
	for _, bc := range []struct{ name, url string }{
		{"alb", "http://alb.elb.local/"},
		{"direct", "http://" + pods[0].Addr() + "/"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchClient(p, 256)
			defer c.CloseIdleConnections()
			b.SetParallelism(8)
			cpu0 := processCPU()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchGet(b, c, bc.url, "")
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/req")
		})
	}
}

// BenchmarkInstanceVsIPLatency measures sequential request latency through
// an ALB on three paths, interleaved so they share conditions:
//
//   - ip: ALB → pod (three pods in zones a, b, c);
//   - instance: ALB → one of three NodePort forwarders (zones a, b, c), each
//     forwarding to any of the three pods with 1 ms added when the pod is in
//     another zone — 2 of 3 choices;
//   - local: ALB → a NodePort forwarding only to a same-zone pod, which
//     isolates the cost of the extra proxy hop itself.
//
// With 2/3 of instance requests paying the hop, the instance median lies in
// the delayed mode: p50(instance) − p50(ip) ≈ 1 ms + hop overhead, while the
// mean difference ≈ 2/3 ms + hop overhead.
func BenchmarkInstanceVsIPLatency(b *testing.B) {
	zones := []string{"a", "b", "c"}
	var ipTargets, instanceTargets []Target
	var eps []Endpoint
	for i, z := range zones {
		pod := startTestPod(b, "127.45.2."+strconv.Itoa(i+1)+":0", PodOptions{Name: "pod-" + z, Zone: z})
		ipTargets = append(ipTargets, podTarget(pod, z))
		eps = append(eps, Endpoint{Addr: pod.Addr(), Zone: z, Ready: true})
	}
	for i, z := range zones {
		n := startTestNodePort(b, "127.45.3."+strconv.Itoa(i+1)+":0", NodePortOptions{Zone: z, CrossZoneLatency: time.Millisecond})
		n.SetEndpoints(eps)
		_, port, _ := splitPort(n.Addr())
		instanceTargets = append(instanceTargets, Target{ID: "i-" + z, Port: port, Addr: n.Addr(), Zone: z})
	}
	local := startTestNodePort(b, "127.45.3.9:0", NodePortOptions{Zone: "a", CrossZoneLatency: time.Millisecond})
	local.SetEndpoints(eps[:1])
	_, lport, _ := splitPort(local.Addr())
	localTarget := Target{ID: "i-local", Port: lport, Addr: local.Addr(), Zone: "a"}

	p := newTestPlane(b, Options{})
	mustApply(b, p, Config{
		TargetGroups: []TargetGroup{
			{ARN: "tg-ip", Targets: ipTargets, HealthCheck: fastCheck()},
			{ARN: "tg-instance", Targets: instanceTargets, HealthCheck: fastCheck()},
			{ARN: "tg-local", Targets: []Target{localTarget}, HealthCheck: fastCheck()},
		},
		LoadBalancers: []LoadBalancer{lbConfig("alb", "127.45.0.2", []Rule{
			{Priority: 1, Hosts: []string{"ip.example"}, Action: forward("tg-ip")},
			{Priority: 2, Hosts: []string{"instance.example"}, Action: forward("tg-instance")},
			{Priority: 3, Hosts: []string{"local.example"}, Action: forward("tg-local")},
		}, Action{Fixed: &FixedResponse{Status: 404}})},
	})
	for arn, ts := range map[string][]Target{"tg-ip": ipTargets, "tg-instance": instanceTargets, "tg-local": {localTarget}} {
		for _, t := range ts {
			waitFor(b, 2*time.Second, "healthy", func() bool { return stateOf(p, arn, t.ID, t.Port) == StateHealthy })
		}
	}
	c := benchClient(p, 4)
	hosts := []string{"ip.example", "instance.example", "local.example"}
	for range 50 { // warm every connection
		for _, h := range hosts {
			benchGet(b, c, "http://alb.elb.local/", h)
		}
	}
	lat := make([][]time.Duration, len(hosts))
	b.ResetTimer()
	for b.Loop() {
		for i, h := range hosts {
			start := time.Now()
			benchGet(b, c, "http://alb.elb.local/", h)
			lat[i] = append(lat[i], time.Since(start))
		}
	}
	b.StopTimer()
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	ipP50, instP50, localP50 := quantile(lat[0], 0.5), quantile(lat[1], 0.5), quantile(lat[2], 0.5)
	b.ReportMetric(us(ipP50), "ip-p50-µs")
	b.ReportMetric(us(instP50), "instance-p50-µs")
	b.ReportMetric(us(localP50), "local-p50-µs")
	b.ReportMetric(us(instP50-ipP50), "p50-diff-µs")
	b.ReportMetric(us(mean(lat[1])-mean(lat[0])), "mean-diff-µs")
	b.ReportMetric(us(localP50-ipP50), "hop-overhead-µs")
	b.ReportMetric(us(mean(lat[1])-mean(lat[2])), "zone-mean-diff-µs")
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// processCPU is the CPU time (user + system) the process has used: on a
// shared machine, CPU per request is a steadier measure than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
