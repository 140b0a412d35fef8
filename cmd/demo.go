package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/demo"
)

type demoOptions struct {
	plain    bool
	requests int
}

func newDemoCmd(r *Root) *cobra.Command {
	o := &demoOptions{}
	c := &cobra.Command{
		Use:   "demo",
		Short: "See lbctl work in an in-process sandbox: no cluster, no AWS account, no install",
		Long: `Start an in-process sandbox EKS cluster with the ALB controller, an AWS endpoint and real
HTTP traffic, and walk through it: the estate, what scan finds, the plan, a load test through
today's instance path, the plan carried out by the migration executor up to the traffic shift
while load runs, both paths' target health, the old path against the new in an interleaved A/B
load test, and the migration resumed until the old path is gone.

On a terminal it is a guided tour whose health step is the live health view; otherwise (or with
--plain) it prints the story and exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	c.Flags().BoolVar(&o.plain, "plain", false, "print the story as text even on a terminal")
	c.Flags().IntVar(&o.requests, "requests", 300, "requests of the load test through today's path, and per path in the A/B test")
	return c
}

func (o *demoOptions) validate() error {
	if o.requests < 1 {
		return usageError(fmt.Sprintf("--requests %d: want at least 1", o.requests), "e.g. --requests 300")
	}
	return nil
}

func (o *demoOptions) run(ctx context.Context, r *Root) error {
	fmt.Fprintln(r.Streams.ErrOut, "starting an in-process sandbox…")
	story, err := demo.Start(ctx)
	if err != nil {
		return err
	}
	defer story.Stop()
	story.Requests = o.requests
	if r.Streams.Interactive() && !o.plain {
		return runDemoTUI(ctx, r, story)
	}
	w := r.Streams.Out
	start := time.Now()
	for i, st := range story.Steps() {
		t0 := time.Now()
		body, err := st.Run(ctx)
		if err != nil {
			return fmt.Errorf("demo step %q: %w", st.Title, err)
		}
		title := fmt.Sprintf("%d. %s", i+1, st.Title)
		fmt.Fprintf(w, "%s\n%s\n\n%s\n", title, strings.Repeat("─", len([]rune(title))), strings.TrimRight(body, "\n"))
		fmt.Fprintf(r.Streams.ErrOut, "(step %d took %.1fs)\n", i+1, time.Since(t0).Seconds())
		fmt.Fprintln(w)
	}
	fmt.Fprintf(r.Streams.ErrOut, "(the story took %.1fs after a start-up of %.1fs)\n", time.Since(start).Seconds(), story.StartupTime().Seconds())
	return nil
}
