package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
)

type sandboxOptions struct {
	dir        string
	scenario   string
	background bool
	detached   bool
	verbose    bool
	timeout    time.Duration
}

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
	o := &sandboxOptions{}
	c := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local EKS-like cluster with the ALB controller, AWS endpoint and real traffic",
		Long: `The sandbox is a local world that behaves like an EKS cluster running the AWS Load Balancer
Controller: a real kube-apiserver and etcd, three virtual nodes in three zones whose pods are
real HTTP servers on loopback addresses, a controller emulator that makes ALBs, rules, target
groups and TargetGroupBindings with the controller's names and tags, an ELBv2/EC2 endpoint the
AWS SDK talks to, and ALBs that are real reverse proxies. Only loopback addresses are used.`,
	}
	c.PersistentFlags().StringVar(&o.dir, "dir", "", "directory for the kubeconfig, env file, log and pid (default $XDG_STATE_HOME/lbctl/sandbox)")
	up := &cobra.Command{
		Use:   "up",
		Short: "Start the sandbox and write an env file other shells source",
		Example: `  kubectl lbctl sandbox up --background
  source ~/.local/state/lbctl/sandbox/env
  kubectl get ingress -A
  kubectl lbctl scan -A`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return o.up(c.Context(), r) },
	}
	up.Flags().StringVar(&o.scenario, "scenario", "default", "scenario to load: "+strings.Join(scenarios.Names(), ", "))
	up.Flags().BoolVar(&o.background, "background", false, "run in the background and return once ready")
	up.Flags().BoolVar(&o.detached, "detached", false, "internal: the background process itself")
	_ = up.Flags().MarkHidden("detached")
	up.Flags().BoolVar(&o.verbose, "verbose", false, "log what the components do")
	up.Flags().DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long to wait for the scenario to be ready")
	down := &cobra.Command{
		Use: "down", Short: "Stop the sandbox and remove what it made", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return o.down(r) },
	}
	status := &cobra.Command{
		Use: "status", Short: "Say whether the sandbox runs, and where", Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return o.status(r) },
	}
	c.AddCommand(up, down, status)
	return c
}

func (o *sandboxOptions) resolveDir(r *Root) string {
	if o.dir == "" {
		o.dir = defaultSandboxDir(r.Streams.getenv)
	}
	return o.dir
}

// runningPid returns the pid of a live sandbox in dir, 0 when none, and
// whether a stale pid file was found.
func runningPid(dir string) (pid int, stale bool) {
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		return 0, false
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, true
	}
	if !processAlive(pid) {
		return 0, true
	}
	return pid, false
}

func (o *sandboxOptions) up(ctx context.Context, r *Root) error {
	dir := o.resolveDir(r)
	if !slices.Contains(scenarios.Names(), o.scenario) {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("unknown scenario %q", o.scenario), "choose one of "+strings.Join(scenarios.Names(), ", "), exitcode.ErrUsage)
	}
	if !o.detached {
		if pid, stale := runningPid(dir); pid != 0 {
			return exitcode.New(exitcode.Usage, fmt.Sprintf("a sandbox is already running in %s (pid %d)", dir, pid), "run `kubectl lbctl sandbox down` first, or pass another --dir", exitcode.ErrUsage)
		} else if stale {
			fmt.Fprintf(r.Streams.ErrOut, "note: removing a stale sandbox in %s\n", dir)
			cleanDir(dir)
		}
	}
	if o.background {
		return o.startBackground(ctx, r, dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("cannot create %s: %v", dir, err), "pass another --dir", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return err
	}
	defer cleanDir(dir)

	start := time.Now()
	opts := sandbox.Options{Scenario: o.scenario, Dir: dir, PortOffset: -1}
	if o.verbose {
		opts.Logf = func(format string, args ...any) { fmt.Fprintf(r.Streams.ErrOut, format+"\n", args...) }
	}
	fmt.Fprintf(r.Streams.ErrOut, "starting the sandbox (scenario %s) in %s\n", o.scenario, dir)
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer sb.Stop()
	if err := sb.WaitReady(ctx, o.timeout); err != nil {
		return err
	}
	if err := sb.WriteEnvFile(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ready"), nil, 0o600); err != nil {
		return err
	}
	w := r.Streams.Out
	fmt.Fprintf(w, "sandbox ready in %.1fs\n\n", time.Since(start).Seconds())
	printSandbox(w, sb)
	fmt.Fprintf(w, "\nIn another shell:\n  source %s\n  kubectl get ingress -A\n  %s scan -A\n", sb.EnvFile, r.DisplayName())
	if !o.detached {
		fmt.Fprintln(w, "\nPress Ctrl-C to stop it.")
	}

	// Keep the env file's resolver entries current as ALBs come and go.
	sig, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	last := strings.Join(sb.Resolve(), ",")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-sig.Done():
			fmt.Fprintln(r.Streams.ErrOut, "stopping the sandbox")
			return nil
		case <-tick.C:
			if cur := strings.Join(sb.Resolve(), ","); cur != last {
				last = cur
				if err := sb.WriteEnvFile(); err != nil {
					fmt.Fprintln(r.Streams.ErrOut, "warning:", err)
				}
			}
		}
	}
}

