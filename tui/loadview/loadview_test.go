package loadview

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lbctl/lbctl/loadtest"
)

var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

func plain(m tea.Model) string { return sgr.ReplaceAllString(m.(Model).Render(), "") }

// second is the engine's progress after n seconds of a 200/s run over two
// rules (one second of warm-up): latency grows by a millisecond a second.
func second(n int) ProgressMsg {
	w := &loadtest.Window{T: n - 2, Requests: 200, Latency: loadtest.NewSparse()}
	for i := range 200 {
		w.Latency.Record(time.Duration(n)*time.Millisecond + time.Duration(i)*10*time.Microsecond)
	}
	req := int64(200 * (n - 1))
	return ProgressMsg{
		Elapsed: time.Duration(n) * time.Second, Duration: 31 * time.Second, Rate: 200,
		Requests: req, Errors: int64(n - 1), WarmupRequests: 200, Window: w,
		Codes: map[string]int64{"200": req - int64(n-1), "503": int64(n - 1)},
		Kinds: map[string]int64{loadtest.KindHTTP5xx: int64(n - 1)},
		Rules: []loadtest.RuleProgress{
			{Name: "team-a/api:api.example.com/", Requests: req / 2, P50: 2 * time.Millisecond, P99: 9 * time.Millisecond},
			{Name: "team-a/web:www.example.com/", Requests: req / 2, Errors: int64(n - 1), P50: 3 * time.Millisecond, P99: 12 * time.Millisecond},
		},
	}
}

func TestViewFollowsProgress(t *testing.T) {
	stopped := 0
	var m tea.Model = New(Header{Title: "lbctl loadtest run", Shape: "200/s for 30s after a 1s warm-up", Targets: 2, Paced: true}, func() { stopped++ })
	m, _ = m.Update(tea.WindowSizeMsg{Width: 140, Height: 45})
	if got := plain(m); !strings.Contains(got, "starting") || !strings.Contains(got, "none yet") {
		t.Errorf("before any progress the view says it is starting:\n%s", got)
	}
	m, _ = m.Update(ProgressMsg{Elapsed: time.Second, Duration: 31 * time.Second, Rate: 200, Warmup: true, WarmupRequests: 200})
	if got := plain(m); !strings.Contains(got, "warm-up") || !strings.Contains(got, "achieved 200/s") {
		t.Errorf("the warm-up shows, with the rate it achieves:\n%s", got)
	}
	for n := 2; n <= 12; n++ {
		m, _ = m.Update(second(n))
	}
	got := plain(m)
	for _, want := range []string{
		"lbctl loadtest run", "2 target(s) · 200/s for 30s after a 1s warm-up · 12s / 31s", "measuring", " 39%",
		"scheduled 200/s", "achieved 200/s", "requests 2200", "errors 11 (0.50%)", "warm-up 200 (excluded)",
		"p50 13.0ms", "p99 14.0ms", "second 11: 200 requests",
		"200 2189 (99.5%)", "503 11 (0.5%)", "http_5xx 11",
		"p50 ━ p90 ━ p99", "requests/s", " 20.0ms ┤", " 10.0ms ┤",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	if !regexp.MustCompile(` 1s +11s\n`).MatchString(got) {
		t.Errorf("the time axis does not run from the first measured second to the last:\n%s", got)
	}
	// The rule table: each rule's rate since the last progress, counts and
	// percentiles.
	api, web := lineWith(got, "team-a/api:api.example.com/"), lineWith(got, "team-a/web:www.example.com/")
	if f := strings.Fields(api); len(f) != 7 || f[1] != "100" || f[2] != "1100" || f[3] != "0" || f[4] != "0.00" || f[5] != "2.00ms" || f[6] != "9.00ms" {
		t.Errorf("api's row = %q", api)
	}
	if f := strings.Fields(web); len(f) != 7 || f[3] != "11" || f[4] != "1.00" || f[6] != "12.0ms" {
		t.Errorf("web's row = %q", web)
	}
	// The chart plots every measured second's percentiles in braille.
	if n := strings.Count(got, "┤"); n != 8+3 { // 8 rows of latency, 3 of rate on 45 lines
		t.Errorf("%d chart rows, want the latency chart's and the rate chart's:\n%s", n, got)
	}
	if !regexp.MustCompile("[\u2801-\u28ff]").MatchString(got) {
		t.Errorf("no braille dots in the charts:\n%s", got)
	}

	// q asks the run to stop once and waits for it; a second q leaves.
	m, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q does nothing")
	}
	if msg := cmd(); msg != nil || stopped != 1 {
		t.Errorf("q: stop called %d times, message %v", stopped, msg)
	}
	if got := plain(m); !strings.Contains(got, "stopping…") || !strings.Contains(got, "partial results follow") {
		t.Errorf("the view does not say it is stopping:\n%s", got)
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd == nil || cmd() != tea.Quit() {
		t.Error("a second q does not leave at once")
	}
	m, cmd = m.Update(DoneMsg{Err: errors.New("load test interrupted after 12s")})
	if cmd == nil || cmd() != tea.Quit() {
		t.Error("the view does not end with the run")
	}
	if got := plain(m); !strings.Contains(got, "stopped") || !strings.Contains(got, "interrupted after 12s") {
		t.Errorf("the view does not say why the run stopped:\n%s", got)
	}
}

// At --rate max there is no schedule: the view says so and charts the
// achieved rate alone.
func TestViewUnpaced(t *testing.T) {
	var m tea.Model = New(Header{Title: "lbctl loadtest run", Shape: "max for 10s", Targets: 1}, nil)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 40})
	p := second(3)
	p.Rate = 0
	m, _ = m.Update(p)
	got := plain(m)
	if !strings.Contains(got, "scheduled max (unpaced)") || strings.Contains(got, "━ scheduled") {
		t.Errorf("unpaced view:\n%s", got)
	}
	// ctrl+c without a stop function (nothing to stop) still does not crash.
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+c does nothing")
	}
	_ = cmd()
}

