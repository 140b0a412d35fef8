package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// runCmd runs the command line in-process and returns exit code, stdout, stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	streams, _, out, errOut := TestStreams()
	code := Run(context.Background(), streams, NewFactory(), "kubectl lbctl", args)
	return code, out.String(), errOut.String()
}

// isolateAWS hides the machine's AWS configuration from the SDK.
func isolateAWS(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// assertOneLine checks a user error: one line on stderr, no stack trace.
func assertOneLine(t *testing.T, stderr string, want ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	var errs []string
	for _, l := range lines {
		if strings.HasPrefix(l, "error: ") {
			errs = append(errs, l)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("want exactly one error line, got stderr:\n%s", stderr)
	}
	for _, w := range want {
		if !strings.Contains(errs[0], w) {
			t.Errorf("error line %q does not mention %q", errs[0], w)
		}
	}
	for _, bad := range []string{"goroutine ", "panic:", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr looks like a stack trace (%q):\n%s", bad, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, "version", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got buildinfo.Info
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("version -o json is not JSON: %v\n%s", err, out)
	}
	if got != buildinfo.Get() {
		t.Errorf("version = %+v, want %+v", got, buildinfo.Get())
	}
	code, _, stderr := runCmd(t, "version", "-o", "xml")
	if code != exitcode.Usage {
		t.Errorf("version -o xml: exit %d, want %d", code, exitcode.Usage)
	}
	assertOneLine(t, stderr, "xml")
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"scan", "--frob"}, "unknown flag"},
		{"bad output", []string{"scan", "-o", "csv", "--no-aws", "-f", "../lbctl/kube/testdata/files"}, "csv"},
		{"bad fail-on", []string{"scan", "--fail-on", "fatal", "-f", "../lbctl/kube/testdata/files"}, "fatal"},
		{"bad color", []string{"--color", "pink", "version"}, "pink"},
		{"bad completion shell", []string{"completion", "tcsh"}, "tcsh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != exitcode.Usage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitcode.Usage, stderr)
			}
			assertOneLine(t, stderr, tc.want)
		})
	}
}

func TestKubeconfigErrors(t *testing.T) {
	isolateAWS(t)
	dir := t.TempDir()
	malformed := filepath.Join(dir, "malformed")
	os.WriteFile(malformed, []byte("apiVersion: v1\nclusters: [oops\n"), 0o600)
	valid := filepath.Join(dir, "valid")
	os.WriteFile(valid, []byte(`apiVersion: v1
kind: Config
clusters:
- name: down
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: abc}
contexts:
- name: down
  context: {cluster: down, user: u}
current-context: down
`), 0o600)
	lost := filepath.Join(dir, "lost")
	os.WriteFile(lost, []byte(`apiVersion: v1
kind: Config
clusters:
- name: down
  cluster: {server: "https://127.0.0.1:1"}
current-context: gone
`), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"missing file", []string{"--kubeconfig", filepath.Join(dir, "nope"), "scan", "--no-aws"}, exitcode.Usage, []string{"nope"}},
		{"malformed file", []string{"--kubeconfig", malformed, "scan", "--no-aws"}, exitcode.Usage, []string{"kubeconfig"}},
		{"empty kubeconfig", []string{"--kubeconfig", empty, "scan", "--no-aws"}, exitcode.Usage, []string{"kubeconfig"}},
		{"unknown context", []string{"--kubeconfig", valid, "--context", "prod", "scan", "--no-aws"}, exitcode.Usage, []string{"prod", "--context"}},
		{"unknown context, all namespaces", []string{"--kubeconfig", valid, "--context", "nope", "scan", "-A", "--no-aws"}, exitcode.Usage, []string{`"nope"`, "--context", `"down"`, "get-contexts"}},
		{"unknown context, plan", []string{"--kubeconfig", valid, "--context", "nope", "plan", "-A", "--no-aws"}, exitcode.Usage, []string{`"nope"`, "--context", "get-contexts"}},
		{"unknown context, health", []string{"--kubeconfig", valid, "--context", "nope", "health", "-A", "--tui=false"}, exitcode.Usage, []string{`"nope"`, "--context", "get-contexts"}},
		{"unknown cluster", []string{"--kubeconfig", valid, "--cluster", "nope", "scan", "-A", "--no-aws"}, exitcode.Usage, []string{`"nope"`, "--cluster", `"down"`, "get-clusters"}},
		{"unknown user", []string{"--kubeconfig", valid, "--user", "nope", "scan", "-A", "--no-aws"}, exitcode.Usage, []string{`"nope"`, "--user", `"u"`, "get-users"}},
		{"current-context missing", []string{"--kubeconfig", lost, "scan", "-A", "--no-aws"}, exitcode.Usage, []string{`"gone"`, "current-context", "use-context"}},
		{"unreachable server", []string{"--kubeconfig", valid, "--request-timeout", "5s", "scan", "--no-aws"}, exitcode.Unreachable, []string{"127.0.0.1:1", "connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			assertOneLine(t, stderr, tc.want...)
		})
	}
}

func TestCompletionShim(t *testing.T) {
	code, out, _ := runCmd(t, "completion", "kubectl-shim")
	if code != 0 || !strings.Contains(out, "kubectl lbctl __complete") {
		t.Fatalf("exit %d, shim:\n%s", code, out)
	}
	dir := t.TempDir()
	code, _, stderr := runCmd(t, "completion", "kubectl-shim", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	st, err := os.Stat(filepath.Join(dir, ShimName))
	if err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("shim not written executable: %v %v", err, st)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, out, _ := runCmd(t, "completion", shell)
		if code != 0 || len(out) < 100 {
			t.Errorf("completion %s: exit %d, %d bytes", shell, code, len(out))
		}
	}
}

func TestDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/local/bin/kubectl-lbctl": "kubectl lbctl",
		"kubectl-lbctl.exe":            "kubectl lbctl",
		"./lbctl":                      "lbctl",
	} {
		if got := displayNameFor(in); got != want {
			t.Errorf("displayNameFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestColor(t *testing.T) {
	s, _, _, _ := TestStreams("NO_COLOR=1")
	s.OutTTY = true
	if s.ColorEnabled("auto") {
		t.Error("NO_COLOR should turn auto colour off")
	}
	if !s.ColorEnabled("always") {
		t.Error("--color always should win over NO_COLOR")
	}
	s, _, _, _ = TestStreams("TERM=dumb")
	s.OutTTY = true
	if s.ColorEnabled("auto") {
		t.Error("TERM=dumb should turn auto colour off")
	}
	s, _, _, _ = TestStreams()
	s.OutTTY = true
	if !s.ColorEnabled("auto") {
		t.Error("a terminal should get colour on auto")
	}
}
