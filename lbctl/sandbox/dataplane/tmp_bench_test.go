package dataplane

import (
	"net/http"
	"testing"
)

func BenchmarkTmpDirectPod(b *testing.B) {
	pod := startTestPod(b, "127.45.9.1:0", PodOptions{Name: "x"})
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchGet(b, c, "http://"+pod.Addr()+"/", "")
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkTmpFixed(b *testing.B) {
	p := newTestPlane(b, Options{})
	mustApply(b, p, Config{LoadBalancers: []LoadBalancer{lbConfig("alb", "127.45.9.2", nil, Action{Fixed: &FixedResponse{Status: 200, Body: "hi"}})}})
	c := benchClient(p, 256)
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchGet(b, c, "http://alb.elb.local/", "")
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
