package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/tui/loadview"
)

// loadtestRunFunc runs an attack; tests replace it to check flag parsing
// without traffic.
type loadtestRunFunc func(ctx context.Context, o loadtest.Options) ([]*loadtest.Run, error)

func newLoadtestCmd(r *Root) *cobra.Command {
	c := &cobra.Command{
		Use:   "loadtest",
		Short: "Load-test ALB routing paths: per rule, old path against new, with CI thresholds",
		Long: `Send HTTP load through ALBs the way clients do and measure it honestly: latency from each
request's scheduled send time (so a stalled server is not hidden), in mergeable HdrHistograms,
broken down per listener rule, status, error kind, origin (the ALB itself or the target) and pod.
Targets come from URLs, vegeta target files, or the topology: --ingress, --group or -A turn each
listener rule into a request with the rule's host and a concrete path, sent to the rule's ALB.`,
	}
	c.AddCommand(newLoadtestRunCmd(r, loadtest.Attack), newLoadtestCompareCmd(r), newLoadtestABCmd(r, loadtest.Attack), newLoadtestMergeCmd(r), newLoadtestWorkerCmd(r))
	return c
}

// targetFlags choose what to send requests to.
type targetFlags struct {
	topo        topologyFlags
	urls        []string
	targetsFile string
	format      string
	ingresses   []string
	groups      []string
	headers     []string
	method      string
	bodyFile    string
	mix         []string
	pathSample  string
	hostSample  string
}

func (f *targetFlags) add(c *cobra.Command) {
	f.topo.add(c)
	fl := c.Flags()
	fl.StringArrayVar(&f.urls, "url", nil, "a URL to send requests to, optionally NAME=URL (repeatable)")
	fl.StringVar(&f.targetsFile, "targets", "", "a vegeta target file (- for stdin)")
	fl.StringVar(&f.format, "format", "http", "the target file's format: http or json (vegeta's)")
	fl.StringArrayVar(&f.ingresses, "ingress", nil, "NAMESPACE/NAME of an Ingress whose rules to load (repeatable)")
	fl.StringArrayVar(&f.groups, "group", nil, "an ingress group whose rules to load (repeatable)")
	fl.StringArrayVarP(&f.headers, "header", "H", nil, `a request header "Name: value" (repeatable)`)
	fl.StringVar(&f.method, "method", "GET", "the method of --url requests")
	fl.StringVar(&f.bodyFile, "body", "", "a file whose content is the request body")
	fl.StringArrayVar(&f.mix, "mix", nil, "RULE=WEIGHT: the share of a rule's requests (default: equal; repeatable)")
	fl.StringVar(&f.pathSample, "path-sample", "", "what replaces * in a rule's path pattern (/api/* → /api/SAMPLE)")
	fl.StringVar(&f.hostSample, "host-sample", "www", "what replaces * in a rule's host pattern")
}

// loadFlags are the load shape and engine settings, shared by run and ab.
type loadFlags struct {
	rate        string
	duration    time.Duration
	ramp        string
	steps       string
	warmup      time.Duration
	workers     uint64
	maxWorkers  uint64
	connections int
	maxConns    int
	keepAlive   bool
	http2       bool
	insecure    bool
	timeout     time.Duration
	redirects   int
	resolve     []string
	connectTo   []string
	dnsTTL      time.Duration
	podHeader   string
	progress    time.Duration
	tui         bool
	stdClient   bool
	precise     bool
}

