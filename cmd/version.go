package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
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
			info := buildinfo.Get()
			out := r.Streams.Out
			switch o.output {
			case "":
				_, err := fmt.Fprintf(out, "lbctl %s (commit %s, built %s, %s, %s)\n", info.Version, info.Commit, info.Date, info.GoVersion, info.Platform)
				return err
			case "json":
				b, err := json.MarshalIndent(info, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(out, string(b))
				return err
			case "yaml":
				b, err := yaml.Marshal(info)
				if err != nil {
					return err
				}
				_, err = out.Write(b)
				return err
			}
			return exitcode.New(exitcode.Usage, fmt.Sprintf("unknown output format %q", o.output), "use -o json or -o yaml", exitcode.ErrUsage)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "", "output format: json or yaml")
	return c
}
