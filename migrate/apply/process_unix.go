//go:build !windows

package apply

import "syscall"

// processGone reports whether no process has the id (signal 0 probes).
func processGone(pid int) bool {
	return syscall.Kill(pid, 0) == syscall.ESRCH
}