func (f *loadFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.rate, "rate", "50/s", "requests per second (N, N/s, N/1m), or max for as fast as the workers go")
	fl.DurationVar(&f.duration, "duration", 30*time.Second, "how long to measure, after the warm-up")
	fl.StringVar(&f.ramp, "ramp", "", "START:END:DURATION: the rate goes linearly from START to END, then holds END for the rest of --duration")
	fl.StringVar(&f.steps, "steps", "", "RATE:DURATION,…: constant steps one after the other (instead of --rate)")
	fl.DurationVar(&f.warmup, "warmup", 0, "send at the starting rate this long first, excluded from the results")
	fl.Uint64Var(&f.workers, "workers-initial", 10, "workers started at once (more are added as the schedule needs)")
	fl.Uint64Var(&f.maxWorkers, "max-workers", 0, "at most this many requests in flight (default: unbounded when paced, 32 at --rate max)")
	fl.IntVar(&f.connections, "connections", 10000, "idle connections kept per ALB/host")
	fl.IntVar(&f.maxConns, "max-connections", 0, "open connections per ALB/host at most (0: no limit)")
	fl.BoolVar(&f.keepAlive, "keepalive", true, "reuse connections (false: one connection per request)")
	fl.BoolVar(&f.http2, "http2", true, "negotiate HTTP/2 with https targets")
	fl.BoolVarP(&f.insecure, "insecure", "k", false, "do not verify TLS certificates")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "a request's time limit, response body included")
	fl.IntVar(&f.redirects, "redirects", 0, "redirects to follow (0: none, the 3xx is the result)")
	fl.StringArrayVar(&f.resolve, "resolve", nil, "HOST:PORT:ADDR[:BINDPORT]: connect to ADDR for HOST:PORT, as curl (repeatable; LBCTL_RESOLVE adds the sandbox's)")
	fl.StringArrayVar(&f.connectTo, "connect-to", nil, "HOST:PORT:CHOST:CPORT: send requests for HOST:PORT to CHOST:CPORT, as curl (an ALB not yet in DNS; repeatable)")
	fl.DurationVar(&f.dnsTTL, "dns-ttl", time.Minute, "re-resolve host names this often, closing idle connections when ALB nodes change (0: once)")
	fl.StringVar(&f.podHeader, "pod-header", loadtest.DefaultPodHeader, `the response header that names the pod, for the per-pod breakdown ("-": none)`)
	fl.DurationVar(&f.progress, "progress", 5*time.Second, "print a progress line this often (0: never)")
	fl.BoolVar(&f.tui, "tui", true, "live view while the load runs when stdin, stdout and stderr are terminals and -o text (never in CI; --tui=false: progress lines)")
	fl.BoolVar(&f.precise, "precise-pacing", true, "at rates up to 500/s, spin the last millisecond before each send so it leaves on time (Go's timers run up to 1 ms late on an idle machine; costs up to half a core)")
	fl.BoolVar(&f.stdClient, "std-client", false, "send plain-HTTP requests through net/http's Transport instead of lbctl's lighter HTTP/1.1 client")
	_ = fl.MarkHidden("std-client")
}

// usageErr is a bad-input error: exit 2 with what was wrong.
func ltUsage(err error, hint string) error {
	return exitcode.New(exitcode.Usage, err.Error(), hint, errors.Join(exitcode.ErrUsage, err))
}

// shape turns the shape flags into a load shape.
func (f *loadFlags) shape() (*loadtest.Shape, error) {
	o := loadtest.ShapeOptions{Duration: f.duration, Warmup: f.warmup}
	var err error
	switch {
	case f.ramp != "":
		st, err := loadtest.ParseRamp(f.ramp)
		if err != nil {
			return nil, ltUsage(err, "")
		}
		o.Ramp = &st
	case f.steps != "":
		if o.Steps, err = loadtest.ParseSteps(f.steps); err != nil {
			return nil, ltUsage(err, "")
		}
	default:
		if o.Rate, err = loadtest.ParseRate(f.rate); err != nil {
			return nil, ltUsage(err, "")
		}
	}
	s, err := loadtest.NewShape(o)
	if err != nil {
		return nil, ltUsage(fmt.Errorf("load shape: %w", err), "see --rate, --duration, --ramp, --steps")
	}
	return s, nil
}

// options builds the engine options (targets set by the caller).
func (f *loadFlags) options(r *Root) (loadtest.Options, error) {
	shape, err := f.shape()
	if err != nil {
		return loadtest.Options{}, err
	}
	entries, err := envResolveEntries(r)
	if err != nil {
		return loadtest.Options{}, err
	}
	for _, s := range f.resolve {
		e, err := loadtest.ParseResolve(s)
		if err != nil {
			return loadtest.Options{}, ltUsage(err, "")
		}
		entries = append(entries, e)
	}
	if f.timeout < 0 || f.dnsTTL < 0 || f.progress < 0 {
		return loadtest.Options{}, ltUsage(errors.New("--timeout, --dns-ttl and --progress must not be negative"), "")
	}
	return loadtest.Options{
		Shape: shape, Workers: f.workers, MaxWorkers: f.maxWorkers,
		Transport: loadtest.TransportOptions{
			Connections: f.connections, MaxConnections: f.maxConns, KeepAlive: f.keepAlive, HTTP2: f.http2,
			Insecure: f.insecure, Timeout: f.timeout, StdTransport: f.stdClient,
		},
		Redirects: f.redirects, Resolve: entries, Lookup: (&net.Resolver{}).LookupHost, DNSTTL: f.dnsTTL,
		PodHeader: f.podHeader, Version: buildinfo.Version, CoarsePacing: !f.precise,
	}, nil
}

