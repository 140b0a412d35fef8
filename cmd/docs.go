package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// DocsDisplayName is how the generated reference spells the command.
const DocsDisplayName = "kubectl lbctl"

func newDocsCmd(r *Root) *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:    "docs --dir DIR",
		Short:  "Generate the Markdown command reference (make docs)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if dir == "" {
				return exitcode.New(exitcode.Usage, "--dir is required", "e.g. --dir docs/reference", exitcode.ErrUsage)
			}
			if err := GenerateReference(c.Root(), dir); err != nil {
				return err
			}
			fmt.Fprintf(r.Streams.ErrOut, "wrote the command reference to %s\n", dir)
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "directory to write the Markdown files into (stale "+refPrefix()+"*.md files there are removed)")
	return c
}

// refPrefix is the file name prefix of the generated pages.
func refPrefix() string { return strings.ReplaceAll(DocsDisplayName, " ", "_") }

// GenerateReference writes one Markdown page per visible command of root
// into dir, spelled as "kubectl lbctl", without the generation date so the
// output is reproducible, removing pages of commands that no longer exist.
func GenerateReference(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	old, err := filepath.Glob(filepath.Join(dir, refPrefix()+"*.md"))
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return fmt.Errorf("remove stale %s: %w", f, err)
		}
	}
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	prev := root.Annotations[cobra.CommandDisplayNameAnnotation]
	root.Annotations[cobra.CommandDisplayNameAnnotation] = DocsDisplayName
	defer func() { root.Annotations[cobra.CommandDisplayNameAnnotation] = prev }()
	root.DisableAutoGenTag = true
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return fmt.Errorf("generate the command reference: %w", err)
	}
	return nil
}
