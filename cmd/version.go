package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
)

type versionOptions struct {
	output string
}

func newVersionCmd(r *Root) *cobra.Command {
	o := &versionOptions{}
	c := &cobra.Command{
		Use:   "version",
		Short: "Print the lbctl version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "", "output format: json or yaml")
	return c
}

// complete has nothing to derive: version reads no input.
func (o *versionOptions) complete() error { return nil }

func (o *versionOptions) validate() error {
	switch o.output {
	case "", "json", "yaml":
		return nil
	}
	return usageError(fmt.Sprintf("unknown output format %q", o.output), "use -o json or -o yaml")
}

func (o *versionOptions) run(_ context.Context, r *Root) error {
	info := buildinfo.Get()
	out := r.Streams.Out
	if o.output != "" {
		return printStructured(out, o.output, info)
	}
	_, err := fmt.Fprintf(out, "lbctl %s (commit %s, built %s, %s, %s)\n", info.Version, info.Commit, info.Date, info.GoVersion, info.Platform)
	return err
}
