package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/world"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
	"github.com/lbctl/lbctl/tui/migrateview"
)

func newMigrateCmd(r *Root) *cobra.Command {
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Carry out a plan: phases with health gates, a journal, resume and rollback",
		Long: `Carry out a migration plan (kubectl lbctl plan --out-dir DIR) make-before-break, phase by
phase. Every write is a server-side apply with field manager "lbctl", recorded beforehand in a
journal (a ConfigMap in --journal-namespace and a local file) with the object's previous state.
Between steps lbctl waits on real conditions: new ALBs active, new target groups healthy,
rollouts done with readiness gates True, old load balancers gone. Each traffic step is soaked
and undone at once if the new path loses its healthy targets.

Exit codes: 0 done (or stopped where asked); 1 a check or wait failed (the migration stopped at a
resumable point); 2 bad flags, plan or input; 3 the cluster or AWS could not be reached, or RBAC
forbids a write; 4 interrupted.`,
	}
	c.AddCommand(newMigrateApplyCmd(r), newMigrateResumeCmd(r), newMigrateStatusCmd(r), newMigrateRollbackCmd(r))
	return c
}

// migrateFlags are the flags every migrate leaf has: the plan and its
// journal. Each leaf's options embed them.
type migrateFlags struct {
	planPath         string
	journalNamespace string
	journalFile      string
}

func (f *migrateFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.planPath, "plan", "", "the plan: a directory written by kubectl lbctl plan --out-dir, or its plan.json")
	fl.StringVar(&f.journalNamespace, "journal-namespace", apply.DefaultJournalNamespace, "namespace of the journal ConfigMap and the migration's Lease")
	fl.StringVar(&f.journalFile, "journal-file", "", "local copy of the journal (default: journal.json beside the plan)")
}

// executor builds the executor of plan p (files and dir as loadPlan returns
// them) with the leaf's settings in opts. cluster is --cluster-name where
// the leaf has it; lbctl's one order (cmd/world.go) goes on from there.
func (f *migrateFlags) executor(ctx context.Context, r *Root, p *plan.Plan, files map[string][]byte, dir, cluster string, opts apply.Options) (*apply.Executor, error) {
	kc, err := r.Factory.KubeClient()
	if err != nil {
		return nil, err
	}
	dc, err := r.Factory.DynamicClient()
	if err != nil {
		return nil, err
	}
	elb, err := r.Factory.ELBv2(ctx)
	if err != nil {
		return nil, err
	}
	journal := f.journalFile
	if journal == "" && dir != "" {
		journal = filepath.Join(dir, "journal.json")
	}
	cluster = r.clusterName(cluster, false)
	opts.Kube, opts.Dynamic, opts.ELB, opts.Plan, opts.Files, opts.Cluster = kc, dc, elb, p, files, cluster
	opts.JournalNamespace, opts.JournalFile = f.journalNamespace, journal
	opts.Now = r.Factory.Clock.Now
	return apply.New(opts), nil
}

// migrateWriteFlags are the flags of the leaves that write (apply, resume,
// rollback): how the writes are made, reported and confirmed.
type migrateWriteFlags struct {
	output         string
	dryRun         string
	yes            bool
	forceConflicts bool
	waitTimeout    time.Duration
	poll           time.Duration

	// interactive is whether a person can answer, set by complete.
	interactive bool
	// events, when set, receives progress instead of the printed lines.
	events func(apply.Event)
}

func (f *migrateWriteFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVarP(&f.output, "output", "o", "text", "progress output: text (one line per event) or ndjson")
	fl.StringVar(&f.dryRun, "dry-run", "none", "server: send every write to the API server without persisting it (no waits, no journal); none")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask before each phase (needed without a terminal)")
	fl.BoolVar(&f.forceConflicts, "force-conflicts", false, "take over fields another field manager owns instead of stopping")
	fl.DurationVar(&f.waitTimeout, "wait-timeout", 10*time.Minute, "give up a wait after this long (the migration stops, resumable)")
	fl.DurationVar(&f.poll, "poll", 2*time.Second, "interval of the waits' checks")
}

// complete notes whether a person can confirm the phases.
func (f *migrateWriteFlags) complete(r *Root) {
	f.interactive = r.Streams.Interactive()
}

