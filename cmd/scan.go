package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/migrate/scan"
)

type scanOptions struct {
	topo   topologyFlags
	output string
	failOn string
	fail   scan.Severity
}

func newScanCmd(r *Root) *cobra.Command {
	o := &scanOptions{}
	c := &cobra.Command{
		Use:   "scan [-n NAMESPACE | -A | -f FILE...]",
		Short: "Find Ingresses on NodePort instance targets, the ALBs they cost, and what blocks ip targets on shared ALBs",
		Long: `Read the cluster (or manifests) and AWS into one topology and report, per Ingress, its
class, group, target type, scheme, ALB, rules, backends and target health, then the findings
that stand between it and ip targets on a shared ALB: each with a severity, a stable code,
the objects involved and a remedy.`,
		Example: `  # the current namespace, joined with AWS
  kubectl lbctl scan
  # every namespace, as JSON for CI, failing on errors
  kubectl lbctl scan -A -o json --fail-on error
  # manifests (kubectl get … -o yaml output works too), without AWS
  kubectl lbctl scan -f ./manifests --no-aws`,
		Args: cobra.NoArgs,
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
	o.topo.add(c)
	c.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table, wide, json or yaml")
	c.Flags().StringVar(&o.failOn, "fail-on", "", "exit 1 when a finding is at least this severe: warning or error")
	return c
}

// complete parses --fail-on.
func (o *scanOptions) complete() error {
	if o.failOn == "" {
		return nil
	}
	s, err := scan.ParseSeverity(o.failOn)
	if err != nil || s == scan.Info {
		return usageError(fmt.Sprintf("--fail-on %q is not warning or error", o.failOn), "")
	}
	o.fail = s
	return nil
}

func (o *scanOptions) validate() error {
	switch o.output {
	case "table", "wide", "json", "yaml":
		return nil
	}
	return usageError(fmt.Sprintf("unknown output format %q", o.output), "use -o table, wide, json or yaml")
}

func (o *scanOptions) run(ctx context.Context, r *Root) error {
	t, err := r.readTopology(ctx, &o.topo)
	if err != nil {
		return err
	}
	opts := scan.Options{Limits: lbc.DefaultLimits()}
	if t.AWS != nil && len(t.AWS.Limits) > 0 {
		opts.Limits = lbc.LimitsFromAWS(t.AWS.Limits)
	}
	rep := scan.Build(t, opts)
	if len(t.Ingresses) == 0 {
		fmt.Fprintln(r.Streams.ErrOut, r.noIngresses(&o.topo))
	}
	out := r.Streams.Out
	switch o.output {
	case "json", "yaml":
		if err := printStructured(out, o.output, rep); err != nil {
			return err
		}
	default:
		if len(t.Ingresses) == 0 && len(rep.Findings) == 0 {
			break
		}
		if err := scan.WriteTable(out, rep, scan.TableOptions{Wide: o.output == "wide", Color: r.Color()}); err != nil {
			return err
		}
		for _, n := range rep.Notes {
			fmt.Fprintln(r.Streams.ErrOut, "note: "+n)
		}
	}
	if o.fail != "" {
		if w := scan.Worst(rep.Findings); w != "" && w.Rank() >= o.fail.Rank() {
			return fmt.Errorf("%w: findings of severity %s (--fail-on %s)", exitcode.ErrCheckFailed, w, o.failOn)
		}
	}
	return nil
}
