package cmd

import (
	"context"

	"github.com/spf13/cobra"
)

type migrateResumeOptions struct {
	migrateApplyFlags
	manualDone bool
}

func newMigrateResumeCmd(r *Root) *cobra.Command {
	o := &migrateResumeOptions{}
	c := &cobra.Command{
		Use:   "resume --plan DIR [--yes]",
		Short: "Continue a migration after a stop, a crash, Ctrl-C or a lost connection",
		Example: `  kubectl lbctl migrate resume --plan ./migration --yes
  # after doing a manual step (e.g. Route53 weights) the migration stopped at
  kubectl lbctl migrate resume --plan ./migration --manual-done`,
		Args: cobra.NoArgs,
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
	c.Flags().BoolVar(&o.manualDone, "manual-done", false, "the manual step the migration stopped at has been done")
	o.migrateApplyFlags.add(c)
	return c
}

func (o *migrateResumeOptions) run(ctx context.Context, r *Root) error {
	p, files, dir, err := loadPlan(o.planPath)
	if err != nil {
		return err
	}
	return o.carryOut(ctx, r, p, files, dir, "", o.manualDone, true)
}
