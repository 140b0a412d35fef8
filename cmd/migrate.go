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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/printers"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
	"github.com/lbctl/lbctl/tui/migrateview"
)

type migrateOptions struct {
	planPath         string
	plan             planOptions
	output           string
	dryRun           string
	phase, until     string
	yes              bool
	forceConflicts   bool
	journalNamespace string
	journalFile      string
	waitTimeout      time.Duration
	poll             time.Duration
	manualDone       bool
	to               string
	verifyRate       float64
	verifyThresholds []string

	// events, when set, receives progress instead of the printed lines.
	events func(apply.Event)
}

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
	c.AddCommand(newMigrateApplyCmd(r, false), newMigrateApplyCmd(r, true), newMigrateStatusCmd(r), newMigrateRollbackCmd(r))
	return c
}

func (o *migrateOptions) addCommon(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&o.planPath, "plan", "", "the plan: a directory written by kubectl lbctl plan --out-dir, or its plan.json")
	fl.StringVar(&o.journalNamespace, "journal-namespace", apply.DefaultJournalNamespace, "namespace of the journal ConfigMap and the migration's Lease")
	fl.StringVar(&o.journalFile, "journal-file", "", "local copy of the journal (default: journal.json beside the plan)")
}

func (o *migrateOptions) addRun(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVarP(&o.output, "output", "o", "text", "progress output: text (one line per event) or ndjson")
	fl.StringVar(&o.dryRun, "dry-run", "none", "server: send every write to the API server without persisting it (no waits, no journal); none")
	fl.BoolVarP(&o.yes, "yes", "y", false, "do not ask before each phase (needed without a terminal)")
	fl.BoolVar(&o.forceConflicts, "force-conflicts", false, "take over fields another field manager owns instead of stopping")
	fl.DurationVar(&o.waitTimeout, "wait-timeout", 10*time.Minute, "give up a wait after this long (the migration stops, resumable)")
	fl.DurationVar(&o.poll, "poll", 2*time.Second, "interval of the waits' checks")
}

func (o *migrateOptions) addVerify(c *cobra.Command) {
	fl := c.Flags()
	fl.Float64Var(&o.verifyRate, "verify-rate", 0, "during each traffic step's soak, send this many requests/s to the new path (the copies' ALBs, by their rules' hosts and paths); 0: none")
	fl.StringArrayVar(&o.verifyThresholds, "verify-threshold", []string{"errors<0.1%"}, "a verification load that breaks one (loadtest's threshold syntax, e.g. 'p99<500ms') undoes the step")
}

func newMigrateApplyCmd(r *Root, resume bool) *cobra.Command {
	o := &migrateOptions{}
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
			return o.runApply(c.Context(), r, c, resume)
		},
	}
	if resume {
		c.Use = "resume --plan DIR [--yes]"
		c.Short = "Continue a migration after a stop, a crash, Ctrl-C or a lost connection"
		c.Example = `  kubectl lbctl migrate resume --plan ./migration --yes
  # after doing a manual step (e.g. Route53 weights) the migration stopped at
  kubectl lbctl migrate resume --plan ./migration --manual-done`
		c.Flags().BoolVar(&o.manualDone, "manual-done", false, "the manual step the migration stopped at has been done")
	} else {
		o.plan.topo.add(c)
		o.plan.addShapeFlags(c.Flags())
	}
	o.addCommon(c)
	o.addRun(c)
	o.addVerify(c)
	c.Flags().StringVar(&o.phase, "phase", "", "run only this phase (the ones before must be done)")
	c.Flags().StringVar(&o.until, "until", "", "stop after this phase, for a review")
	return c
}

func newMigrateStatusCmd(r *Root) *cobra.Command {
	o := &migrateOptions{}
	c := &cobra.Command{
		Use:     "status --plan DIR",
		Short:   "Show the migration's phase, steps, writes and what is left",
		Example: `  kubectl lbctl migrate status --plan ./migration -o json`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return o.runStatus(c.Context(), r)
		},
	}
	o.addCommon(c)
	c.Flags().StringVarP(&o.output, "output", "o", "table", "table or json")
	return c
}

