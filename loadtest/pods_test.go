package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// hostile are values a server, a file or a flag may hold that a report
// must not pass on as they are: terminal escapes (set the title, clear the
// screen), line breaks, Markdown and HTML markup, a workflow command.
var hostile = []string{
	"\x1b]0;pwned\x07", "\x1b[2J\x1b[H", "a\r\nb", "x|y` **bold** [link](http://evil)", "<script>alert(1)</script>",
	"::error::injected", "\u202eevil", "bad\xffutf8",
}

// rawControl reports a byte a terminal acts on, left in a report.
func rawControl(s string) bool {
	return strings.ContainsAny(s, "\x1b\x07\r\u202e") || !utf8.ValidString(s)
}

// A server that names a new pod in every response costs a bounded
// breakdown: MaxPods by name, the rest counted together.
func TestPodBreakdownIsBounded(t *testing.T) {
	m := NewMetrics([]string{"r"})
	const distinct = 3000
	for i := range 2 * distinct {
		m.add(sample{latency: time.Millisecond, code: 200, pod: fmt.Sprintf("pod-%d", i%distinct)})
	}
	if len(m.Pods) != MaxPods {
		t.Fatalf("%d pods kept, want %d", len(m.Pods), MaxPods)
	}
	o := m.OtherPods
	if o == nil || o.Pods != distinct-MaxPods || o.Requests != 2*(distinct-MaxPods) || o.Latency.Count() != o.Requests {
		t.Fatalf("other pods = %+v, want %d pods with %d requests", o, distinct-MaxPods, 2*(distinct-MaxPods))
	}
	var total int64
	for _, p := range m.Pods {
		total += p.Requests
	}
	if total+o.Requests != 2*distinct {
		t.Errorf("pods hold %d requests, want %d", total+o.Requests, 2*distinct)
	}
	run := &Run{Metrics: *m, Meta: Meta{Measured: time.Second}}
	var text bytes.Buffer
	if err := WriteText(&text, run); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(text.String(), "\n"); lines > 40 {
		t.Errorf("the text report has %d lines, want the top %d pods and one for the rest:\n%s", lines, ReportPods, text.String())
	}
	if !strings.Contains(text.String(), fmt.Sprintf("(other %d pods)", distinct-ReportPods)) {
		t.Errorf("the text report does not count the other pods:\n%s", text.String())
	}
	b, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 1<<20 {
		t.Errorf("RUN.json is %d KiB with %d pods", len(b)>>10, distinct)
	}
}

// Merged runs keep the most requested MaxPods pods and fold the rest into
// the other pods.
func TestMergeKeepsTheBusiestPods(t *testing.T) {
	var runs []*Run
	for w := range 2 {
		m := NewMetrics([]string{"r"})
		for i := range MaxPods {
			n := 1
			if i < 10 {
				n = 100 // each worker's first ten pods are the busiest
			}
			for range n {
				m.add(sample{latency: time.Millisecond, code: 200, pod: fmt.Sprintf("w%d-pod-%d", w, i)})
			}
		}
		runs = append(runs, &Run{Schema: Schema, Metrics: *m, Meta: Meta{Measured: time.Second}})
	}
	merged, err := MergeRuns(runs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Pods) != MaxPods || merged.OtherPods == nil || merged.OtherPods.Pods != MaxPods {
		t.Fatalf("%d pods and %+v others, want %d and %d", len(merged.Pods), merged.OtherPods, MaxPods, MaxPods)
	}
	top, _ := merged.TopPods(20)
	for _, p := range top {
		if p.Requests != 100 {
			t.Errorf("top pod %s has %d requests, want the busiest (100)", p.Name, p.Requests)
		}
	}
}

