package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/loadtest"
)

type loadtestMergeOptions struct {
	output     string
	save       string
	thresholds []string

	// set by complete
	ths   []loadtest.Threshold
	paths []string
}

func newLoadtestMergeCmd(r *Root) *cobra.Command {
	o := &loadtestMergeOptions{}
	c := &cobra.Command{
		Use:   "merge RUN.json... [--threshold EXPR]... [--save MERGED.json]",
		Short: "Merge runs made in parallel (several machines) and judge thresholds once, on the merged data",
		Long: `Merge the RUN.json files of one load test run from several machines at once: counts add up,
histograms merge exactly (the merged percentiles are those of all requests, not an average of
percentiles), per-second windows line up on wall-clock time. Thresholds are judged once on the
merged result, and the exit code says whether they passed. Start the runs together with
'loadtest run --start-at TIME', each at its share of the rate.`,
		Example: `  kubectl lbctl loadtest merge w1.json w2.json w3.json --threshold 'p99<250ms' --save merged.json`,
		Args:    cobra.MinimumNArgs(1),
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
	fl := c.Flags()
	fl.StringVarP(&o.output, "output", "o", "text", "report format: text, json or markdown")
	fl.StringVar(&o.save, "save", "", "write the merged run to this file")
	fl.StringArrayVar(&o.thresholds, "threshold", nil, "a pass/fail criterion judged on the merged run (repeatable; exit 1 on breach)")
	return c
}

func (o *loadtestMergeOptions) complete(args []string) error {
	ths, err := loadtest.ParseThresholds(o.thresholds)
	if err != nil {
		return usageError(err.Error(), "")
	}
	o.ths, o.paths = ths, args
	return nil
}

func (o *loadtestMergeOptions) validate() error {
	return checkOutput(o.output)
}

func (o *loadtestMergeOptions) run(_ context.Context, r *Root) error {
	var runs []*loadtest.Run
	for _, p := range o.paths {
		run, err := loadtest.LoadRun(p)
		if err != nil {
			return usageError(err.Error(), "pass files written by `loadtest run --save`")
		}
		runs = append(runs, run)
	}
	merged, err := loadtest.MergeRuns(runs...)
	if err != nil {
		return err
	}
	verdicts, passed := loadtest.Evaluate(merged, o.ths)
	merged.Thresholds = verdicts
	if err := writeRun(r.Streams.Out, merged, o.output); err != nil {
		return err
	}
	if o.save != "" {
		if err := merged.Save(o.save); err != nil {
			return err
		}
	}
	if err := githubReport(r, merged, verdicts); err != nil {
		return err
	}
	if !passed {
		return fmt.Errorf("%w: %s", exitcode.ErrCheckFailed, loadtest.FailureSummary(verdicts))
	}
	return nil
}
