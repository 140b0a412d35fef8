package cmd

import (
	"context"

	"github.com/spf13/cobra"
)

type migrateRollbackOptions struct {
	migrateFlags
	write migrateWriteFlags
	to    string
}

func newMigrateRollbackCmd(r *Root) *cobra.Command {
	o := &migrateRollbackOptions{}
	c := &cobra.Command{
		Use:   "rollback --plan DIR [--to PHASE] [--yes]",
		Short: "Restore every object the migration wrote to its recorded previous state",
		Long: `Restore, newest first, every object the migration wrote to the state the journal recorded
before the write (weights back, old Ingresses back, Services back to NodePort, labels removed,
copies deleted), then wait until the old Ingresses have active ALBs again and nothing the
migration created is left in AWS. --to PHASE keeps the writes of that phase and the ones before.`,
		Example: `  kubectl lbctl migrate rollback --plan ./migration --yes
  kubectl lbctl migrate rollback --plan ./migration --to create --yes`,
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
	o.migrateFlags.add(c)
	o.write.add(c)
	c.Flags().StringVar(&o.to, "to", "", "keep the writes of this phase and the ones before")
	return c
}

func (o *migrateRollbackOptions) complete(r *Root) error {
	o.write.complete(r)
	return nil
}

func (o *migrateRollbackOptions) validate() error {
	if err := o.write.validate(); err != nil {
		return err
	}
	return o.write.validateConfirm()
}

func (o *migrateRollbackOptions) run(ctx context.Context, r *Root) error {
	p, files, dir, err := loadPlan(o.planPath)
	if err != nil {
		return err
	}
	e, err := o.executor(ctx, r, p, files, dir, "", o.write.options(r))
	if err != nil {
		return err
	}
	return e.Rollback(ctx, o.to)
}
