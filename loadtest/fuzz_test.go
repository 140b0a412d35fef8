package loadtest

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// Fuzz targets for what lbctl parses from users and files: `make fuzz`
// runs each for a while; `go test` runs their seeds, the inputs that once
// crashed lbctl or took all its memory among them.

func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{
		"p99<250ms", "errors<0.1%", "rule:api p95<100ms", "rate>=900", "wait.p99<5ms", "alb_errors<=4", "p(95)<1s",
		"p99<Inf", "pNaN<1ms", "p99<1e400ms", "errors<1e309%", "rate>1e308", "p99<-1ms", "p101<1s", "rule: p99<1s",
		"p99<9223372036854775807ms", "mean<0x1p-1074s", "errors<NaN", "p99.9999999999999999<1ms",
	} {
		f.Add(s)
	}
	run := testRun()
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			if !errors.Is(err, ErrBadThreshold) {
				t.Fatalf("%q: an error that is not ErrBadThreshold: %v", expr, err)
			}
			return
		}
		if math.IsNaN(th.Limit) || math.IsInf(th.Limit, 0) {
			t.Fatalf("%q: limit %v accepted", expr, th.Limit)
		}
		Evaluate(run, []Threshold{th})
	})
}

// fuzzTargets reads a target file as lbctl does, @bodies from memory, and
// checks what it accepted is what the HTTP/1.1 writer may write.
func fuzzTargets(t *testing.T, format, file string) {
	ts, err := ReadTargets(strings.NewReader(file), TargetFile{Format: format, ReadBody: func(string) ([]byte, error) { return []byte("body"), nil }})
	if err != nil {
		return
	}
	if len(ts) == 0 || len(ts) > MaxTargets {
		t.Fatalf("%d targets accepted", len(ts))
	}
	for _, tg := range ts {
		if _, err := checkTarget(tg); err != nil {
			t.Fatalf("accepted a target the writer must not send: %v", err)
		}
		if strings.ContainsAny(tg.Method+tg.URL, "\r\n") {
			t.Fatalf("CR or LF in %q %q", tg.Method, tg.URL)
		}
	}
}

func FuzzReadTargetsHTTP(f *testing.F) {
	for _, s := range []string{
		"GET http://a.example.com/x\nX-Team: a\n\nPOST http://a.example.com/y\n@body.json\n",
		"GET http://a.example.com/\n\nPOST http://b.example.com/\nX-Team: b", // no final newline
		"GET http://a/\nX-A: 1\rX-Injected: 1\n", "GET http://a/\nHost: a b\n", "GET http://a/\nBad Name: 1\n",
		"# comment\n\nGET http://a/\n# inside\nX: y\n", "get http://a/\n", "GET\n", "GET http://a b/\n", "GET http://a/\n@/dev/zero\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) { fuzzTargets(t, FormatHTTP, file) })
}

func FuzzReadTargetsJSON(f *testing.F) {
	for _, s := range []string{
		`{"method":"GET","url":"http://a.example.com/"}` + "\n" + `{"method":"POST","url":"http://b.example.com/","body":"eyJhIjoxfQ=="}`, // no final newline
		`{"method":"GET","url":"http://a/","header":{"X-A":["1\r\nX-Injected: 1"]}}`,
		`{"method":"GET","url":"http://a/","header":{"Host":["a/b c"]}}`,
		`{"method":"GET / HTTP/1.1\r\nX:","url":"http://a/"}`,
		`{"method":"GET","url":"http://a/\nx"}`, `{"method":"GET"}`, `{}`, `[]`, `null`, "\n\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) { fuzzTargets(t, FormatJSON, file) })
}

// fuzzRunSeeds are RUN.json documents: a valid one and the ones that took
// lbctl's memory (a window at t=2^62, too many rules) or that it cannot
// hold.
func fuzzRunSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		runJSON(f, nil),
		runJSON(f, func(m map[string]any) { m["windows"] = []any{map[string]any{"t": 1 << 62, "requests": 1}} }),
		runJSON(f, func(m map[string]any) { m["requests"] = -1 }),
		runJSON(f, func(m map[string]any) { m["meta"].(map[string]any)["started"] = "9999-12-31T23:59:59Z" }),
		runJSON(f, func(m map[string]any) { m["meta"].(map[string]any)["measuredNs"] = int64(math.MaxInt64) }),
		runJSON(f, func(m map[string]any) {
			m["pods"] = []any{map[string]any{"name": "\x1b]0;pwned\x07", "requests": 1}}
			m["otherPods"] = map[string]any{"pods": 3, "requests": 3}
		}),
		[]byte(`{"schema":"lbctl.dev/loadtest-run/v1","rules":[` + strings.Repeat(`{"name":"r"},`, MaxTargets) + `{"name":"r"}]}`),
		[]byte(`{"schema":"lbctl.dev/loadtest-run/v1","latency":"HISTFAAAAB","service":null}`),
	}
	return seeds
}

// exercise uses a run the way the commands do.
func exercise(t *testing.T, r *Run) {
	for _, w := range []func(io.Writer, *Run) error{WriteText, WriteMarkdown, WriteHTML} {
		if err := w(io.Discard, r); err != nil {
			t.Fatal(err)
		}
	}
	ths, _ := ParseThresholds([]string{"p99<250ms", "errors<1%", "rule:* p50<1s"})
	Evaluate(r, ths)
	WriteComparisonText(io.Discard, Compare(r, r), "a", "b")
}

func FuzzReadRun(f *testing.F) {
	for _, s := range fuzzRunSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		r, err := ReadRun(bytes.NewReader(doc))
		if err != nil {
			if !errors.Is(err, ErrNotARun) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q: want one line wrapping ErrNotARun", err)
			}
			return
		}
		if len(r.Rules) > MaxTargets || len(r.Pods) > MaxPods || len(r.Windows) > MaxWindows {
			t.Fatalf("accepted %d rules, %d pods, %d windows", len(r.Rules), len(r.Pods), len(r.Windows))
		}
		exercise(t, r)
	})
}

func FuzzMergeRuns(f *testing.F) {
	seeds := fuzzRunSeeds(f)
	for i, a := range seeds {
		f.Add(a, seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ra, err := ReadRun(bytes.NewReader(a))
		if err != nil {
			return
		}
		rb, err := ReadRun(bytes.NewReader(b))
		if err != nil {
			return
		}
		t0 := time.Now()
		m, err := MergeRuns(ra, rb)
		if err != nil {
			return
		}
		if len(m.Windows) > MaxWindows || len(m.Pods) > MaxPods || m.Requests != ra.Requests+rb.Requests {
			t.Fatalf("merged: %d windows, %d pods, %d requests of %d+%d", len(m.Windows), len(m.Pods), m.Requests, ra.Requests, rb.Requests)
		}
		var buf bytes.Buffer
		if err := m.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ReadRun(&buf)
		if err != nil {
			t.Fatalf("the merged run does not read back: %v", err)
		}
		exercise(t, back)
		if d := time.Since(t0); d > 10*time.Second {
			t.Fatalf("merge took %s", d)
		}
	})
}
