package cmd

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/userfile"
)

// sandboxFlags are the sandbox command's own flags, which its leaves share.
type sandboxFlags struct {
	dir string
}

// sandboxLeaf is what the options of every sandbox leaf embed: the parent's
// flags, and the directory they name.
type sandboxLeaf struct {
	flags *sandboxFlags

	// dir is where the sandbox lives, set by complete.
	dir string
}

// complete sets dir: --dir, or the default directory.
func (l *sandboxLeaf) complete(r *Root) error {
	l.dir = l.flags.dir
	if l.dir == "" {
		l.dir = defaultSandboxDir(r.Streams.getenv)
	}
	return nil
}

// validate has nothing to check: --dir may name any directory (up makes it).
func (l *sandboxLeaf) validate() error { return nil }

func defaultSandboxDir(getenv func(string) string) string {
	base := getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "lbctl-sandbox")
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "lbctl", "sandbox")
}

func newSandboxCmd(r *Root) *cobra.Command {
	f := &sandboxFlags{}
	c := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local EKS-like cluster with the ALB controller, AWS endpoint and real traffic",
		Long: `The sandbox is a local world that behaves like an EKS cluster running the AWS Load Balancer
Controller: a real kube-apiserver and etcd, three virtual nodes in three zones whose pods are
real HTTP servers on loopback addresses, a controller emulator that makes ALBs, rules, target
groups and TargetGroupBindings with the controller's names and tags, an ELBv2/EC2 endpoint the
AWS SDK talks to, and ALBs that are real reverse proxies. Only loopback addresses are used.`,
	}
	c.PersistentFlags().StringVar(&f.dir, "dir", "", "directory for the kubeconfig, env file, log and pid (default $XDG_STATE_HOME/lbctl/sandbox)")
	c.AddCommand(newSandboxUpCmd(r, f), newSandboxDownCmd(r, f), newSandboxStatusCmd(r, f))
	return c
}

// runningPid returns the pid of a live sandbox in dir, 0 when none, and
// whether a stale pid file was found.
//
// The sandbox holds a lock on its pid file for as long as it runs
// (claimPidFile), so a pid file nobody holds is stale whatever process
// now has its pid: after a reboot or a crash that may be any process, and
// it must not be signalled.
func runningPid(dir string) (pid int, stale bool) {
	path := filepath.Join(dir, "pid")
	b, err := userfile.Read(path, userfile.SmallLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false
	}
	if err != nil {
		return 0, true
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err = strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0, true
	}
	if !pidFileHeld(path, pid) {
		return 0, true
	}
	return pid, false
}

// errPidFileHeld is claimPidFile's answer when a sandbox holds the pid file.
var errPidFileHeld = errors.New("a sandbox holds the pid file")

func cleanDir(dir string) {
	for _, f := range []string{"pid", "ready", "env", "kubeconfig", "env.tmp", "kubeconfig.tmp"} {
		os.Remove(filepath.Join(dir, f))
	}
}
