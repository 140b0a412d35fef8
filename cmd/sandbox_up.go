package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
)

type sandboxUpOptions struct {
	sandboxLeaf
	scenario   string
	background bool
	detached   bool
	verbose    bool
	timeout    time.Duration
}

func newSandboxUpCmd(r *Root, f *sandboxFlags) *cobra.Command {
	o := &sandboxUpOptions{sandboxLeaf: sandboxLeaf{flags: f}}
	up := &cobra.Command{
		Use:   "up",
		Short: "Start the sandbox and write an env file other shells source",
		Example: `  kubectl lbctl sandbox up --background
  source ~/.local/state/lbctl/sandbox/env
  kubectl get ingress -A
  kubectl lbctl scan -A`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(r); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	up.Flags().StringVar(&o.scenario, "scenario", "default", "scenario to load: "+strings.Join(scenarios.Names(), ", "))
	up.Flags().BoolVar(&o.background, "background", false, "run in the background and return once ready")
	up.Flags().BoolVar(&o.detached, "detached", false, "internal: the background process itself")
	_ = up.Flags().MarkHidden("detached")
	up.Flags().BoolVar(&o.verbose, "verbose", false, "log what the components do")
	up.Flags().DurationVar(&o.timeout, "timeout", 3*time.Minute, "how long to wait for the scenario to be ready")
	return up
}

func (o *sandboxUpOptions) validate() error {
	if !slices.Contains(scenarios.Names(), o.scenario) {
		return usageError(fmt.Sprintf("unknown scenario %q", o.scenario), "choose one of "+strings.Join(scenarios.Names(), ", "))
	}
	return nil
}

func (o *sandboxUpOptions) run(ctx context.Context, r *Root) error {
	dir := o.dir
	if !o.detached {
		if pid, stale := runningPid(dir); pid != 0 {
			return usageError(fmt.Sprintf("a sandbox is already running in %s (pid %d)", dir, pid), "run `kubectl lbctl sandbox down` first, or pass another --dir")
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
	release, err := claimPidFile(filepath.Join(dir, "pid"))
	if errors.Is(err, errPidFileHeld) {
		pid, _ := runningPid(dir)
		return usageError(fmt.Sprintf("a sandbox is already running in %s (pid %d)", dir, pid), "run `kubectl lbctl sandbox down` first, or pass another --dir")
	}
	if err != nil {
		return err
	}
	defer release()
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
func (o *sandboxUpOptions) startBackground(ctx context.Context, r *Root, dir string) error {
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