// Pod names from the server reach no report raw, and thousands of them
// through the real engine stay bounded.
func TestPodNamesFromTheServerAreEscaped(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		i := n.Add(1)
		w.Header()["X-Lbctl-Pod"] = []string{fmt.Sprintf("%s-%d", hostile[int(i)%2], i)}
	}))
	defer srv.Close()
	targets, _ := URLTargets([]string{srv.URL + "/"}, RequestOptions{})
	run := attack(t, Options{Targets: targets, Shape: constShape(t, 2000, 400*time.Millisecond, 0)})
	if len(run.Pods) > MaxPods || run.Requests < MaxPods+10 {
		t.Fatalf("%d requests, %d pods kept", run.Requests, len(run.Pods))
	}
	var text bytes.Buffer
	if err := WriteText(&text, run); err != nil {
		t.Fatal(err)
	}
	if rawControl(text.String()) || !strings.Contains(text.String(), `\x1b[2J\x1b[H-`) {
		t.Errorf("the text report passes the server's escapes on, or lost the names:\n%q", text.String())
	}
}

// Every sink escapes what it is given in its own way.
func TestReportsEscapeValues(t *testing.T) {
	for _, v := range hostile {
		run := testRun()
		run.Rules[0].Name = v
		run.Meta.Name = v
		run.Meta.Aborted = v
		run.Meta.Options.PodHeader = v
		run.Codes[v] = 1
		run.Pods = []*PodMetrics{{Name: v, Counts: Counts{Requests: 1}, Latency: NewSparse()}}
		run.Thresholds = []Verdict{{Threshold: v, Scope: v, Value: v}}

		var text, md, page bytes.Buffer
		if err := WriteText(&text, run); err != nil {
			t.Fatal(err)
		}
		if rawControl(text.String()) || strings.Contains(text.String(), "a\nb") {
			t.Errorf("%q: text report:\n%q", v, text.String())
		}
		if err := WriteMarkdown(&md, run); err != nil {
			t.Fatal(err)
		}
		columns := 0
		for _, line := range strings.Split(md.String(), "\n") {
			markup, cells := markdownMarkup(line)
			if rawControl(line) || markup {
				t.Errorf("%q: markdown line %q", v, line)
			}
			switch {
			case !strings.HasPrefix(line, "|"):
				columns = 0
			case columns == 0:
				columns = cells
			case cells != columns:
				t.Errorf("%q: markdown row of %d cells in a table of %d: %q", v, cells, columns, line)
			}
		}
		if err := WriteHTML(&page, run); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(page.String(), "<script") {
			t.Errorf("%q: html report holds a script", v)
		}
		for _, a := range GitHubAnnotations([]Verdict{{Threshold: v, Scope: v, Value: v}}) {
			if rawControl(a) || strings.ContainsAny(a, "\n") || !strings.HasPrefix(a, "::error title=lbctl loadtest::threshold ") {
				t.Errorf("%q: annotation %q", v, a)
			}
		}
		var cmpText, cmpMD bytes.Buffer
		c := Compare(run, run)
		if err := WriteComparisonText(&cmpText, c, v, v); err != nil {
			t.Fatal(err)
		}
		if err := WriteComparisonMarkdown(&cmpMD, c, v, v); err != nil {
			t.Fatal(err)
		}
		if rawControl(cmpText.String()) || rawControl(cmpMD.String()) || strings.Contains(cmpMD.String(), "<script") && !strings.Contains(cmpMD.String(), "`<script") {
			t.Errorf("%q: comparison\n%q\n%q", v, cmpText.String(), cmpMD.String())
		}
	}
}

// markdownMarkup reports whether a Markdown line holds markup outside code
// spans and backslash escapes (HTML, a link, emphasis), and counts its
// table cell separators.
func markdownMarkup(line string) (markup bool, pipes int) {
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case '\\':
			i++
		case '`':
			n := 1
			for i+n < len(line) && line[i+n] == '`' {
				n++
			}
			fence := line[i : i+n]
			end := strings.Index(line[i+n:], fence)
			if end < 0 {
				return true, pipes
			}
			i += n + end + n - 1
		case '|':
			pipes++
		case '<', '*', '[':
			return true, pipes
		}
	}
	return false, pipes
}

// A table cell keeps its column whatever the value holds.
func TestMarkdownCellsKeepTheirColumns(t *testing.T) {
	run := testRun()
	run.Rules[0].Name = "a|b`c"
	var md bytes.Buffer
	if err := WriteMarkdown(&md, run); err != nil {
		t.Fatal(err)
	}
	want := "| ``a\\|b`c`` | 500 |"
	if !strings.Contains(md.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, md.String())
	}
}