// envResolveEntries are the resolver entries of the environment: the
// file LBCTL_RESOLVE_FILE names (the sandbox keeps it current as ALBs come
// and go), then LBCTL_RESOLVE.
func envResolveEntries(r *Root) ([]loadtest.ResolveEntry, error) {
	var entries []loadtest.ResolveEntry
	if path := r.Streams.getenv("LBCTL_RESOLVE_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, ltUsage(fmt.Errorf("LBCTL_RESOLVE_FILE: %w", err), "source the env file of a running sandbox, or unset it")
		}
		if list := strings.TrimSpace(string(b)); list != "" {
			e, err := loadtest.ParseResolveList(list)
			if err != nil {
				return nil, ltUsage(fmt.Errorf("LBCTL_RESOLVE_FILE %s: %w", path, err), "")
			}
			entries = append(entries, e...)
		}
	}
	if env := r.Streams.getenv("LBCTL_RESOLVE"); env != "" {
		e, err := loadtest.ParseResolveList(env)
		if err != nil {
			return nil, ltUsage(fmt.Errorf("LBCTL_RESOLVE: %w", err), "")
		}
		entries = append(entries, e...)
	}
	return entries, nil
}

// applyConnectTo applies the --connect-to flags.
func applyConnectTo(targets []loadtest.Target, specs []string) error {
	m := map[string]string{}
	for _, s := range specs {
		from, to, err := loadtest.ParseConnectTo(s)
		if err != nil {
			return ltUsage(err, "")
		}
		m[from] = to
	}
	loadtest.ApplyConnectTo(targets, m)
	return nil
}

// targets resolves the target flags into targets, reading the topology
// when rules are asked for.
func (f *targetFlags) targets(ctx context.Context, r *Root) ([]loadtest.Target, error) {
	header, err := loadtest.ParseHeaders(f.headers)
	if err != nil {
		return nil, ltUsage(err, "")
	}
	req := loadtest.RequestOptions{Method: f.method, Header: header}
	if f.bodyFile != "" {
		if req.Body, err = os.ReadFile(f.bodyFile); err != nil {
			return nil, ltUsage(fmt.Errorf("--body: %w", err), "")
		}
	}
	var out []loadtest.Target
	if len(f.urls) > 0 {
		ts, err := loadtest.URLTargets(f.urls, req)
		if err != nil {
			return nil, ltUsage(err, "")
		}
		out = append(out, ts...)
	}
	if f.targetsFile != "" {
		var in io.Reader = r.Streams.In
		if f.targetsFile != "-" {
			fh, err := os.Open(f.targetsFile)
			if err != nil {
				return nil, ltUsage(fmt.Errorf("--targets: %w", err), "")
			}
			defer fh.Close()
			in = fh
		}
		ts, err := loadtest.ReadTargets(in, f.format, loadtest.RequestOptions{Header: header, Body: req.Body}, 0)
		if err != nil {
			return nil, ltUsage(fmt.Errorf("--targets %s: %w", f.targetsFile, err), "")
		}
		out = append(out, ts...)
	}
	sel := loadtest.Selection{Ingresses: f.ingresses, Groups: f.groups, All: f.topo.AllNamespaces}
	if !sel.Empty() {
		ts, err := f.ruleTargets(ctx, r, sel)
		if err != nil {
			return nil, err
		}
		for i := range ts {
			for k, v := range header {
				if ts[i].Header == nil {
					ts[i].Header = map[string][]string{}
				}
				ts[i].Header[k] = v
			}
		}
		out = append(out, ts...)
	}
	if len(out) == 0 {
		return nil, ltUsage(loadtest.ErrNoTargets, "pass --url, --targets, --ingress NS/NAME, --group NAME or -A")
	}
	mix, err := loadtest.ParseMix(f.mix)
	if err != nil {
		return nil, ltUsage(err, "")
	}
	if out, err = loadtest.ApplyMix(out, mix); err != nil {
		return nil, ltUsage(err, "")
	}
	return out, nil
}

