package cmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lbctl/lbctl/migrate/scan"
)

// readEnvFile parses the `export K="V"` lines `sandbox up` writes.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		env[k] = v
	}
	return env
}

// TestSandboxEndToEnd runs the built binary as a user would: `sandbox up`
// in the background, then a scan from "another shell" that has only the env
// file, real HTTP through an ALB by its DNS name, and `sandbox down`, which
// leaves no process or listener behind.
func TestSandboxEndToEnd(t *testing.T) {
	srv := env.Require(t) // the sandbox runs the same kube-apiserver binaries
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "sandbox")
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "KUBEBUILDER_ASSETS=" + srv.AssetsDir}
	run := func(extra []string, args ...string) (string, string, int) {
		c := exec.Command(bin, args...)
		c.Env = append(append([]string{}, base...), extra...)
		var out, errOut strings.Builder
		c.Stdout, c.Stderr = &out, &errOut
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	t.Cleanup(func() { run(nil, "sandbox", "down", "--dir", dir) })

	start := time.Now()
	out, stderr, code := run(nil, "sandbox", "up", "--background", "--dir", dir)
	if code != 0 {
		log, _ := os.ReadFile(filepath.Join(dir, "sandbox.log"))
		t.Fatalf("sandbox up: exit %d\n%s%s\n%s", code, out, stderr, log)
	}
	t.Logf("sandbox up took %s", time.Since(start))
	pidBytes, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(pidBytes)))

	// A second `up` in the same dir is refused.
	if _, stderr, code := run(nil, "sandbox", "up", "--dir", dir); code != 2 || !strings.Contains(stderr, "already running") {
		t.Errorf("second sandbox up: exit %d, %s", code, stderr)
	}

	vars := readEnvFile(t, filepath.Join(dir, "env"))
	var shell []string
	for k, v := range vars {
		shell = append(shell, k+"="+v)
	}
	out, stderr, code = run(shell, "scan", "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("scan with the env file: exit %d\n%s", code, stderr)
	}
	var rep scan.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.ALBIngresses != 6 || rep.Summary.LoadBalancers != 6 || rep.Summary.InstanceMode != 6 {
		t.Errorf("scan of the default scenario: %+v", rep.Summary)
	}
	for _, in := range rep.Ingresses {
		if in.Health == nil || in.Health.Healthy != 3 {
			t.Errorf("ingress %s/%s health %+v, want 3 healthy instance targets", in.Namespace, in.Name, in.Health)
		}
	}

	// Real HTTP through the storefront ALB, reached by its DNS name.
	var entry string
	for _, e := range strings.Split(vars["LBCTL_RESOLVE"], ",") {
		if strings.Contains(e, "storefro") {
			entry = e
		}
	}
	parts := strings.Split(entry, ":")
	if len(parts) < 3 {
		t.Fatalf("no resolver entry for the storefront ALB in %q", vars["LBCTL_RESOLVE"])
	}
	host, port, addr := parts[0], parts[1], parts[2]
	if len(parts) == 4 {
		port = parts[3]
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{}).DialContext,
		Proxy:       nil,
	}}
	pods := map[string]bool{}
	for range 20 {
		req, _ := http.NewRequest("GET", "http://"+net.JoinHostPort(addr, port)+"/", nil)
		req.Host = "storefront.team-a.example.com"
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET via %s (%s): %v", host, entry, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		pods[resp.Header.Get("X-Lbctl-Pod")] = true
	}
	if len(pods) != 2 {
		t.Errorf("requests reached %d pods, want 2", len(pods))
	}

	if _, stderr, code := run(nil, "sandbox", "down", "--dir", dir); code != 0 {
		t.Fatalf("sandbox down: exit %d %s", code, stderr)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("sandbox process %d still runs after down", pid)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(addr, port), 500*time.Millisecond); err == nil {
		c.Close()
		t.Errorf("ALB listener %s:%s still open after down", addr, port)
	}
	if _, err := os.Stat(filepath.Join(dir, "env")); !os.IsNotExist(err) {
		t.Errorf("env file left behind: %v", err)
	}
	fmt.Fprint(io.Discard, host)
}
