package cmd

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
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

func newCompletionCmd(r *Root) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell|kubectl-shim",
		Short: "Print shell completion scripts, or the kubectl completion shim",
		Long: `Print a completion script for your shell, or write the kubectl_complete-lbctl shim that
lets kubectl (1.26 or newer) complete "kubectl lbctl <TAB>":

  kubectl lbctl completion kubectl-shim --dir ~/.local/bin`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell", "kubectl-shim"},
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			out := r.Streams.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			case "kubectl-shim":
				return writeShim(out, dir, r.Streams.ErrOut)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "with kubectl-shim: write "+ShimName+" into this directory (it must be on PATH) instead of printing it")
	return c
}

func writeShim(out io.Writer, dir string, msgs io.Writer) error {
	if dir == "" {
		_, err := io.WriteString(out, ShimScript)
		return err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("--dir %s is not a directory", dir), "create it or pick a directory on PATH", exitcode.ErrUsage)
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