func (f *targetFlags) ruleTargets(ctx context.Context, r *Root, sel loadtest.Selection) ([]loadtest.Target, error) {
	topo := f.topo
	// --ingress NS/NAME reads NS (or every namespace for several) unless -n says otherwise.
	nss := map[string]bool{}
	for _, k := range sel.Ingresses {
		ns, _, ok := strings.Cut(k, "/")
		if !ok || ns == "" {
			return nil, ltUsage(fmt.Errorf("--ingress %q: want NAMESPACE/NAME", k), "")
		}
		nss[ns] = true
	}
	if len(sel.Groups) > 0 || len(nss) > 1 {
		topo.AllNamespaces = true
	} else if len(nss) == 1 && len(topo.Filenames) == 0 && (r.Factory.ConfigFlags.Namespace == nil || *r.Factory.ConfigFlags.Namespace == "") {
		for ns := range nss {
			r.Factory.ConfigFlags.Namespace = &ns
		}
	}
	if topo.ClusterName == "" {
		topo.ClusterName = r.Streams.getenv("LBCTL_CLUSTER_NAME")
	}
	t, err := r.readTopology(ctx, &topo)
	if err != nil {
		return nil, err
	}
	return f.fromTopology(r, t, sel)
}

func (f *targetFlags) fromTopology(r *Root, t *topology.Topology, sel loadtest.Selection) ([]loadtest.Target, error) {
	ts, warns, err := loadtest.TopologyTargets(t, sel, loadtest.RuleOptions{PathSample: f.pathSample, HostSample: f.hostSample})
	for _, w := range warns {
		fmt.Fprintln(r.Streams.ErrOut, "warning: "+w)
	}
	if err != nil {
		return nil, ltUsage(err, "check the names with `kubectl lbctl scan`")
	}
	return ts, nil
}

type loadtestRunOptions struct {
	targets     targetFlags
	load        loadFlags
	output      string
	save        string
	html        string
	thresholds  []string
	abortOnFail bool
	abortWindow time.Duration
	startAt     string
	dist        distFlags
}

func newLoadtestRunCmd(r *Root, attack loadtestRunFunc) *cobra.Command {
	o := &loadtestRunOptions{}
	c := &cobra.Command{
		Use:   "run (--url URL | --targets FILE | --ingress NS/NAME | --group NAME | -A) [flags]",
		Short: "Run a load test and report latency per rule, status, error origin and pod",
		Example: `  # every rule of an Ingress, 200 req/s for a minute after a 10 s warm-up, failing CI on p99
  kubectl lbctl loadtest run --ingress team-a/storefront --rate 200/s --duration 1m --warmup 10s \
    --threshold 'p99<250ms' --threshold 'errors<0.1%' --save run.json
  # a URL through an ALB that is not in DNS yet
  kubectl lbctl loadtest run --url http://shop.example.com/ --connect-to shop.example.com:80:k8s-x.elb.amazonaws.com:80
  # as fast as possible with 64 requests in flight
  kubectl lbctl loadtest run --url http://127.0.0.1:8080/ --rate max --max-workers 64 --duration 10s`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return o.run(c.Context(), r, attack)
		},
	}
	o.targets.add(c)
	o.load.add(c)
	fl := c.Flags()
	fl.StringVarP(&o.output, "output", "o", "text", "report format: text, json or markdown")
	fl.StringVar(&o.save, "save", "", "write the run (lossless histograms, windows, metadata) to this RUN.json")
	fl.StringVar(&o.html, "html", "", "write a self-contained HTML report (charts over time and by percentile) to this file")
	fl.StringArrayVar(&o.thresholds, "threshold", nil, "a pass/fail criterion: 'p99<250ms', 'errors<0.1%', 'rule:NAME p95<100ms' (repeatable; exit 1 on breach)")
	fl.BoolVar(&o.abortOnFail, "abort-on-fail", false, "stop early once a threshold was breached for --abort-window in a row")
	fl.DurationVar(&o.abortWindow, "abort-window", 10*time.Second, "how long a breach must last for --abort-on-fail")
	fl.StringVar(&o.startAt, "start-at", "", "wait until this RFC 3339 time to start, so runs on several machines line up for 'loadtest merge'")
	o.dist.add(c)
	return c
}

