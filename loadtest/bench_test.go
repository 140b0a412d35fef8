package loadtest

import (
	"context"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkEngine measures a whole request through the engine — vegeta's
// attacker, the pacer, the HTTP/1.1 client, the recorder — against an
// in-process server that answers at once; ns/op is the engine's cost plus
// the server's on loopback (both share the machine, as in the bench script).
func BenchmarkEngine(b *testing.B) {
	for _, std := range []bool{false, true} {
		name := "h1"
		if std {
			name = "net-http"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "3")
				_, _ = w.Write([]byte("ok\n"))
			})}
			go func() { _ = srv.Serve(ln) }()
			defer srv.Close()
			targets, _ := URLTargets([]string{"http://" + ln.Addr().String() + "/"}, RequestOptions{})
			// Every hit due at once: as fast as 32 workers go, for exactly b.N hits.
			rate := 1e9
			shape := &Shape{Stages: []Stage{{From: rate, To: rate, Duration: time.Duration(float64(b.N) / rate * 1e9)}}}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			runs, err := Attack(context.Background(), Options{Targets: targets, Shape: shape, Workers: 32, MaxWorkers: 32,
				Transport: TransportOptions{KeepAlive: true, Timeout: 10 * time.Second, StdTransport: std}})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if runs[0].Errors > 0 {
				b.Fatalf("errors: %v", runs[0].Kinds)
			}
			b.ReportMetric(float64(runs[0].Requests)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// BenchmarkRecord is the recorder's share per request: attribution by tag,
// scheduled time, and recording into the run, rule, pod and window
// histograms.
func BenchmarkRecord(b *testing.B) {
	targets := []Target{{Name: "a", URL: "http://a/"}, {Name: "b", URL: "http://b/"}}
	p, _ := newPlan(targets, 0)
	shape := &Shape{Stages: []Stage{{From: 2000, To: 2000, Duration: time.Hour}}}
	pacer := &startPacer{Shape: shape}
	pacer.Pace(0, 0)
	rec := newRecorder(pacer, targets, p, shape, DefaultPodHeader)
	began := pacer.start()
	hdr := http.Header{DefaultPodHeader: {"pod-1"}}
	urls := []string{tagURL(targets[0].URL, 0), tagURL(targets[1].URL, 1)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		due, _ := shape.Due(uint64(i))
		rec.add(&vegeta.Result{Seq: uint64(i), URL: urls[i&1], Code: 200, Timestamp: began.Add(due), Latency: time.Duration(1000+i%5000) * time.Microsecond, Headers: hdr})
	}
}

// BenchmarkLongRunMemory records what a 10-minute run at 2,000 req/s
// produces (1.2 M results over 600 windows, two rules, six pods) and
// reports the heap it holds: bounded histograms plus a few KB per window,
// whatever the duration.
func BenchmarkLongRunMemory(b *testing.B) {
	for range b.N {
		m := NewMetrics([]string{"a", "b"})
		pods := []string{"p1", "p2", "p3", "p4", "p5", "p6"}
		const rate, secs = 2000, 600
		for i := range rate * secs {
			m.add(sample{
				rule: i & 1, offset: time.Duration(i) * time.Second / rate,
				latency: time.Duration(800+(i*7919)%9000) * time.Microsecond, code: 200, pod: pods[i%6],
			})
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-heap")
		runtime.KeepAlive(m)
	}
}