// A small terminal drops the rate chart and keeps three rules in view;
// more rules than fit scroll with the arrow keys.
func TestViewSmallTerminalScrollsRules(t *testing.T) {
	var m tea.Model = New(Header{Title: "t", Targets: 12, Paced: true}, nil)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 90, Height: 24})
	p := second(3)
	p.Rules = nil
	for i := range 12 {
		p.Rules = append(p.Rules, loadtest.RuleProgress{Name: "rule-" + string(rune('a'+i)), Requests: 10})
	}
	m, _ = m.Update(p)
	got := plain(m)
	if strings.Contains(got, "requests/s") {
		t.Errorf("a 24-line terminal still shows the rate chart:\n%s", got)
	}
	if !strings.Contains(got, "rule-a") || strings.Contains(got, "rule-l") {
		t.Errorf("the table does not start at the first rule:\n%s", got)
	}
	for range 11 {
		m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	if got := plain(m); !strings.Contains(got, "rule-l") {
		t.Errorf("down does not scroll to the last rule:\n%s", got)
	}
	if n := strings.Count(plain(m), "\n"); n > 24 {
		t.Errorf("%d lines on a 24-line terminal:\n%s", n, plain(m))
	}
}

// abDiff is an A/B test's B − A so far as the engine's goroutine makes
// it (loadtest.Compare of the two sides): each side answered n requests,
// 98 in fast ms and 2 in slow ms, errs of them errors.
func abDiff(a, b abSide) ABMsg {
	run := func(name string, s abSide) *loadtest.Run {
		h := loadtest.NewHistogram()
		for i := range 100 {
			d := s.fast
			if i >= 98 {
				d = s.slow
			}
			h.Record(time.Duration(d * float64(time.Millisecond)))
		}
		return &loadtest.Run{Meta: loadtest.Meta{Name: name}, Metrics: loadtest.Metrics{Counts: loadtest.Counts{Requests: s.n, Errors: s.errs}, Latency: h}}
	}
	return ABMsg(*loadtest.Compare(run("a", a), run("b", b)))
}

type abSide struct {
	n, errs    int64
	fast, slow float64
}

// abView is an A/B test's view after a measured second and the B − A
// msg.
func abView(t *testing.T, msg ABMsg) (got, raw string) {
	t.Helper()
	var m tea.Model = New(Header{Title: "lbctl loadtest ab", Shape: "200/s for 30s", Targets: 2, Paced: true, AB: true}, nil)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 140, Height: 45})
	p := second(3)
	p.Rules[0].Set, p.Rules[1].Set = "a", "b"
	m, _ = m.Update(p)
	m, _ = m.Update(msg)
	if n := strings.Count(plain(m), "\n"); n > 45 {
		t.Errorf("%d lines on a 45-line terminal:\n%s", n, plain(m))
	}
	return lineWith(plain(m), "B − A"), m.(Model).Render()
}