func checkOutput(o string) error {
	switch o {
	case "text", "json", "markdown", "md":
		return nil
	}
	return ltUsage(fmt.Errorf("unknown output format %q", o), "use -o text, json or markdown")
}

func (o *loadtestRunOptions) run(ctx context.Context, r *Root, attack loadtestRunFunc) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	ths, err := loadtest.ParseThresholds(o.thresholds)
	if err != nil {
		return ltUsage(err, "")
	}
	opts, err := o.load.options(r)
	if err != nil {
		return err
	}
	if opts.Targets, err = o.targets.targets(ctx, r); err != nil {
		return err
	}
	if err := applyConnectTo(opts.Targets, o.load.connectTo); err != nil {
		return err
	}
	if err := loadtest.CheckRules(ths, opts.Targets); err != nil {
		return ltUsage(err, "")
	}
	if o.abortOnFail {
		if opts.Watch = loadtest.AbortWatch(ths, int(o.abortWindow/time.Second)); opts.Watch == nil {
			return ltUsage(errors.New("--abort-on-fail needs a run-wide latency or errors threshold"), "add e.g. --threshold 'p99<250ms'")
		}
	}
	if o.dist.workers > 0 {
		return o.runDistributed(ctx, r, opts, ths)
	}
	if err := loadtest.Preflight(ctx, opts); err != nil {
		return ltUsage(err, "check the name, or pass --resolve HOST:PORT:ADDR (source the sandbox's env file for LBCTL_RESOLVE)")
	}
	if err := waitUntil(ctx, r, o.startAt); err != nil {
		return err
	}
	attack = o.load.progressOutput(r, &opts, o.output, "lbctl loadtest run", attack)
	fmt.Fprintf(r.Streams.ErrOut, "load test: %d target(s), %s\n", len(opts.Targets), opts.Shape)
	defer lessGC(r)()
	runs, err := attack(ctx, opts)
	interrupted := errors.Is(err, loadtest.ErrInterrupted)
	if err != nil && !interrupted {
		return err
	}
	return o.report(r, runs[0], ths, interrupted)
}

// report judges the thresholds, prints the run, saves it (a partial run of
// an interrupted test always), writes the HTML and GitHub outputs, and
// returns the exit status.
func (o *loadtestRunOptions) report(r *Root, run *loadtest.Run, ths []loadtest.Threshold, interrupted bool) error {
	verdicts, passed := loadtest.Evaluate(run, ths)
	run.Thresholds = verdicts
	if err := writeRun(r.Streams.Out, run, o.output); err != nil {
		return err
	}
	save := o.save
	if interrupted && save == "" {
		save = fmt.Sprintf("loadtest-%s.partial.json", time.Now().Format("20060102-150405"))
	}
	if save != "" {
		if err := run.Save(save); err != nil {
			return err
		}
		fmt.Fprintf(r.Streams.ErrOut, "saved %s\n", save)
	}
	if o.html != "" {
		if err := writeHTMLFile(o.html, run); err != nil {
			return err
		}
		fmt.Fprintf(r.Streams.ErrOut, "wrote %s\n", o.html)
	}
	if err := githubReport(r, run, verdicts); err != nil {
		return err
	}
	switch {
	case interrupted:
		return exitcode.New(exitcode.Interrupted, "load test interrupted; partial results reported and saved to "+save, "", exitcode.ErrInterrupted)
	case run.Meta.Aborted != "":
		return fmt.Errorf("%w: load test aborted: %s", exitcode.ErrCheckFailed, run.Meta.Aborted)
	case !passed:
		return fmt.Errorf("%w: %d of %d threshold verdicts failed", exitcode.ErrCheckFailed, countFailed(verdicts), len(verdicts))
	}
	return nil
}

// waitUntil sleeps until an RFC 3339 start time (none when empty).
func waitUntil(ctx context.Context, r *Root, at string) error {
	if at == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return ltUsage(fmt.Errorf("--start-at %q: want an RFC 3339 time (2026-01-02T15:04:05Z)", at), "")
	}
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	fmt.Fprintf(r.Streams.ErrOut, "waiting %s to start at %s\n", d.Round(time.Millisecond), t.Format(time.RFC3339))
	select {
	case <-ctx.Done():
		return exitcode.New(exitcode.Interrupted, "interrupted before the start", "", exitcode.ErrInterrupted)
	case <-time.After(d):
		return nil
	}
}

