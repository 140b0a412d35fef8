package cmd

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadtestLiveView runs loadtest run on a terminal (tmux) against a
// loopback server with two rules, one of which answers 503 now and then,
// and reads the screen: the scheduled and achieved rates, the last
// second's percentiles, the chart, status codes, errors and the rule
// table. q stops the run: the view ends, the partial report prints and is
// saved, and the exit code is 4.
func TestLoadtestLiveView(t *testing.T) {
	var n atomic.Int64
	term, dir := loadtestOnTerminal(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/web" && n.Add(1)%20 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	}, "run --url api=SRV/api --url web=SRV/web --rate 100/s --duration 5m --warmup 1s")
	p99 := regexp.MustCompile(`latency +p50 [0-9.]+(µs|ms) +p90 [0-9.]+(µs|ms) +p99 [0-9.]+(µs|ms)`)
	screen := term.waitFor("the rates, the percentiles and both rules", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "measuring") && p99.MatchString(s) && strings.Contains(s, "503") &&
			ruleRequests(lineWith(s, " api ")) > 0 && ruleRequests(lineWith(s, " web ")) > 0
	})
	for _, want := range []string{"lbctl loadtest run", "2 target(s)", "scheduled 100/s", "achieved ", "latency by second", "━ p99", "requests/s",
		"status    200 ", "http_5xx", "q / ctrl+c stop the run"} {
		if !strings.Contains(screen, want) {
			t.Errorf("the view lacks %q:\n%s", want, screen)
		}
	}
	if m := regexp.MustCompile(`achieved ([0-9.]+)/s`).FindStringSubmatch(screen); m == nil || m[1] == "0" {
		t.Errorf("no achieved rate:\n%s", screen)
	}
	if !regexp.MustCompile("[\u2801-\u28ff]").MatchString(screen) {
		t.Errorf("no chart drawn:\n%s", screen)
	}
	term.keys("q")
	screen = term.waitFor("the end of the run", 30*time.Second, func(s string) bool { return strings.Contains(s, "exit=") })
	if !strings.Contains(screen, "exit=4") {
		t.Errorf("q does not end the run with exit 4 (interrupted):\n%s", screen)
	}
	if strings.Contains(screen, "latency by second") {
		t.Errorf("the view is still on the screen after the run:\n%s", screen)
	}
	m := regexp.MustCompile(`saved (loadtest-[0-9-]+\.partial\.json)`).FindStringSubmatch(screen)
	if m == nil || !strings.Contains(screen, "interrupted, partial results") || !strings.Contains(screen, "api") {
		t.Fatalf("no partial report after q:\n%s", screen)
	}
	if _, err := os.Stat(filepath.Join(dir, m[1])); err != nil {
		t.Errorf("the partial run was not saved: %v", err)
	}
}

// TestLoadtestABLiveView runs loadtest ab on a terminal (tmux) against a
// loopback server whose path B answers 3 ms later than path A, and reads
// the B − A line of the view: p50 of B slower, as the report then says,
// and no error difference (p99 is read but not judged: early on it holds
// the first connections' setup). q stops the run: the view ends, the
// partial comparison prints and the exit code is 4.
func TestLoadtestABLiveView(t *testing.T) {
	term, _ := loadtestOnTerminal(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/b" {
			time.Sleep(3 * time.Millisecond)
		}
		_, _ = w.Write([]byte("ok\n"))
	}, "ab --a SRV/a --b SRV/b --rate 100/s --duration 5m")
	diff := regexp.MustCompile(`B − A +p50 ([+−][0-9.]+)ms +p90 [+−]?[0-9.]+ms +p99 ([+−][0-9.]+)ms +errors ([+−]?[0-9.]+)%`)
	screen := term.waitFor("the B − A line with numbers", 60*time.Second, func(s string) bool { return diff.MatchString(s) })
	m := diff.FindStringSubmatch(screen)
	if p50, _ := strconv.ParseFloat(strings.TrimPrefix(m[1], "+"), 64); !strings.HasPrefix(m[1], "+") || p50 < 1 {
		t.Errorf("B answers 3 ms later, but the view's B − A p50 is %sms:\n%s", m[1], screen)
	}
	if m[3] != "0.00" || !strings.Contains(screen, "requests so far; interval at the end") {
		t.Errorf("B − A line: p99 %sms, errors %s%%:\n%s", m[2], m[3], screen)
	}
	if !strings.Contains(screen, "lbctl loadtest ab") || !strings.Contains(screen, "a: ") || !strings.Contains(screen, "b: ") {
		t.Errorf("the view lacks its title or the sides' rules:\n%s", screen)
	}
	// A few more slot pairs, so that the first slot's cold connections (slow
	// on a loaded machine) do not decide the partial comparison's p50.
	time.Sleep(4 * time.Second)
	term.keys("q")
	screen = term.waitFor("the end of the run", 30*time.Second, func(s string) bool { return strings.Contains(s, "exit=") })
	if !strings.Contains(screen, "exit=4") || strings.Contains(screen, "latency by second") {
		t.Errorf("q does not end the view and the run with exit 4 (interrupted):\n%s", screen)
	}
	if !regexp.MustCompile(`p50 +[0-9.]+(µs|ms) +[0-9.]+(µs|ms) +\+[0-9.]+ms`).MatchString(screen) {
		t.Errorf("the partial comparison does not report B slower at p50:\n%s", screen)
	}
}