func printSandbox(w io.Writer, sb *sandbox.Sandbox) {
	tw := printers.GetNewTabWriter(w)
	fmt.Fprintln(tw, "ALB\tDNS NAME\tADDRESS")
	for _, lb := range sb.Emulator.LoadBalancers() {
		addr := lb.IP
		for p, bound := range lb.Ports {
			addr = fmt.Sprintf("%s:%d", lb.IP, bound)
			_ = p
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", lb.Name, lb.DNSName, addr)
	}
	tw.Flush()
	if sb.Kubeconfig != "" {
		fmt.Fprintf(w, "\nkubeconfig: %s\nAWS endpoint: %s\n", sb.Kubeconfig, sb.AWSURL)
	}
}

// startBackground re-runs `sandbox up` detached, logging to DIR/sandbox.log,
// and returns once it is ready (or says why it is not).
func (o *sandboxOptions) startBackground(ctx context.Context, r *Root, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("cannot create %s: %v", dir, err), "pass another --dir", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logPath := filepath.Join(dir, "sandbox.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"sandbox", "up", "--detached", "--dir", dir, "--scenario", o.scenario, "--timeout", o.timeout.String()}
	if o.verbose {
		args = append(args, "--verbose")
	}
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start background sandbox: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(o.timeout + 30*time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			env := filepath.Join(dir, "env")
			fmt.Fprintf(r.Streams.Out, "sandbox running in the background (pid %d)\n  source %s\n  %s sandbox down   # to stop it\n", cmd.Process.Pid, env, r.DisplayName())
			return nil
		}
		select {
		case <-done:
			return exitcode.New(exitcode.Unreachable, "the sandbox stopped before it was ready: "+lastLine(logPath), "see "+logPath, exitcode.ErrUnreachable)
		case <-deadline:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return exitcode.New(exitcode.Unreachable, "the sandbox was not ready in time: "+lastLine(logPath), "see "+logPath, exitcode.ErrUnreachable)
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func lastLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "no log"
	}
	defer f.Close()
	last := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if t := strings.TrimSpace(sc.Text()); t != "" {
			last = strings.TrimPrefix(t, "error: ")
		}
	}
	return last
}

func cleanDir(dir string) {
	for _, f := range []string{"pid", "ready", "env", "kubeconfig", "env.tmp", "kubeconfig.tmp"} {
		os.Remove(filepath.Join(dir, f))
	}
}

func (o *sandboxOptions) down(r *Root) error {
	dir := o.resolveDir(r)
	pid, stale := runningPid(dir)
	if pid == 0 {
		cleanDir(dir)
		os.Remove(filepath.Join(dir, "sandbox.log"))
		msg := "no sandbox is running in " + dir
		if stale {
			msg = "removed a stale sandbox in " + dir
		}
		fmt.Fprintln(r.Streams.ErrOut, msg)
		return nil
	}
	if err := terminate(pid); err != nil {
		return fmt.Errorf("stop sandbox (pid %d): %w", pid, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if !processAlive(pid) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if processAlive(pid) {
		killGroup(pid)
	}
	cleanDir(dir)
	os.Remove(filepath.Join(dir, "sandbox.log"))
	os.Remove(dir)
	fmt.Fprintf(r.Streams.ErrOut, "sandbox stopped (pid %d)\n", pid)
	return nil
}

func (o *sandboxOptions) status(r *Root) error {
	dir := o.resolveDir(r)
	pid, _ := runningPid(dir)
	if pid == 0 {
		return exitcode.New(exitcode.CheckFailed, "no sandbox is running in "+dir, "start one with `"+r.DisplayName()+" sandbox up --background`", exitcode.ErrCheckFailed)
	}
	_, err := os.Stat(filepath.Join(dir, "ready"))
	state := "starting"
	if err == nil {
		state = "ready"
	}
	fmt.Fprintf(r.Streams.Out, "sandbox %s (pid %d) in %s\n", state, pid, dir)
	if b, err := os.ReadFile(filepath.Join(dir, "env")); err == nil {
		fmt.Fprint(r.Streams.Out, string(b))
	}
	return nil
}