// lessGC makes the garbage collector run 4× less often during an attack
// (unless GOGC is set): a load generator allocates per request and keeps
// little, so the heap stays at tens of MB while the CPU goes to requests.
// It returns the function that restores the setting.
func lessGC(r *Root) func() {
	if r.Streams.getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(old) }
}

func countFailed(vs []loadtest.Verdict) int {
	n := 0
	for _, v := range vs {
		if !v.Passed {
			n++
		}
	}
	return n
}

func writeRun(w io.Writer, run *loadtest.Run, output string) error {
	switch output {
	case "json":
		return run.WriteJSON(w)
	case "markdown", "md":
		return loadtest.WriteMarkdown(w, run)
	}
	return loadtest.WriteText(w, run)
}

func writeHTMLFile(path string, run *loadtest.Run) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	if err := loadtest.WriteHTML(f, run); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// githubReport annotates failed thresholds and appends the step summary
// when running in GitHub Actions.
func githubReport(r *Root, run *loadtest.Run, vs []loadtest.Verdict) error {
	if r.Streams.getenv("GITHUB_ACTIONS") != "true" {
		return nil
	}
	for _, a := range loadtest.GitHubAnnotations(vs) {
		fmt.Fprintln(r.Streams.ErrOut, a)
	}
	path := r.Streams.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write GITHUB_STEP_SUMMARY: %w", err)
	}
	if err := loadtest.WriteStepSummary(f, run); err != nil {
		f.Close()
		return fmt.Errorf("write GITHUB_STEP_SUMMARY: %w", err)
	}
	return f.Close()
}

// progressPrinter prints a plain progress line every interval to stderr.
func progressPrinter(r *Root, every time.Duration) func(loadtest.Progress) {
	if every <= 0 {
		return nil
	}
	var last time.Duration
	return func(p loadtest.Progress) {
		if p.Elapsed-last < every && p.Elapsed < p.Duration {
			return
		}
		last = p.Elapsed
		phase := ""
		if p.Warmup {
			phase = " warm-up"
		}
		line := fmt.Sprintf("[%4s/%s]%s %d requests, %d errors", p.Elapsed.Round(time.Second), p.Duration, phase, p.Requests, p.Errors)
		if w := p.Window; w != nil && w.Requests > 0 {
			line += fmt.Sprintf("; last second: %d req, p50 %s, p99 %s", w.Requests, w.Latency.Quantile(50).Round(10*time.Microsecond), w.Latency.Quantile(99).Round(10*time.Microsecond))
		}
		fmt.Fprintln(r.Streams.ErrOut, line)
	}
}

type loadtestCompareOptions struct{ output string }

func newLoadtestCompareCmd(r *Root) *cobra.Command {
	o := &loadtestCompareOptions{}
	c := &cobra.Command{
		Use:   "compare A.json B.json",
		Short: "Compare two saved runs percentile by percentile (B − A)",
		Long: `Compare two RUN.json files: each latency percentile of A and B and their difference. Runs made
at different times carry the noise of their moment; for a difference you can trust, use
'loadtest ab', which interleaves both paths and gives confidence intervals.`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(o.output); err != nil {
				return err
			}
			var runs [2]*loadtest.Run
			for i, p := range args {
				run, err := loadtest.LoadRun(p)
				if err != nil {
					return ltUsage(err, "pass files written by `loadtest run --save`")
				}
				runs[i] = run
			}
			return writeComparison(r.Streams.Out, loadtest.Compare(runs[0], runs[1]), args[0], args[1], o.output)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "text", "report format: text, json or markdown")
	return c
}

func writeComparison(w io.Writer, c *loadtest.Comparison, a, b, output string) error {
	switch output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	case "markdown", "md":
		return loadtest.WriteComparisonMarkdown(w, c, a, b)
	}
	return loadtest.WriteComparisonText(w, c, a, b)
}

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
			return o.run(c.Context(), r, attack)
		},
	}
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

