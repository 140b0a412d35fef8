package loadtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runJSON is a valid RUN.json, changed by edit (on its decoded form).
func runJSON(t testing.TB, edit func(m map[string]any)) []byte {
	t.Helper()
	run := testRun()
	run.Meta.Started = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var b bytes.Buffer
	if err := run.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// RUN.json values lbctl cannot hold are refused, quickly and in one line,
// before they take memory.
func TestReadRunRefusesWhatItCannotHold(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		says string
	}{
		{"a window at t=2^62", func(m map[string]any) {
			m["windows"] = []any{map[string]any{"t": 1 << 62, "requests": 1}}
		}, "a window at t=4611686018427387904 s"},
		{"100k rules", func(m map[string]any) {
			rules := make([]any, 100000)
			for i := range rules {
				rules[i] = map[string]any{"name": "r"}
			}
			m["rules"] = rules
		}, "100000 rules, more than 1000"},
		{"too many pods", func(m map[string]any) {
			pods := make([]any, MaxPods+1)
			for i := range pods {
				pods[i] = map[string]any{"name": "p"}
			}
			m["pods"] = pods
		}, "257 pods, more than 256"},
		{"negative requests", func(m map[string]any) { m["requests"] = -1 }, "requests = -1"},
		{"requests past 2^50", func(m map[string]any) { m["requests"] = int64(1) << 60 }, "out of range"},
		{"more errors than requests", func(m map[string]any) { m["errors"] = 5000 }, "errors = 5000"},
		{"a negative code count", func(m map[string]any) { m["codes"] = map[string]any{"200": -3} }, `count "200" = -3`},
		{"a negative duration", func(m map[string]any) { m["meta"].(map[string]any)["measuredNs"] = -1 }, "measuredNs = -1"},
		{"a measured time of a year", func(m map[string]any) { m["meta"].(map[string]any)["measuredNs"] = int64(365 * 24 * time.Hour) }, "measuredNs"},
		{"another schema", func(m map[string]any) { m["schema"] = "x\x1b[2J" }, `schema "x\\x1b[2J"`},
		{"a null rule", func(m map[string]any) { m["rules"] = []any{nil} }, "a null rule"},
	} {
		t0 := time.Now()
		_, err := ReadRun(bytes.NewReader(runJSON(t, tc.edit)))
		if !errors.Is(err, ErrNotARun) || !strings.Contains(err.Error(), tc.says) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line saying %q", tc.name, err, tc.says)
		}
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("%s: took %s", tc.name, d)
		}
	}
	if _, err := ReadRun(bytes.NewReader(runJSON(t, nil))); err != nil {
		t.Errorf("a valid run: %v", err)
	}
}

// Runs that started further apart than a run may last do not merge into
// one (the windows between them would take gigabytes).
func TestMergeRefusesRunsFarApart(t *testing.T) {
	a, b := testRun(), testRun()
	a.Meta.Started = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.Meta.Started = a.Meta.Started.Add(1 << 62)
	if _, err := MergeRuns(a, b); err == nil || !strings.Contains(err.Error(), "not one test") {
		t.Errorf("merge of runs 146 years apart: %v", err)
	}
	b.Meta.Started = a.Meta.Started.Add(time.Hour)
	if _, err := MergeRuns(a, b); err != nil {
		t.Errorf("merge of runs an hour apart: %v", err)
	}
}

// A RUN.json must be a regular file of at most MaxRunFileBytes.
func TestLoadRunRefusesDevicesAndDirectories(t *testing.T) {
	for _, path := range []string{"/dev/zero", t.TempDir()} {
		if _, err := LoadRun(path); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: %v", path, err)
		}
	}
	p := filepath.Join(t.TempDir(), "run.json")
	if err := os.WriteFile(p, runJSON(t, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRun(p); err != nil {
		t.Errorf("a valid file: %v", err)
	}
}

// A shape longer than the windows a run keeps is refused.
func TestShapeLastsAtMostADay(t *testing.T) {
	for _, o := range []ShapeOptions{
		{Rate: 10, Duration: 25 * time.Hour},
		{Rate: 10, Duration: 23 * time.Hour, Warmup: 2 * time.Hour},
		{Steps: []Stage{{From: 1, To: 1, Duration: 20 * time.Hour}, {From: 2, To: 2, Duration: 5 * time.Hour}}},
		{Duration: 1 << 62},
	} {
		if _, err := NewShape(o); err == nil || !strings.Contains(err.Error(), "at most 24h") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
