package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// ShimName is the file kubectl (≥ 1.26) runs to complete `kubectl lbctl <TAB>`.
const ShimName = "kubectl_complete-lbctl"

// ShimScript is the completion shim: kubectl calls it with the words typed so
// far, and it asks lbctl's own completion engine.
const ShimScript = `#!/usr/bin/env sh
# Lets kubectl (1.26 or newer) complete "kubectl lbctl <TAB>".
# Install: put this file on PATH as kubectl_complete-lbctl and make it executable.
exec kubectl lbctl __complete "$@"
`

type completionOptions struct {
	dir string

	// set by complete
	root  *cobra.Command
	shell string
}

func newCompletionCmd(r *Root) *cobra.Command {
	o := &completionOptions{}
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell|kubectl-shim",
		Short: "Print shell completion scripts, or the kubectl completion shim",
		Long: `Print a completion script for your shell, or write the kubectl_complete-lbctl shim that
lets kubectl (1.26 or newer) complete "kubectl lbctl <TAB>":

  kubectl lbctl completion kubectl-shim --dir ~/.local/bin`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell", "kubectl-shim"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.complete(c, args); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	c.Flags().StringVar(&o.dir, "dir", "", "with kubectl-shim: write "+ShimName+" into this directory (it must be on PATH) instead of printing it")
	return c
}

func (o *completionOptions) complete(c *cobra.Command, args []string) error {
	o.root, o.shell = c.Root(), args[0]
	return nil
}

func (o *completionOptions) validate() error {
	if o.shell != "kubectl-shim" || o.dir == "" {
		return nil
	}
	if st, err := os.Stat(o.dir); err != nil || !st.IsDir() {
		return usageError(fmt.Sprintf("--dir %s is not a directory", o.dir), "create it or pick a directory on PATH")
	}
	return nil
}

func (o *completionOptions) run(_ context.Context, r *Root) error {
	out := r.Streams.Out
	switch o.shell {
	case "bash":
		return o.root.GenBashCompletionV2(out, true)
	case "zsh":
		return o.root.GenZshCompletion(out)
	case "fish":
		return o.root.GenFishCompletion(out, true)
	case "powershell":
		return o.root.GenPowerShellCompletionWithDesc(out)
	case "kubectl-shim":
		return writeShim(out, o.dir, r.Streams.ErrOut)
	}
	return nil
}

// writeShim prints the shim, or with dir (checked to be a directory) writes
// it there, executable, in one rename.
func writeShim(out io.Writer, dir string, msgs io.Writer) error {
	if dir == "" {
		_, err := io.WriteString(out, ShimScript)
		return err
	}
	path := filepath.Join(dir, ShimName)
	tmp, err := os.CreateTemp(dir, ShimName+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.WriteString(tmp, ShimScript); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(msgs, "wrote %s\n", path)
	return nil
}