// validate checks -o and --dry-run.
func (f *migrateWriteFlags) validate() error {
	switch f.output {
	case "text", "ndjson":
	default:
		return usageError(fmt.Sprintf("unknown output format %q", f.output), "use -o text or ndjson")
	}
	switch f.dryRun {
	case "none", "server":
	default:
		return usageError(fmt.Sprintf("--dry-run=%s is not supported", f.dryRun), "use --dry-run=server (client-side dry runs cannot see the controller's webhooks)")
	}
	return nil
}

// validateConfirm checks that each phase can be confirmed: --yes, or a
// person at a terminal.
func (f *migrateWriteFlags) validateConfirm() error {
	if !f.yes && !f.interactive {
		return usageError("not at a terminal, so no phase can be confirmed", "pass --yes to run every phase without asking")
	}
	return nil
}

// options are the executor's settings these flags give: how to write, where
// the events go, and (without --yes) the question before each phase.
func (f *migrateWriteFlags) options(r *Root) apply.Options {
	opts := apply.Options{
		DryRun: f.dryRun == "server", ForceConflicts: f.forceConflicts,
		WaitTimeout: f.waitTimeout, Poll: f.poll,
	}
	show := printEvents(r.Streams.Out, f.output == "ndjson")
	opts.Events = func(ev apply.Event) {
		if f.events != nil {
			f.events(ev)
			return
		}
		show(ev)
	}
	if !f.yes {
		in := bufio.NewReader(r.Streams.In)
		opts.Confirm = func(ph plan.Phase) (bool, error) {
			fmt.Fprintf(r.Streams.ErrOut, "\nphase %s: %s\n", ph.Name, ph.Description)
			for _, st := range ph.Steps {
				fmt.Fprintf(r.Streams.ErrOut, "  - %s\n", st.Action)
			}
			fmt.Fprintf(r.Streams.ErrOut, "run phase %s? [y/N] ", ph.Name)
			line, err := in.ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return false, err
			}
			a := strings.ToLower(strings.TrimSpace(line))
			return a == "y" || a == "yes", nil
		}
	}
	return opts
}