// TestLoadtestPlainOnTerminal: --tui=false keeps the plain progress lines
// on a terminal.
func TestLoadtestPlainOnTerminal(t *testing.T) {
	bin := buildBinary(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) }))
	defer srv.Close()
	env := []string{"TERM=xterm-256color", "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	term := newTerminal(t, env, fmt.Sprintf("%s loadtest run --url %s/ --rate 50/s --duration 2s --progress 1s --tui=false; echo exit=$?; sleep 600", bin, srv.URL))
	screen := term.waitFor("the end of the run", 30*time.Second, func(s string) bool { return strings.Contains(s, "exit=") })
	if !strings.Contains(screen, "exit=0") || !regexp.MustCompile(`\[ *[0-9]s/2s\] [0-9]+ requests, 0 errors`).MatchString(screen) || strings.Contains(screen, "latency by second") {
		t.Errorf("--tui=false on a terminal: want plain progress lines and exit 0:\n%s", screen)
	}
}

// loadtestOnTerminal starts a loopback server with the handler and runs
// `loadtest ARGS` (SRV in args: the server's URL) on a terminal in a
// temporary directory, which it returns; the shell prints exit=CODE when
// the command ends.
func loadtestOnTerminal(t *testing.T, h http.HandlerFunc, args string) (*terminal, string) {
	t.Helper()
	bin := buildBinary(t)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env := []string{"TERM=xterm-256color", "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	return newTerminal(t, env, fmt.Sprintf("cd %s && %s loadtest %s; echo exit=$?; sleep 600", dir, bin, strings.ReplaceAll(args, "SRV", srv.URL))), dir
}

// ruleRequests reads the requests column of a rule table row (0 when the
// row is not there).
func ruleRequests(row string) int64 {
	f := strings.Fields(row)
	if len(f) < 3 {
		return 0
	}
	n, _ := strconv.ParseInt(f[2], 10, 64)
	return n
}

// TestLiveViewColorNever: --color=never reaches the live views — the screen
// has no colour sequences, though the same view is coloured by default.
func TestLiveViewColorNever(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) }
	sgr := regexp.MustCompile(`\x1b\[([0-9;]*)m`)
	hasColour := func(screen string) bool {
		for _, m := range sgr.FindAllStringSubmatch(screen, -1) {
			for _, p := range strings.Split(m[1], ";") {
				// Foreground colours (30–37, 90–97, 38 = extended); 39 is
				// the default colour, a reset.
				if n, err := strconv.Atoi(p); err == nil && ((n >= 30 && n <= 38) || (n >= 90 && n <= 97)) {
					return true
				}
			}
		}
		return false
	}
	for _, tc := range []struct {
		flag   string
		colour bool
	}{{"", true}, {"--color=never", false}} {
		term, _ := loadtestOnTerminal(t, ok, tc.flag+" run --url api=SRV/api --rate 50/s --duration 5m --warmup 1s")
		screen := term.waitForColour("the view measuring", 60*time.Second, func(s string) bool { return strings.Contains(s, "measuring") })
		if got := hasColour(screen); got != tc.colour {
			t.Errorf("%q: colour sequences on screen = %v, want %v:\n%q", tc.flag, got, tc.colour, screen)
		}
		term.keys("q")
		term.waitFor("the end of the run", 30*time.Second, func(s string) bool { return strings.Contains(s, "exit=") })
	}
}
