package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
)

type sandboxDownOptions struct {
	sandboxLeaf
}

func newSandboxDownCmd(r *Root, f *sandboxFlags) *cobra.Command {
	o := &sandboxDownOptions{sandboxLeaf: sandboxLeaf{flags: f}}
	return &cobra.Command{
		Use: "down", Short: "Stop the sandbox and remove what it made", Args: cobra.NoArgs,
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
}

func (o *sandboxDownOptions) run(_ context.Context, r *Root) error {
	dir := o.dir
	pid, stale := runningPid(dir)
	if pid == 0 {
		cleanDir(dir)
		os.Remove(filepath.Join(dir, "sandbox.log"))
		msg := "no sandbox is running in " + dir
		if stale {
			msg = "the pid file in " + dir + " is stale (no sandbox holds it); removed it and what the sandbox left, signalling no process"
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