// Before both sides measured a request there is nothing to subtract: the
// line says what it waits for and shows no number. A plain run has no such
// line.
func TestViewABNoDataYet(t *testing.T) {
	var m tea.Model = New(Header{Title: "lbctl loadtest ab", Targets: 2, Paced: true, AB: true}, nil)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 140, Height: 45})
	want := "B − A     after the first measured requests of both sides"
	if got := lineWith(plain(m), "B − A"); strings.TrimSpace(got) != want {
		t.Errorf("before any progress the B − A line = %q, want %q", got, want)
	}
	m, _ = m.Update(second(2))
	// The first slot was A's: B has no request yet.
	m, _ = m.Update(abDiff(abSide{n: 100, fast: 1, slow: 2}, abSide{}))
	if got := lineWith(plain(m), "B − A"); strings.TrimSpace(got) != want || regexp.MustCompile(`[0-9]`).MatchString(got) {
		t.Errorf("with A measured and B not, the B − A line = %q, want %q", got, want)
	}
	run := New(Header{Title: "lbctl loadtest run", Targets: 2, Paced: true}, nil)
	if got := run.Render(); strings.Contains(got, "B − A") {
		t.Errorf("a plain run shows B − A:\n%s", got)
	}
}

// B faster: negative differences, in the OK style.
func TestViewABBFaster(t *testing.T) {
	got, raw := abView(t, abDiff(abSide{n: 100, fast: 1.5, slow: 1.9}, abSide{n: 100, fast: 1.0, slow: 1.2}))
	for _, want := range []string{"B − A     p50 −0.50ms   p90 −0.50ms   p99 −0.70ms   errors 0.00%", "(100 A, 100 B requests so far; interval at the end)"} {
		if !strings.Contains(got, want) {
			t.Errorf("B − A line lacks %q: %q", want, got)
		}
	}
	if !strings.Contains(raw, styleOK.Render("−0.50ms")) || !strings.Contains(raw, styleOK.Render("−0.70ms")) {
		t.Errorf("B's lower latency is not in the OK style:\n%q", lineWith(raw, "B − A"))
	}
	if strings.Contains(raw, styleErr.Render("0.00%")) || strings.Contains(raw, styleOK.Render("0.00%")) {
		t.Errorf("no error difference is styled as one:\n%q", lineWith(raw, "B − A"))
	}
}

// B slower: positive differences, in the error style, and three
// significant digits past 10 ms.
func TestViewABBSlower(t *testing.T) {
	got, raw := abView(t, abDiff(abSide{n: 100, fast: 1.0, slow: 2.0}, abSide{n: 120, fast: 1.25, slow: 14.0}))
	if want := "B − A     p50 +0.25ms   p90 +0.25ms   p99 +12.0ms   errors 0.00%   (100 A, 120 B requests so far"; !strings.Contains(got, want) {
		t.Errorf("B − A line = %q, want %q", got, want)
	}
	if !strings.Contains(raw, styleErr.Render("+0.25ms")) || !strings.Contains(raw, styleErr.Render("+12.0ms")) {
		t.Errorf("B's higher latency is not in the error style:\n%q", lineWith(raw, "B − A"))
	}
}

// The error rates' difference, in percentage points of requests: more
// errors on B are worse, fewer better.
func TestViewABErrors(t *testing.T) {
	got, raw := abView(t, abDiff(abSide{n: 100, errs: 1, fast: 1, slow: 1}, abSide{n: 200, errs: 10, fast: 1, slow: 1}))
	if !strings.Contains(got, "p50 0.00ms   p90 0.00ms   p99 0.00ms   errors +4.00%") {
		t.Errorf("B − A line = %q, want equal latency and errors +4.00%%", got)
	}
	if !strings.Contains(raw, styleErr.Render("+4.00%")) || strings.Contains(raw, styleOK.Render("0.00ms")) || strings.Contains(raw, styleErr.Render("0.00ms")) {
		t.Errorf("more errors on B are not in the error style, or no difference is styled:\n%q", lineWith(raw, "B − A"))
	}
	got, raw = abView(t, abDiff(abSide{n: 100, errs: 3, fast: 1, slow: 1}, abSide{n: 100, fast: 1, slow: 1}))
	if !strings.Contains(got, "errors −3.00%") || !strings.Contains(raw, styleOK.Render("−3.00%")) {
		t.Errorf("fewer errors on B: B − A line = %q", got)
	}
}

func lineWith(screen, s string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// Without a bootstrap (ab --bootstrap 0) the report has no interval, and
// the live line does not promise one.
func TestViewABNoInterval(t *testing.T) {
	var m tea.Model = New(Header{Title: "lbctl loadtest ab", Targets: 2, Paced: true, AB: true, NoInterval: true}, nil)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 140, Height: 45})
	m, _ = m.Update(second(2))
	m, _ = m.Update(abDiff(abSide{n: 100, fast: 1.5, slow: 1.9}, abSide{n: 100, fast: 1.0, slow: 1.2}))
	got := lineWith(plain(m), "B − A")
	if !strings.Contains(got, "(100 A, 100 B requests so far)") || strings.Contains(got, "interval") {
		t.Errorf("B − A line with no interval to come = %q", got)
	}
}
