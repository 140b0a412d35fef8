package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestKubectlPlugin builds the binary and runs it as a user does: through
// the real kubectl, as `kubectl lbctl`, and through the completion shim.
func TestKubectlPlugin(t *testing.T) {
	s := env.Require(t)
	kubectl := filepath.Join(s.AssetsDir, "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Fatalf("kubectl is not in the test environment: %v", err)
	}
	bin := filepath.Dir(buildBinary(t))
	if err := os.Symlink(kubectl, filepath.Join(bin, "kubectl")); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		c := exec.Command("kubectl", args...)
		c.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+filepath.Join(bin, "none"))
		c.Dir = bin
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// exec.Command resolves "kubectl" through the test's PATH, so look it up in bin.
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	if out := run("lbctl", "version"); !strings.HasPrefix(out, "lbctl ") {
		t.Errorf("kubectl lbctl version = %q", out)
	}
	if out := run("lbctl", "--help"); !strings.Contains(out, "kubectl lbctl [command]") {
		t.Errorf("help does not say `kubectl lbctl`:\n%s", out)
	}
	run("lbctl", "completion", "kubectl-shim", "--dir", bin)
	out := run("__complete", "lbctl", "sc")
	if !strings.Contains(out, "scan") {
		t.Errorf("kubectl completion of `kubectl lbctl sc` through the shim = %q, want scan", out)
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary builds kubectl-lbctl once per test run, in its own directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lbctl-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kubectl-lbctl")
		out, err := exec.Command("go", "build", "-o", binPath, "./kubectl-lbctl").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}