func newMigrateRollbackCmd(r *Root) *cobra.Command {
	o := &migrateOptions{}
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
			return o.runRollback(c.Context(), r)
		},
	}
	o.addCommon(c)
	o.addRun(c)
	c.Flags().StringVar(&o.to, "to", "", "keep the writes of this phase and the ones before")
	return c
}

// loadPlan reads plan.json and the manifests beside it.
func loadPlan(path string) (*plan.Plan, map[string][]byte, string, error) {
	if path == "" {
		return nil, nil, "", usageErr("--plan is required", "pass the directory kubectl lbctl plan --out-dir wrote")
	}
	d, err := plan.ReadDir(path)
	if err != nil {
		return nil, nil, "", err
	}
	return d.Plan, d.Files, d.Path, nil
}

func (o *migrateOptions) executor(ctx context.Context, r *Root, p *plan.Plan, files map[string][]byte, dir string) (*apply.Executor, error) {
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
	journal := o.journalFile
	if journal == "" && dir != "" {
		journal = filepath.Join(dir, "journal.json")
	}
	cluster := o.plan.topo.ClusterName
	if cluster == "" {
		cluster = r.Streams.getenv("LBCTL_CLUSTER_NAME")
	}
	if cluster == "" {
		cluster = r.clusterFromKubeconfig()
	}
	opts := apply.Options{
		Kube: kc, Dynamic: dc, ELB: elb, Plan: p, Files: files, Cluster: cluster,
		JournalNamespace: o.journalNamespace, JournalFile: journal,
		DryRun: o.dryRun == "server", ForceConflicts: o.forceConflicts, Phase: o.phase, Until: o.until, ManualDone: o.manualDone,
		WaitTimeout: o.waitTimeout, Poll: o.poll,
		Now: r.Factory.Clock.Now,
	}
	ndjson := o.output == "ndjson"
	out := r.Streams.Out
	enc := json.NewEncoder(out)
	opts.Events = func(ev apply.Event) {
		if o.events != nil {
			o.events(ev)
			return
		}
		if ndjson {
			_ = enc.Encode(ev)
			return
		}
		if line := eventLine(ev); line != "" {
			fmt.Fprintln(out, line)
		}
	}
	if !o.yes {
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
	if o.verifyRate > 0 {
		ths, err := loadtest.ParseThresholds(o.verifyThresholds)
		if err != nil {
			return nil, usageErr(err.Error(), "")
		}
		opts.Verify = func(ctx context.Context, st plan.Step, soak time.Duration, progress func(apply.VerifyProgress)) (string, error) {
			return o.verify(ctx, r, st, soak, ths, progress)
		}
	}
	return apply.New(opts), nil
}

// verify sends --verify-rate requests/s to the new path of a traffic step
// for the soak: each copy's rules, by host and path, to its ALB.
func (o *migrateOptions) verify(ctx context.Context, r *Root, st plan.Step, soak time.Duration, ths []loadtest.Threshold, progress func(apply.VerifyProgress)) (string, error) {
	kc, err := r.Factory.KubeClient()
	if err != nil {
		return "", err
	}
	var targets []loadtest.Target
	for _, ref := range st.Objects {
		if ref.Kind != "Ingress" {
			continue
		}
		in, err := kc.NetworkingV1().Ingresses(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil || in.Annotations[plan.AnnotationMigratedFrom] == "" || len(in.Status.LoadBalancer.Ingress) == 0 {
			continue
		}
		alb := in.Status.LoadBalancer.Ingress[0].Hostname
		for _, rule := range in.Spec.Rules {
			if rule.Host == "" || rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				path := p.Path
				if path == "" || strings.ContainsAny(path, "*?") {
					path = "/"
				}
				targets = append(targets, loadtest.Target{Name: ref.Namespace + "/" + ref.Name + ":" + rule.Host + path, Method: "GET",
					URL: "http://" + rule.Host + path, Connect: alb + ":80", Ingress: ref.Namespace + "/" + ref.Name})
			}
		}
	}
	if len(targets) == 0 {
		return "no rule of the new path to send requests to", nil
	}
	shape, err := loadtest.NewShape(loadtest.ShapeOptions{Rate: o.verifyRate, Duration: soak})
	if err != nil {
		return "", err
	}
	entries, err := envResolveEntries(r)
	if err != nil {
		return "", err
	}
	runs, err := loadtest.Attack(ctx, loadtest.Options{Targets: targets, Shape: shape, Resolve: entries, Lookup: (&net.Resolver{}).LookupHost,
		Transport: loadtest.TransportOptions{KeepAlive: true, Timeout: 10 * time.Second}, Version: buildinfo.Version,
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

func eventLine(ev apply.Event) string {
	ts := ev.Time.Format("15:04:05")
	switch ev.Type {
	case apply.EventPhase:
		return fmt.Sprintf("%s phase %s: %s", ts, ev.Phase, ev.Message)
	case apply.EventStep:
		return fmt.Sprintf("%s   step %d [%s] %s", ts, ev.Step, ev.Op, ev.Message)
	case apply.EventWrite, apply.EventRollback:
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

func (o *migrateOptions) validateRun(r *Root) error {
	switch o.output {
	case "text", "ndjson":
	default:
		return usageErr(fmt.Sprintf("unknown output format %q", o.output), "use -o text or ndjson")
	}
	switch o.dryRun {
	case "none", "server":
	default:
		return usageErr(fmt.Sprintf("--dry-run=%s is not supported", o.dryRun), "use --dry-run=server (client-side dry runs cannot see the controller's webhooks)")
	}
	if o.phase != "" && o.until != "" {
		return usageErr("--phase and --until exclude each other", "")
	}
	if !o.yes && !r.Streams.Interactive() {
		return usageErr("not at a terminal, so no phase can be confirmed", "pass --yes to run every phase without asking")
	}
	return nil
}

func (o *migrateOptions) runApply(ctx context.Context, r *Root, c *cobra.Command, resume bool) error {
	if err := o.validateRun(r); err != nil {
		return err
	}
	var (
		p     *plan.Plan
		files map[string][]byte
		dir   string
		err   error
	)
	if o.planPath != "" || resume {
		if p, files, dir, err = loadPlan(o.planPath); err != nil {
			return err
		}
	} else {
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
		if err := plan.WriteDir(dir, p.Files()); err != nil {
			return err
		}
		files = map[string][]byte{}
		for _, f := range p.Files() {
			files[f.Path] = f.Data
		}
		fmt.Fprintf(r.Streams.ErrOut, "wrote the plan to %s; resume or roll back with --plan %s\n", dir, dir)
	}
	e, err := o.executor(ctx, r, p, files, dir)
	if err != nil {
		return err
	}
	if o.yes && o.output == "text" && r.Streams.Interactive() {
		return o.runTUI(ctx, r, e, p, func(ctx context.Context) error { return e.Apply(ctx, resume) })
	}
	return e.Apply(ctx, resume)
}

// runTUI shows the progress view while run carries the plan out.
func (o *migrateOptions) runTUI(ctx context.Context, r *Root, e *apply.Executor, p *plan.Plan, run func(context.Context) error) error {
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
	o.events = func(ev apply.Event) { prog.Send(migrateview.EventMsg(ev)) }
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

func (o *migrateOptions) runRollback(ctx context.Context, r *Root) error {
	if err := o.validateRun(r); err != nil {
		return err
	}
	p, files, dir, err := loadPlan(o.planPath)
	if err != nil {
		return err
	}
	e, err := o.executor(ctx, r, p, files, dir)
	if err != nil {
		return err
	}
	return e.Rollback(ctx, o.to)
}

func (o *migrateOptions) runStatus(ctx context.Context, r *Root) error {
	if o.output != "table" && o.output != "json" {
		return usageErr(fmt.Sprintf("unknown output format %q", o.output), "use -o table or json")
	}
	p, files, dir, err := loadPlan(o.planPath)
	if err != nil {
		return err
	}
	o.yes = true
	e, err := o.executor(ctx, r, p, files, dir)
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
		b, err := json.MarshalIndent(j, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(out, string(b))
		return err
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
