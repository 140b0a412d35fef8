package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
)

type migrateStatusOptions struct {
	migrateFlags
	output string
}

func newMigrateStatusCmd(r *Root) *cobra.Command {
	o := &migrateStatusOptions{}
	c := &cobra.Command{
		Use:     "status --plan DIR",
		Short:   "Show the migration's phase, steps, writes and what is left",
		Example: `  kubectl lbctl migrate status --plan ./migration -o json`,
		Args:    cobra.NoArgs,
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
	o.migrateFlags.add(c)
	c.Flags().StringVarP(&o.output, "output", "o", "table", "table or json")
	return c
}

// complete has nothing to derive: status reads the plan and the journal
// when it runs.
func (o *migrateStatusOptions) complete() error { return nil }

func (o *migrateStatusOptions) validate() error {
	if o.output != "table" && o.output != "json" {
		return usageError(fmt.Sprintf("unknown output format %q", o.output), "use -o table or json")
	}
	return nil
}

func (o *migrateStatusOptions) run(ctx context.Context, r *Root) error {
	p, files, dir, err := loadPlan(o.planPath)
	if err != nil {
		return err
	}
	e, err := o.executor(ctx, r, p, files, dir, "", apply.Options{Events: printEvents(r.Streams.Out, false)})
	if err != nil {
		return err
	}
	j, err := e.Status(ctx)
	if err != nil {
		return err
	}
	out := r.Streams.Out
	if j == nil {
		if o.output == "json" {
			fmt.Fprintln(out, `{"state":"not-started"}`)
			return nil
		}
		fmt.Fprintf(out, "migration %s has not started (%d steps in %d phases)\n", e.ID(), countSteps(p), len(p.Phases))
		return nil
	}
	if o.output == "json" {
		return printStructured(out, o.output, j)
	}
	return writeJournalTable(out, j)
}

func countSteps(p *plan.Plan) int {
	n := 0
	for _, ph := range p.Phases {
		n += len(ph.Steps)
	}
	return n
}

func writeJournalTable(out io.Writer, j *apply.Journal) error {
	done := 0
	current := ""
	for _, s := range j.Steps {
		if s.State == apply.StepDone {
			done++
		} else if current == "" {
			current = fmt.Sprintf("step %d (%s) %s", s.Index, s.Phase, s.Action)
		}
	}
	fmt.Fprintf(out, "migration %s on cluster %q: %s, %d of %d steps done, %d writes journalled\n", j.ID, j.Cluster, j.State, done, len(j.Steps), len(j.Writes))
	if j.Message != "" {
		fmt.Fprintf(out, "last message: %s\n", j.Message)
	}
	if current != "" {
		fmt.Fprintf(out, "next: %s\n", current)
	}
	fmt.Fprintln(out)
	w := printers.GetNewTabWriter(out)
	fmt.Fprintln(w, "STEP\tPHASE\tOP\tSTATE\tACTION")
	for _, s := range j.Steps {
		action := s.Action
		if len(action) > 90 {
			action = action[:89] + "…"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", s.Index, s.Phase, s.Op, s.State, action)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return nil
}
