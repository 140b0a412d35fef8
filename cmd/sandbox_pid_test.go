package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A pid file no sandbox holds is stale, whatever process has its pid now
// (after a reboot, any): down removes it and signals nothing.
func TestSandboxDownStalePidFileSignalsNothing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the pid file's lock is a flock")
	}
	other := exec.Command("sleep", "60")
	detach(other) // its own session and process group, as a sandbox's
	if err := other.Start(); err != nil {
		t.Skip(err)
	}
	exited := make(chan struct{})
	go func() { _ = other.Wait(); close(exited) }()
	t.Cleanup(func() { _ = other.Process.Kill(); <-exited })

	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(other.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	if pid, stale := runningPid(dir); pid != 0 || !stale {
		t.Errorf("runningPid = %d, %v; want a stale pid file", pid, stale)
	}
	code, _, stderr := runCmd(t, "sandbox", "down", "--dir", dir)
	if code != 0 || !strings.Contains(stderr, "pid file in "+dir+" is stale") || !strings.Contains(stderr, "signalling no process") {
		t.Errorf("sandbox down: exit %d %q, want 0 saying the pid file is stale", code, stderr)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Errorf("the stale pid file is still there: %v", err)
	}
	select {
	case <-exited:
		t.Fatal("sandbox down signalled a process that is not the sandbox")
	case <-time.After(200 * time.Millisecond):
	}
}

// The pid file of a running sandbox is held: runningPid names its pid, and
// a second claim is refused.
func TestSandboxPidFileHeld(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the pid file's lock is a flock")
	}
	dir := t.TempDir()
	release, err := claimPidFile(filepath.Join(dir, "pid"))
	if err != nil {
		t.Fatal(err)
	}
	if pid, stale := runningPid(dir); pid != os.Getpid() || stale {
		t.Errorf("runningPid = %d, %v; want this process", pid, stale)
	}
	if _, err := claimPidFile(filepath.Join(dir, "pid")); err != errPidFileHeld {
		t.Errorf("a second claim: %v, want errPidFileHeld", err)
	}
	release()
	if pid, stale := runningPid(dir); pid != 0 || !stale {
		t.Errorf("after release: runningPid = %d, %v; want stale", pid, stale)
	}
}
