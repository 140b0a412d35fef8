package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// Files lbctl reads are bounded and checked: a device, a FIFO, a target
// file that would write CR/LF to the wire, a RUN.json it cannot hold are
// each refused with exit 2 and one line naming the file.
func TestLoadtestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	crlf := write("crlf.json", `{"method":"GET","url":"http://127.0.0.1:1/"}`+"\n"+`{"method":"GET","url":"http://127.0.0.1:1/","header":{"X-A":["1\r\nX-Injected: 1"]}}`+"\n")
	hostFile := write("host.txt", "GET http://127.0.0.1:1/\nHost: a b\n")
	farRun := write("far.json", `{"schema":"lbctl.dev/loadtest-run/v1","windows":[{"t":4611686018427387904,"requests":1}]}`)
	var rules strings.Builder
	rules.WriteString(`{"schema":"lbctl.dev/loadtest-run/v1","rules":[`)
	for i := range 100000 {
		if i > 0 {
			rules.WriteString(",")
		}
		fmt.Fprintf(&rules, `{"name":"r%d"}`, i)
	}
	rules.WriteString("]}")
	manyRules := write("rules.json", rules.String())
	url := "http://127.0.0.1:1/"
	for _, tc := range []struct {
		args []string
		says []string
	}{
		{[]string{"run", "--url", url, "--body", "/dev/zero"}, []string{"--body: /dev/zero: not a regular file (a device)"}},
		{[]string{"run", "--url", url, "--body", fifo}, []string{"--body: " + fifo + ": not a regular file (a FIFO)"}},
		{[]string{"run", "--targets", fifo}, []string{"--targets: " + fifo + ": not a regular file (a FIFO)"}},
		{[]string{"run", "--targets", crlf, "--format", "json"}, []string{"--targets " + crlf + ": line 2: header X-A"}},
		{[]string{"run", "--targets", hostFile}, []string{"--targets " + hostFile + ": line 2: header"}},
		{[]string{"merge", farRun}, []string{"far.json", "a window at t=4611686018427387904 s"}},
		{[]string{"compare", manyRules, manyRules}, []string{"rules.json", "100000 rules, more than 1000"}},
		{[]string{"compare", "/dev/zero", farRun}, []string{"/dev/zero: not a regular file"}},
	} {
		args := append([]string{"loadtest"}, tc.args...)
		if tc.args[0] == "run" {
			args = append(args, "--progress", "0")
		}
		code, _, stderr := runLoadtest(t, context.Background(), nil, args...)
		if code != exitcode.Usage {
			t.Errorf("%v: exit %d, want 2\n%s", tc.args, code, stderr)
			continue
		}
		assertOneLine(t, stderr, tc.says...)
	}
}

// The last target of a JSON target file without a final newline is sent
// to like the others.
func TestLoadtestTargetFileLastLine(t *testing.T) {
	a, b := testPod(t, "a", 0), testPod(t, "b", 0)
	file := filepath.Join(t.TempDir(), "targets.json")
	content := fmt.Sprintf(`{"method":"GET","url":%q}`+"\n"+`{"method":"GET","url":%q}`, a, b)
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runLoadtest(t, context.Background(), nil, "loadtest", "run", "--targets", file, "--format", "json",
		"--rate", "40/s", "--duration", "500ms", "-o", "json", "--progress", "0", "--tui=false")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var run struct {
		Rules []struct {
			Name     string `json:"name"`
			Requests int64  `json:"requests"`
		} `json:"rules"`
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatal(err)
	}
	if len(run.Rules) != 2 || run.Rules[1].Name != "GET "+b || run.Rules[1].Requests == 0 {
		t.Errorf("rules %+v, want both targets loaded", run.Rules)
	}
}

// An A/B test too short for one A slot and one B slot is refused: it would
// measure one side only.
func TestLoadtestABTooShortForItsSlots(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--slot", "10s", "--duration", "2s"}, "--slot 10s: 2s of measurement holds no A slot and B slot"},
		{[]string{"--slot", "1s", "--duration", "1s"}, "--slot 1s: 1s of measurement"},
		{[]string{"--bootstrap", "-1"}, "--bootstrap -1"},
	} {
		args := append([]string{"loadtest", "ab", "--a", "http://127.0.0.1:1/", "--b", "http://127.0.0.1:2/", "--progress", "0"}, tc.args...)
		code, _, stderr := runLoadtest(t, context.Background(), nil, args...)
		if code != exitcode.Usage {
			t.Errorf("%v: exit %d, want 2\n%s", tc.args, code, stderr)
			continue
		}
		assertOneLine(t, stderr, tc.says)
	}
}
