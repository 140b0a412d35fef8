package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/tui/loadview"
)

type loadtestABOptions struct {
	topo       topologyFlags
	a, b       []string
	load       loadFlags
	slot       time.Duration
	bootstrap  int
	output     string
	save       string
	headers    []string
	pathSample string

	// opts is the engine's options without targets (run resolves them),
	// set by complete.
	opts loadtest.Options
}

func newLoadtestABCmd(r *Root, attack loadtestRunFunc) *cobra.Command {
	o := &loadtestABOptions{}
	c := &cobra.Command{
		Use:   "ab --a TARGET... --b TARGET... [flags]",
		Short: "Measure path B against path A under one schedule, interleaved, with confidence intervals",
		Long: `Drive two routing paths (the old instance-mode ALB and the new ip-mode one, say) under one
schedule, alternating between them in short slots (pairs of A and B slots in a pseudo-random order)
so machine and network noise falls on both, and report each latency percentile of B − A with a 95%
confidence interval from a bootstrap over slot pairs.

A TARGET is ingress:NAMESPACE/NAME, group:NAME, file:PATH (a vegeta target file) or a URL.`,
		Example: `  # what moving storefront to ip targets saves, per percentile
  kubectl lbctl loadtest ab --a ingress:team-a/storefront --b ingress:team-a/storefront-ip --rate 200/s --duration 1m`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(r); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r, attack)
		},
	}
	o.topo.noKustomizeShorthand = true
	o.topo.add(c)
	o.load.add(c)
	fl := c.Flags()
	fl.StringArrayVar(&o.a, "a", nil, "path A: ingress:NS/NAME, group:NAME, file:PATH or a URL (repeatable)")
	fl.StringArrayVar(&o.b, "b", nil, "path B, as --a (repeatable)")
	fl.DurationVar(&o.slot, "slot", time.Second, "length of each alternating slot (whole seconds)")
	fl.IntVar(&o.bootstrap, "bootstrap", 1000, "bootstrap resamples for the confidence intervals")
	fl.StringVarP(&o.output, "output", "o", "text", "report format: text, json or markdown")
	fl.StringVar(&o.save, "save", "", "write both runs to PREFIX-a.json and PREFIX-b.json")
	fl.StringArrayVarP(&o.headers, "header", "H", nil, `a request header "Name: value" (repeatable)`)
	fl.StringVar(&o.pathSample, "path-sample", "", "what replaces * in a rule's path pattern")
	return c
}

// complete turns the load flags into the engine's options.
func (o *loadtestABOptions) complete(r *Root) error {
	var err error
	o.opts, err = o.load.options(r)
	return err
}

func (o *loadtestABOptions) validate() error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	if o.slot < time.Second || o.slot%time.Second != 0 {
		return usageError(fmt.Sprintf("--slot %s: want whole seconds (1s, 2s)", o.slot), "")
	}
	if o.bootstrap < 0 {
		return usageError(fmt.Sprintf("--bootstrap %d: want a count of 0 or more", o.bootstrap), "")
	}
	if o.load.warmup%time.Second != 0 {
		return usageError(fmt.Sprintf("--warmup %s: want whole seconds in an A/B test", o.load.warmup), "")
	}
	// Slots alternate in pairs (AB or BA): two slots hold one of each.
	if measured := o.opts.Shape.Duration() - o.opts.Shape.Warmup; measured < 2*o.slot {
		return usageError(fmt.Sprintf("--slot %s: %s of measurement holds no A slot and B slot", o.slot, measured),
			fmt.Sprintf("measure at least two slots (--duration %s or more), or shorten --slot", 2*o.slot))
	}
	return nil
}

// sideTargets resolves one side's specs.
func (o *loadtestABOptions) sideTargets(ctx context.Context, r *Root, specs []string, set string, topo **topology.Topology) ([]loadtest.Target, error) {
	if len(specs) == 0 {
		return nil, usageError(fmt.Sprintf("--%s: no target", set), "pass --a and --b, e.g. --a ingress:team-a/shop --b ingress:team-a/shop-ip")
	}
	f := &targetFlags{topo: o.topo, headers: o.headers, pathSample: o.pathSample, hostSample: "www", format: "http", method: "GET"}
	f.topo.AllNamespaces = false // -A reads every namespace here; it selects no rule
	var sel loadtest.Selection
	for _, s := range specs {
		kind, val, _ := strings.Cut(s, ":")
		switch kind {
		case "ingress":
			sel.Ingresses = append(sel.Ingresses, val)
		case "group":
			sel.Groups = append(sel.Groups, val)
		case "file":
			f.targetsFile = val
		case "http", "https":
			f.urls = append(f.urls, s)
		default:
			return nil, usageError(fmt.Sprintf("--%s %q: want ingress:NS/NAME, group:NAME, file:PATH or a URL", set, s), "")
		}
	}
	var out []loadtest.Target
	if !sel.Empty() {
		if *topo == nil {
			tf := o.topo
			tf.AllNamespaces = true
			t, err := r.readTopology(ctx, &tf)
			if err != nil {
				return nil, err
			}
			*topo = t
		}
		ts, err := f.fromTopology(r, *topo, sel)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	if len(f.urls) > 0 || f.targetsFile != "" {
		ts, err := f.targets(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	for i := range out {
		out[i].Set = set
	}
	return out, nil
}

func (o *loadtestABOptions) run(ctx context.Context, r *Root, attack loadtestRunFunc) error {
	opts := o.opts
	var topo *topology.Topology
	a, err := o.sideTargets(ctx, r, o.a, "a", &topo)
	if err != nil {
		return err
	}
	b, err := o.sideTargets(ctx, r, o.b, "b", &topo)
	if err != nil {
		return err
	}
	opts.Targets = append(a, b...)
	if err := applyConnectTo(opts.Targets, o.load.connectTo); err != nil {
		return err
	}
	if err := loadtest.Preflight(ctx, opts); err != nil {
		return usageError(err.Error(), "check the name, or pass --resolve HOST:PORT:ADDR (source the sandbox's env file for LBCTL_RESOLVE)")
	}
	opts.Slot = o.slot
	attack = o.load.progressOutput(r, &opts, o.output, "lbctl loadtest ab", attack, func(h *loadview.Header) { h.NoInterval = o.bootstrap == 0 })
	fmt.Fprintf(r.Streams.ErrOut, "A/B test: %d target(s) in A, %d in B, alternating every %s, %s\n", len(a), len(b), o.slot, opts.Shape)
	defer lessGC(r, opts.Shape)()
	runs, err := attack(ctx, opts)
	interrupted := errors.Is(err, loadtest.ErrInterrupted)
	if err != nil && !interrupted {
		return err
	}
	cmp := loadtest.ABCompare(runs[0], runs[1], o.slot, o.bootstrap, 1)
	if err := writeComparison(r.Streams.Out, cmp, "a: "+strings.Join(o.a, " "), "b: "+strings.Join(o.b, " "), o.output); err != nil {
		return err
	}
	if o.save != "" {
		prefix := strings.TrimSuffix(o.save, ".json")
		for _, run := range runs {
			p := prefix + "-" + run.Meta.Name + ".json"
			if err := run.Save(p); err != nil {
				return err
			}
			fmt.Fprintf(r.Streams.ErrOut, "saved %s\n", p)
		}
	}
	if interrupted {
		return exitcode.New(exitcode.Interrupted, "A/B test interrupted; partial comparison reported", "", exitcode.ErrInterrupted)
	}
	return nil
}
