package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// DocsDisplayName is how the generated reference spells the command.
const DocsDisplayName = "kubectl lbctl"

type docsOptions struct {
	dir string

	// root is the tree to document, set by complete.
	root *cobra.Command
}

func newDocsCmd(r *Root) *cobra.Command {
	o := &docsOptions{}
	c := &cobra.Command{
		Use:    "docs --dir DIR",
		Short:  "Generate the Markdown command reference (make docs)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(c); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	c.Flags().StringVar(&o.dir, "dir", "", "directory to write the Markdown files into (stale "+refPrefix()+"*.md files there are removed)")
	return c
}

func (o *docsOptions) complete(c *cobra.Command) error {
	o.root = c.Root()
	return nil
}

func (o *docsOptions) validate() error {
	if o.dir == "" {
		return usageError("--dir is required", "e.g. --dir docs/reference")
	}
	return nil
}

func (o *docsOptions) run(_ context.Context, r *Root) error {
	if err := GenerateReference(o.root, o.dir); err != nil {
		return err
	}
	fmt.Fprintf(r.Streams.ErrOut, "wrote the command reference to %s\n", o.dir)
	return nil
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
