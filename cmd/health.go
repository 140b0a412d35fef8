package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/health"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/lbctl/world"
)

type healthOptions struct {
	topo      topologyFlags
	output    string
	watch     bool
	until     string
	timeout   time.Duration
	interval  time.Duration
	failOn    string
	tui       bool
	selectors []string
}

func newHealthCmd(r *Root) *cobra.Command {
	o := &healthOptions{}
	c := &cobra.Command{
		Use:   "health [INGRESS | TYPE/NAME ...]",
		Short: "Live target health from ALB to pod: a table, an NDJSON stream for CI, or a wait",
		Long: `Show every target behind the selected Ingresses — ALB, rule, target group, target, state and
reason — joined to its pod (node, zone, readiness, readiness gate) or node, with what neither
side shows alone: a Ready pod whose target is unhealthy, a target with no pod, readiness gates
stuck False, a zone with no healthy target, an ALB failing open.

TYPE/NAME selects by ingress/NAME, alb/NAME (load balancer), tg/NAME (target group) or
svc/NAME (backend Service). Exit 0 when every target that should be healthy is, 1 otherwise;
3 when AWS cannot be reached (the TUI then shows the Kubernetes side under a banner). The TUI's
keys can be rebound in $XDG_CONFIG_HOME/lbctl/keys.yaml (~/.config/lbctl/keys.yaml).`,
		Example: `  kubectl lbctl health -A
  kubectl lbctl health storefront -n team-a -o wide
  kubectl lbctl health -A --watch -o ndjson          # one JSON event per state change
  kubectl lbctl health -A --until healthy --timeout 5m`,
		ValidArgsFunction: r.completeIngresses(false),
		RunE: func(c *cobra.Command, args []string) error {
			o.complete(r, c, args)
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	o.topo.add(c)
	fl := c.Flags()
	fl.StringVarP(&o.output, "output", "o", "table", "output format: table, wide, json, yaml, or ndjson (with --watch)")
	fl.BoolVarP(&o.watch, "watch", "w", false, "keep watching and print every state change")
	fl.StringVar(&o.until, "until", "", "wait until a condition holds, then exit 0 (exit 1 at --timeout): healthy")
	fl.DurationVar(&o.timeout, "timeout", 5*time.Minute, "with --until or --watch: how long to go on")
	fl.DurationVar(&o.interval, "interval", 2*time.Second, "how often to poll target health (jittered, backing off on throttling)")
	fl.BoolVar(&o.tui, "tui", false, "interactive view (default on a terminal without -o; never in CI)")
	fl.StringVar(&o.failOn, "fail-on", string(health.FailUnhealthy), "which target states fail: unhealthy, draining or any")
	return c
}

// complete takes the selectors and, unless --tui says, opens the TUI on a
// terminal when no output, watch or wait was asked for.
func (o *healthOptions) complete(r *Root, c *cobra.Command, args []string) {
	o.selectors = args
	if !c.Flags().Changed("tui") {
		o.tui = r.Streams.Interactive() && !c.Flags().Changed("output") && !o.watch && o.until == ""
	}
}

func (o *healthOptions) validate() error {
	switch o.output {
	case "table", "wide", "json", "yaml":
	case "ndjson":
		if !o.watch && o.until == "" {
			return usageError("-o ndjson streams events", "add --watch or --until healthy")
		}
	default:
		return usageError(fmt.Sprintf("unknown output format %q", o.output), "use -o table, wide, json, yaml or ndjson")
	}
	switch health.FailOn(o.failOn) {
	case health.FailUnhealthy, health.FailDraining, health.FailAny:
	default:
		return usageError(fmt.Sprintf("--fail-on %q is not unhealthy, draining or any", o.failOn), "")
	}
	if o.until != "" && o.until != "healthy" {
		return usageError(fmt.Sprintf("--until %q is not a condition lbctl knows", o.until), "use --until healthy")
	}
	if o.interval < 100*time.Millisecond {
		return usageError("--interval must be at least 100ms", "")
	}
	if o.topo.NoAWS {
		return usageError("health reads target health from AWS", "drop --no-aws (the sandbox's env file gives a local AWS endpoint)")
	}
	for _, s := range o.selectors {
		if typ, _, ok := strings.Cut(s, "/"); ok {
			switch typ {
			case "ingress", "ing", "alb", "tg", "svc", "service":
			default:
				return usageError(fmt.Sprintf("unknown selector type %q in %q", typ, s), "use ingress/NAME, alb/NAME, tg/NAME or svc/NAME")
			}
		}
	}
	return nil
}

// keep selects the Ingresses the arguments name.
func (o *healthOptions) keep(in *topology.Ingress) bool {
	if len(o.selectors) == 0 {
		return true
	}
	for _, s := range o.selectors {
		typ, name, ok := strings.Cut(s, "/")
		if !ok {
			typ, name = "ingress", s
		}
		switch typ {
		case "ingress", "ing":
			if in.Object.Name == name {
				return true
			}
		case "alb":
			if in.Group.LoadBalancerName == name || (in.Group.LoadBalancer != nil && in.Group.LoadBalancer.Name == name) {
				return true
			}
		case "tg":
			for _, b := range in.Backends {
				if b.TargetGroupName == name || (b.TargetGroup != nil && b.TargetGroup.Name == name) {
					return true
				}
			}
		case "svc", "service":
			for _, b := range in.Backends {
				if b.Ref.Service == name {
					return true
				}
			}
		}
	}
	return false
}

// checkSelectors fails for a selector that matches nothing.
func (o *healthOptions) checkSelectors(t *topology.Topology, ns string) error {
	for _, s := range o.selectors {
		one := &healthOptions{selectors: []string{s}}
		found := false
		for _, in := range t.ALBIngresses() {
			if one.keep(in) {
				found = true
				break
			}
		}
		if !found {
			where := "namespace " + ns
			if o.topo.AllNamespaces || ns == "" {
				where = "any namespace"
			}
			return usageError(fmt.Sprintf("%s matches no ALB Ingress in %s", s, where), "check the name, -n NAMESPACE or -A (kubectl get ingress -A)")
		}
	}
	return nil
}

func (o *healthOptions) run(ctx context.Context, r *Root) error {
	tui := o.tui && !r.Streams.CI()
	s, err := r.scope(&o.topo)
	if err != nil {
		return err
	}
	wo, err := r.readOptions(ctx, &o.topo, s)
	if err != nil {
		return err
	}
	wo.RequireAWS = true // target health is AWS's: a verdict over nothing read must not pass
	var t *topology.Topology
	var awsErr error
	if tui {
		t, awsErr, err = world.ReadKubeFirst(ctx, r.worldClients(), s, wo)
	} else {
		t, err = world.Read(ctx, r.worldClients(), s, wo)
	}
	if err != nil {
		return err
	}
	if err := o.checkSelectors(t, s.Namespace); err != nil {
		return err
	}
	if t.AWS != nil {
		for _, p := range t.AWS.Problems {
			fmt.Fprintf(r.Streams.ErrOut, "warning: AWS %s failed with %s: %s\n", p.Action, p.Code, p.Message)
		}
	}
	snap := health.Build(t, r.Factory.Clock.Now(), o.keep)
	if tui {
		return o.runTUI(ctx, r, s, wo, t, snap, awsErr)
	}
	if !o.watch && o.until == "" {
		if err := o.print(r.Streams.Out, snap, r.Color()); err != nil {
			return err
		}
		if len(snap.Rows) == 0 {
			fmt.Fprintln(r.Streams.ErrOut, "no ALB targets found in scope")
		}
		return o.verdict(snap)
	}
	return o.follow(ctx, r, s, wo, t, snap)
}

func (o *healthOptions) verdict(s health.Snapshot) error {
	if bad := s.Failing(health.FailOn(o.failOn)); len(bad) > 0 {
		return fmt.Errorf("%w: %d of %d targets are not healthy (first: %s in %s is %s %s)", exitcode.ErrCheckFailed,
			len(bad), len(s.Rows), bad[0].Target, bad[0].TargetGroup, bad[0].State, bad[0].Reason)
	}
	return nil
}

func (o *healthOptions) print(w io.Writer, s health.Snapshot, color bool) error {
	if o.output == "json" || o.output == "yaml" {
		return printStructured(w, o.output, s)
	}
	return health.WriteTable(w, s, o.output == "wide", color)
}

// follow polls target health and prints changes until the condition holds,
// the timeout passes or the user interrupts.
func (o *healthOptions) follow(ctx context.Context, r *Root, s world.Scope, wo world.Options, t *topology.Topology, snap health.Snapshot) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	p, err := world.NewPoller(ctx, r.worldClients(), s, wo, t, o.interval)
	if err != nil {
		return err
	}
	defer p.Stop()
	var awsErr error
	kubeDown := ""
	emit := func(evs []health.Event) {
		for _, e := range evs {
			if o.output == "ndjson" {
				b, _ := json.Marshal(e)
				fmt.Fprintln(r.Streams.Out, string(b))
				continue
			}
			from := e.From
			if from == "" {
				from = "new"
			}
			fmt.Fprintf(r.Streams.Out, "%s  %-32s %-34s %-22s %s → %s %s\n", e.Time.Format("15:04:05"), e.LoadBalancer, e.TargetGroup, e.Target, from, e.To, e.Reason)
		}
	}
	emit(health.Diff(health.Snapshot{}, snap))
	for {
		if o.until == "healthy" && snap.Healthy() {
			fmt.Fprintf(r.Streams.ErrOut, "all %d targets healthy\n", len(snap.Rows))
			return nil
		}
		if err := p.Wait(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				if o.until != "" {
					return fmt.Errorf("%w: not healthy after %s: %s", exitcode.ErrCheckFailed, o.timeout, summary(snap))
				}
				return nil
			}
			return err
		}
		nt, err := p.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return err
		}
		next := health.Build(nt, r.Factory.Clock.Now(), o.keep)
		if p.AWSErr != nil && (awsErr == nil || p.AWSErr.Error() != awsErr.Error()) {
			fmt.Fprintf(r.Streams.ErrOut, "warning: AWS unreachable, target health as last read: %s\n", firstLineOf(p.AWSErr))
		}
		awsErr = p.AWSErr
		if d := p.KubeDown(); (d == "") != (kubeDown == "") {
			o.kubeEvent(r, kubeDown, d, next.Time)
			kubeDown = d
		}
		emit(health.Diff(snap, next))
		snap = next
	}
}

// kubeEvent reports the watch on the cluster failing (to != "") or
// answered again: an event in NDJSON, a line on stderr otherwise.
func (o *healthOptions) kubeEvent(r *Root, from, to string, at time.Time) {
	state := func(down string) string {
		if down == "" {
			return health.WatchOK
		}
		return health.WatchFailing
	}
	if o.output == "ndjson" {
		why := to
		if to == "" {
			why = "answered again; was failing: " + from
		}
		b, _ := json.Marshal(health.Event{Time: at, Source: "kubernetes", From: state(from), To: state(to), Reason: why})
		fmt.Fprintln(r.Streams.Out, string(b))
		return
	}
	if to != "" {
		fmt.Fprintf(r.Streams.ErrOut, "warning: the Kubernetes watch is failing, pods and targets as last read: %s\n", to)
		return
	}
	fmt.Fprintln(r.Streams.ErrOut, "the Kubernetes watch is answered again")
}

func summary(s health.Snapshot) string {
	c := s.Count()
	var parts []string
	for _, st := range []string{"healthy", "initial", "unhealthy", "draining", "unused", "unavailable"} {
		if c[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[st], st))
		}
	}
	if len(parts) == 0 {
		return "no targets"
	}
	return strings.Join(parts, ", ")
}
