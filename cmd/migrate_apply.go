package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
)

type migrateApplyOptions struct {
	migrateApplyFlags
	// plan is the plan's flags, for a migration planned here (no --plan).
	plan planOptions
}

func newMigrateApplyCmd(r *Root) *cobra.Command {
	o := &migrateApplyOptions{}
	c := &cobra.Command{
		Use:   "apply --plan DIR [--until PHASE | --phase PHASE] [--yes]",
		Short: "Run the plan's phases (from where the journal left off)",
		Example: `  # review a plan in Git, then run it phase by phase
  kubectl lbctl plan -A --out-dir ./migration
  kubectl lbctl migrate apply --plan ./migration --until create
  kubectl lbctl migrate apply --plan ./migration --yes -o ndjson
  # every write through the API server, nothing persisted
  kubectl lbctl migrate apply --plan ./migration --dry-run=server --yes
  # plan and run in one go (the plan is written to ./lbctl-migration-ID for resume)
  kubectl lbctl migrate apply -A --steps 25,100 --soak 2m --yes`,
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
	o.plan.topo.add(c)
	o.plan.addShapeFlags(c.Flags())
	o.migrateApplyFlags.add(c)
	return c
}

// run carries out the plan of --plan, or without it plans the migration
// here, writes the plan beside the working directory for resume and
// rollback, and carries it out.
func (o *migrateApplyOptions) run(ctx context.Context, r *Root) error {
	var (
		p     *plan.Plan
		files map[string][]byte
		dir   string
		err   error
	)
	if o.planPath != "" {
		if p, files, dir, err = loadPlan(o.planPath); err != nil {
			return err
		}
	} else {
		if o.observe {
			return usageError("--observe follows a plan another process carries out", "pass --plan DIR, the plan written with "+r.DisplayName()+" plan --out-dir")
		}
		// -o belongs to migrate here: the plan is not printed.
		o.plan.output = "table"
		if err := o.plan.complete(); err != nil {
			return err
		}
		if p, _, err = o.plan.build(ctx, r); err != nil {
			return err
		}
		if p.HasErrors() {
			return fmt.Errorf("%w: the plan has error findings; review it with kubectl lbctl plan", exitcode.ErrCheckFailed)
		}
		dir = "lbctl-migration-" + apply.PlanID(p)
		if err := plan.CheckDir(dir); err != nil {
			return err
		}
		kept, err := plan.WriteDir(dir, p.Files())
		if err != nil {
			return err
		}
		if n := plan.KeptNote(kept); n != "" {
			fmt.Fprintln(r.Streams.ErrOut, "note: "+n)
		}
		files = map[string][]byte{}
		for _, f := range p.Files() {
			files[f.Path] = f.Data
		}
		fmt.Fprintf(r.Streams.ErrOut, "wrote the plan to %s; resume or roll back with --plan %s\n", dir, dir)
	}
	return o.carryOut(ctx, r, p, files, dir, o.plan.topo.ClusterName, false, false)
}
