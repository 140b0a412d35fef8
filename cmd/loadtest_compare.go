package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/loadtest"
)

type loadtestCompareOptions struct {
	output string

	// paths are the two runs' files, set by complete.
	paths [2]string
}

func newLoadtestCompareCmd(r *Root) *cobra.Command {
	o := &loadtestCompareOptions{}
	c := &cobra.Command{
		Use:   "compare A.json B.json",
		Short: "Compare two saved runs percentile by percentile (B − A)",
		Long: `Compare two RUN.json files: each latency percentile of A and B and their difference. Runs made
at different times carry the noise of their moment; for a difference you can trust, use
'loadtest ab', which interleaves both paths and gives confidence intervals.`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.complete(args); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "text", "report format: text, json or markdown")
	return c
}

func (o *loadtestCompareOptions) complete(args []string) error {
	o.paths = [2]string{args[0], args[1]}
	return nil
}

func (o *loadtestCompareOptions) validate() error {
	return checkOutput(o.output)
}

func (o *loadtestCompareOptions) run(_ context.Context, r *Root) error {
	var runs [2]*loadtest.Run
	for i, p := range o.paths {
		run, err := loadtest.LoadRun(p)
		if err != nil {
			return usageError(err.Error(), "pass files written by `loadtest run --save`")
		}
		runs[i] = run
	}
	return writeComparison(r.Streams.Out, loadtest.Compare(runs[0], runs[1]), o.paths[0], o.paths[1], o.output)
}
