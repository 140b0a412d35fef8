package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// claimPidFile writes this process's pid to path. Windows has no flock:
// pidFileHeld trusts the pid.
func claimPidFile(path string) (release func(), err error) {
	if pid, stale := runningPid(filepath.Dir(path)); pid != 0 && !stale {
		return nil, errPidFileHeld
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return nil, err
	}
	return func() {}, nil
}

// pidFileHeld says whether the process the pid file names is alive.
func pidFileHeld(_ string, pid int) bool { return processAlive(pid) }

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}

// terminate stops the process: Windows has no SIGTERM.
func terminate(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	return p.Kill()
}

// killGroup kills the process.
func killGroup(pid int) { _ = terminate(pid) }

// detach starts cmd in its own process group, so Ctrl-C in the shell does
// not reach it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
