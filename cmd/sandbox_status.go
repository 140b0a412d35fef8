package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/userfile"
)

type sandboxStatusOptions struct {
	sandboxLeaf
}

func newSandboxStatusCmd(r *Root, f *sandboxFlags) *cobra.Command {
	o := &sandboxStatusOptions{sandboxLeaf: sandboxLeaf{flags: f}}
	return &cobra.Command{
		Use: "status", Short: "Say whether the sandbox runs, and where", Args: cobra.NoArgs,
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

func (o *sandboxStatusOptions) run(_ context.Context, r *Root) error {
	dir := o.dir
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
	if b, err := userfile.Read(filepath.Join(dir, "env"), userfile.SmallLimit); err == nil {
		fmt.Fprint(r.Streams.Out, string(b))
	}
	return nil
}