// runTUI shows the progress view while run carries the plan out.
func (f *migrateWriteFlags) runTUI(ctx context.Context, r *Root, e *apply.Executor, p *plan.Plan, run func(context.Context) error) error {
	done := map[int]bool{}
	if j, err := e.Status(ctx); err == nil && j != nil {
		for _, s := range j.Steps {
			done[s.Index] = s.State == apply.StepDone
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := migrateview.New("lbctl migrate "+e.ID(), p, done, r.Factory.Clock.Now())
	prog := tea.NewProgram(m, r.teaOptions(ctx)...)
	f.events = func(ev apply.Event) { prog.Send(migrateview.EventMsg(ev)) }
	errc := make(chan error, 1)
	go func() {
		err := run(ctx)
		errc <- err
		prog.Send(migrateview.DoneMsg{Err: err})
	}()
	if _, err := prog.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		cancel()
		<-errc
		return fmt.Errorf("progress view: %w", err)
	}
	// Quitting the view (ctrl+c) stops the run at a resumable point.
	cancel()
	return <-errc
}

// migrateApplyFlags are what apply and resume share: the flags of every
// leaf and of the writing ones, which phases run, and the verification load
// of each traffic step. Both leaves' options embed them.
type migrateApplyFlags struct {
	migrateFlags
	write            migrateWriteFlags
	phase, until     string
	verifyRate       float64
	verifyThresholds []string
	observe          bool
	acceptModel      bool

	// ths are the parsed --verify-threshold, set by complete.
	ths []loadtest.Threshold
}

func (f *migrateApplyFlags) add(c *cobra.Command) {
	f.migrateFlags.add(c)
	f.write.add(c)
	fl := c.Flags()
	fl.Float64Var(&f.verifyRate, "verify-rate", 0, "during each traffic step's soak, send this many requests/s to the new path (the copies' ALBs, by their rules' hosts and paths); 0: none")
	fl.StringArrayVar(&f.verifyThresholds, "verify-threshold", []string{"errors<0.1%"}, "a verification load that breaks one (loadtest's threshold syntax, e.g. 'p99<500ms') undoes the step")
	fl.StringVar(&f.phase, "phase", "", "run only this phase (the ones before must be done)")
	fl.StringVar(&f.until, "until", "", "stop after this phase, for a review")
	fl.BoolVar(&f.observe, "observe", false, "write nothing but the journal: another process (a GitOps controller syncing each step's pull request) makes the changes; each step waits until the cluster shows them, then runs the same waits and gates")
	fl.BoolVar(&f.acceptModel, "accept-controller-model", false, "wait for the plan's target groups even when the controller's own model (its dry-run-plan annotation) names others; by default that stops the migration at once")
}

// complete parses --verify-threshold when there is a verification load.
func (f *migrateApplyFlags) complete(r *Root) error {
	f.write.complete(r)
	if f.verifyRate > 0 {
		ths, err := loadtest.ParseThresholds(f.verifyThresholds)
		if err != nil {
			return usageError(err.Error(), "")
		}
		f.ths = ths
	}
	return nil
}

func (f *migrateApplyFlags) validate() error {
	if err := f.write.validate(); err != nil {
		return err
	}
	if f.phase != "" && f.until != "" {
		return usageError("--phase and --until exclude each other", "")
	}
	if f.observe && f.write.dryRun != "none" {
		return usageError("--observe writes nothing, so there is nothing to dry-run", "drop --dry-run")
	}
	return f.write.validateConfirm()
}

// carryOut carries out plan p (files and dir as loadPlan returns them) on the
// cluster named (see executor), from where the journal left off, under the
// progress view when a person watches. resume continues a stopped migration
// (migrate resume); manualDone says its manual step was done.
func (f *migrateApplyFlags) carryOut(ctx context.Context, r *Root, p *plan.Plan, files map[string][]byte, dir, cluster string, manualDone, resume bool) error {
	opts := f.write.options(r)
	opts.Phase, opts.Until, opts.ManualDone, opts.Observe = f.phase, f.until, manualDone, f.observe
	opts.AcceptControllerModel = f.acceptModel
	if f.verifyRate > 0 {
		opts.Verify = func(ctx context.Context, st plan.Step, soak time.Duration, progress func(apply.VerifyProgress)) (string, error) {
			return f.verify(ctx, r, st, soak, f.ths, progress)
		}
	}
	e, err := f.executor(ctx, r, p, files, dir, cluster, opts)
	if err != nil {
		return err
	}
	run := func(ctx context.Context) error { return e.Apply(ctx, resume) }
	if f.write.yes && f.write.output == "text" && r.Streams.Interactive() {
		return f.write.runTUI(ctx, r, e, p, run)
	}
	return run(ctx)
}

// verify sends --verify-rate requests/s to the new path of a traffic step
// for the soak: each copy's rules, by host and path, to its ALB.
func (f *migrateApplyFlags) verify(ctx context.Context, r *Root, st plan.Step, soak time.Duration, ths []loadtest.Threshold, progress func(apply.VerifyProgress)) (string, error) {
	// The step's copies (the Ingresses it made beside the old ones), read
	// as every command reads the world: their rules become the requests,
	// as `loadtest run --ingress` makes them.
	var sel loadtest.Selection
	s := world.Scope{}
	for _, ref := range st.Objects {
		if ref.Kind != "Ingress" {
			continue
		}
		switch {
		case s.Namespace == "" && !s.AllNamespaces:
			s.Namespace = ref.Namespace
		case s.Namespace != ref.Namespace:
			s.AllNamespaces = true
		}
		sel.Ingresses = append(sel.Ingresses, ref.Namespace+"/"+ref.Name)
	}
	if len(sel.Ingresses) == 0 {
		return "no rule of the new path to send requests to", nil
	}
	t, err := world.Read(ctx, r.worldClients(), s, world.Options{NoAWS: true})
	if err != nil {
		return "", err
	}
	copies := sel.Ingresses[:0]
	for _, key := range sel.Ingresses {
		for _, in := range t.Ingresses {
			if in.Key() == key && in.Object.Annotations[plan.AnnotationMigratedFrom] != "" {
				copies = append(copies, key)
			}
		}
	}
	sel.Ingresses = copies
	if len(sel.Ingresses) == 0 {
		return "no rule of the new path to send requests to", nil
	}
	targets, _, err := loadtest.TopologyTargets(t, sel, loadtest.RuleOptions{})
	if errors.Is(err, loadtest.ErrNoTargets) {
		return "no rule of the new path to send requests to", nil
	}
	if err != nil {
		return "", err
	}
	shape, err := loadtest.NewShape(loadtest.ShapeOptions{Rate: f.verifyRate, Duration: soak})
	if err != nil {
		return "", err
	}
	entries, err := envResolveEntries(r)
	if err != nil {
		return "", err
	}
	runs, err := loadtest.Attack(ctx, loadtest.Options{Targets: targets, Shape: shape, Resolve: entries, Lookup: (&net.Resolver{}).LookupHost,
		Transport: loadtest.TransportOptions{KeepAlive: true, Timeout: 10 * time.Second}, Version: buildinfo.Get().Version,
		Progress: func(p loadtest.Progress) {
			vp := apply.VerifyProgress{Requests: p.Requests, Errors: p.Errors}
			if w := p.Window; w != nil {
				vp.WindowRequests, vp.WindowErrors = w.Requests, w.Errors
				vp.P99Ms = float64(w.Latency.Quantile(99)) / float64(time.Millisecond)
			}
			progress(vp)
		}})
	if err != nil && !errors.Is(err, loadtest.ErrInterrupted) {
		return "", err
	}
	if len(runs) == 0 {
		return "", errors.New("no verification run")
	}
	run := runs[0]
	verdicts, ok := loadtest.Evaluate(run, ths)
	sum := run.Summarize()
	final := apply.VerifyProgress{Requests: sum.Requests, Errors: sum.Errors, P99Ms: sum.Latency.P99}
	if n := len(run.Windows); n > 0 {
		w := run.Windows[n-1]
		final.WindowRequests, final.WindowErrors = w.Requests, w.Errors
		final.P99Ms = float64(w.Latency.Quantile(99)) / float64(time.Millisecond)
	}
	progress(final) // a short soak may end before the first progress report
	summary := fmt.Sprintf("%d requests to %d rules, %d errors, p99 %.1f ms", sum.Requests, len(targets), sum.Errors, sum.Latency.P99)
	if !ok {
		var failed []string
		for _, v := range verdicts {
			if !v.Passed {
				failed = append(failed, v.String())
			}
		}
		return summary, fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return summary, nil
}

// loadPlan reads plan.json and the manifests beside it.
func loadPlan(path string) (*plan.Plan, map[string][]byte, string, error) {
	if path == "" {
		return nil, nil, "", usageError("--plan is required", "pass the directory "+buildinfo.Command()+" plan --out-dir wrote")
	}
	d, err := plan.ReadDir(path)
	if err != nil {
		return nil, nil, "", err
	}
	return d.Plan, d.Files, d.Path, nil
}

// printEvents returns the executor's event sink that prints: NDJSON, or a
// line per event.
func printEvents(out io.Writer, ndjson bool) func(apply.Event) {
	enc := json.NewEncoder(out)
	return func(ev apply.Event) {
		if ndjson {
			_ = enc.Encode(ev)
			return
		}
		if line := eventLine(ev); line != "" {
			fmt.Fprintln(out, line)
		}
	}
}

func eventLine(ev apply.Event) string {
	ts := ev.Time.Format("15:04:05")
	switch ev.Type {
	case apply.EventPhase:
		return fmt.Sprintf("%s phase %s: %s", ts, ev.Phase, ev.Message)
	case apply.EventStep:
		return fmt.Sprintf("%s   step %d [%s] %s", ts, ev.Step, ev.Op, ev.Message)
	case apply.EventWrite, apply.EventRollback, apply.EventObserved:
		return fmt.Sprintf("%s     %s", ts, ev.Message)
	case apply.EventWait:
		return fmt.Sprintf("%s     waiting: %s", ts, ev.Message)
	case apply.EventStepDone:
		return fmt.Sprintf("%s   done step %d", ts, ev.Step)
	case apply.EventHealth, apply.EventVerify:
		return "" // the live view's samples; waits and summaries say the same in text
	default:
		return fmt.Sprintf("%s %s: %s", ts, ev.Type, ev.Message)
	}
}