// sideTargets resolves one side's specs.
func (o *loadtestABOptions) sideTargets(ctx context.Context, r *Root, specs []string, set string, topo **topology.Topology) ([]loadtest.Target, error) {
	if len(specs) == 0 {
		return nil, ltUsage(fmt.Errorf("--%s: no target", set), "pass --a and --b, e.g. --a ingress:team-a/shop --b ingress:team-a/shop-ip")
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
			return nil, ltUsage(fmt.Errorf("--%s %q: want ingress:NS/NAME, group:NAME, file:PATH or a URL", set, s), "")
		}
	}
	var out []loadtest.Target
	if !sel.Empty() {
		if *topo == nil {
			tf := o.topo
			tf.AllNamespaces = true
			if tf.ClusterName == "" {
				tf.ClusterName = r.Streams.getenv("LBCTL_CLUSTER_NAME")
			}
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
	if err := checkOutput(o.output); err != nil {
		return err
	}
	if o.slot < time.Second || o.slot%time.Second != 0 {
		return ltUsage(fmt.Errorf("--slot %s: want whole seconds (1s, 2s)", o.slot), "")
	}
	if o.load.warmup%time.Second != 0 {
		return ltUsage(fmt.Errorf("--warmup %s: want whole seconds in an A/B test", o.load.warmup), "")
	}
	opts, err := o.load.options(r)
	if err != nil {
		return err
	}
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
		return ltUsage(err, "check the name, or pass --resolve HOST:PORT:ADDR (source the sandbox's env file for LBCTL_RESOLVE)")
	}
	opts.Slot = o.slot
	attack = o.load.progressOutput(r, &opts, o.output, "lbctl loadtest ab", attack, func(h *loadview.Header) { h.NoInterval = o.bootstrap == 0 })
	fmt.Fprintf(r.Streams.ErrOut, "A/B test: %d target(s) in A, %d in B, alternating every %s, %s\n", len(a), len(b), o.slot, opts.Shape)
	defer lessGC(r)()
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

type loadtestMergeOptions struct {
	output     string
	save       string
	thresholds []string
}

func newLoadtestMergeCmd(r *Root) *cobra.Command {
	o := &loadtestMergeOptions{}
	c := &cobra.Command{
		Use:   "merge RUN.json... [--threshold EXPR]... [--save MERGED.json]",
		Short: "Merge runs made in parallel (several machines) and judge thresholds once, on the merged data",
		Long: `Merge the RUN.json files of one load test run from several machines at once: counts add up,
histograms merge exactly (the merged percentiles are those of all requests, not an average of
percentiles), per-second windows line up on wall-clock time. Thresholds are judged once on the
merged result, and the exit code says whether they passed. Start the runs together with
'loadtest run --start-at TIME', each at its share of the rate.`,
		Example: `  kubectl lbctl loadtest merge w1.json w2.json w3.json --threshold 'p99<250ms' --save merged.json`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := checkOutput(o.output); err != nil {
				return err
			}
			ths, err := loadtest.ParseThresholds(o.thresholds)
			if err != nil {
				return ltUsage(err, "")
			}
			var runs []*loadtest.Run
			for _, p := range args {
				run, err := loadtest.LoadRun(p)
				if err != nil {
					return ltUsage(err, "pass files written by `loadtest run --save`")
				}
				runs = append(runs, run)
			}
			merged, err := loadtest.MergeRuns(runs...)
			if err != nil {
				return err
			}
			verdicts, passed := loadtest.Evaluate(merged, ths)
			merged.Thresholds = verdicts
			if err := writeRun(r.Streams.Out, merged, o.output); err != nil {
				return err
			}
			if o.save != "" {
				if err := merged.Save(o.save); err != nil {
					return err
				}
			}
			if err := githubReport(r, merged, verdicts); err != nil {
				return err
			}
			if !passed {
				return fmt.Errorf("%w: %d of %d threshold verdicts failed", exitcode.ErrCheckFailed, countFailed(verdicts), len(verdicts))
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVarP(&o.output, "output", "o", "text", "report format: text, json or markdown")
	fl.StringVar(&o.save, "save", "", "write the merged run to this file")
	fl.StringArrayVar(&o.thresholds, "threshold", nil, "a pass/fail criterion judged on the merged run (repeatable; exit 1 on breach)")
	return c
}
