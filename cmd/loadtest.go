package cmd

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/lbctl/world"
	"github.com/lbctl/lbctl/loadtest"
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
	f.topo.noKustomizeShorthand = true
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
	timeout     timeoutFlag
	redirects   int
	resolve     []string
	connectTo   []string
	dnsTTL      time.Duration
	podHeader   string
	secretHdrs  []string
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
	fl.Uint64Var(&f.maxWorkers, "max-workers", 0, fmt.Sprintf("at most this many requests in flight (default: %d when paced, 32 at --rate max)", loadtest.DefaultMaxWorkers))
	fl.IntVar(&f.connections, "connections", 10000, "idle connections kept per ALB/host")
	fl.IntVar(&f.maxConns, "max-connections", 0, "open connections per ALB/host at most (0: no limit)")
	fl.BoolVar(&f.keepAlive, "keepalive", true, "reuse connections (false: one connection per request)")
	fl.BoolVar(&f.http2, "http2", true, "negotiate HTTP/2 with https targets")
	fl.BoolVarP(&f.insecure, "insecure", "k", false, "do not verify TLS certificates")
	f.timeout = timeoutFlag{d: 30 * time.Second}
	fl.Var(&f.timeout, "timeout", "a request's time limit, response body included (none: no limit); requests still in flight this long after --duration are cut")
	fl.IntVar(&f.redirects, "redirects", 0, "redirects to follow (0: none, the 3xx is the result)")
	fl.StringArrayVar(&f.resolve, "resolve", nil, "HOST:PORT:ADDR[:BINDPORT]: connect to ADDR for HOST:PORT, as curl (repeatable; LBCTL_RESOLVE adds the sandbox's)")
	fl.StringArrayVar(&f.connectTo, "connect-to", nil, "HOST:PORT:CHOST:CPORT: send requests for HOST:PORT to CHOST:CPORT, as curl (an ALB not yet in DNS; repeatable)")
	fl.DurationVar(&f.dnsTTL, "dns-ttl", time.Minute, "re-resolve host names this often, closing idle connections when ALB nodes change (0: once)")
	fl.StringVar(&f.podHeader, "pod-header", loadtest.DefaultPodHeader, `the response header that names the pod, for the per-pod breakdown ("-": none)`)
	fl.StringArrayVar(&f.secretHdrs, "secret-header", nil, "a request header whose value is a secret, besides Authorization, Proxy-Authorization, Cookie, Set-Cookie and X-Api-Key: sent, never written out (repeatable)")
	fl.DurationVar(&f.progress, "progress", 5*time.Second, "print a progress line this often (0: never)")
	fl.BoolVar(&f.tui, "tui", true, "live view while the load runs when stdin, stdout and stderr are terminals and -o text (never in CI; --tui=false: progress lines)")
	fl.BoolVar(&f.precise, "precise-pacing", true, "at rates up to 500/s, spin the last millisecond before each send so it leaves on time (Go's timers run up to 1 ms late on an idle machine; costs up to half a core)")
	fl.BoolVar(&f.stdClient, "std-client", false, "send plain-HTTP requests through net/http's Transport instead of lbctl's lighter HTTP/1.1 client")
	_ = fl.MarkHidden("std-client")
}

// timeoutFlag is --timeout: a duration, or none for no limit (0, which
// is refused when written as a duration: it is too easy to mean "default").
type timeoutFlag struct {
	d    time.Duration
	none bool
}

func (t *timeoutFlag) String() string {
	if t.none {
		return "none"
	}
	return t.d.String()
}

func (t *timeoutFlag) Set(s string) error {
	if strings.TrimSpace(s) == "none" {
		*t = timeoutFlag{none: true}
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 30s, or none")
	}
	*t = timeoutFlag{d: d}
	return nil
}

func (t *timeoutFlag) Type() string { return "duration" }

// shape turns the shape flags into a load shape.
func (f *loadFlags) shape() (*loadtest.Shape, error) {
	o := loadtest.ShapeOptions{Duration: f.duration, Warmup: f.warmup}
	var err error
	switch {
	case f.ramp != "":
		st, err := loadtest.ParseRamp(f.ramp)
		if err != nil {
			return nil, usageError(err.Error(), "")
		}
		o.Ramp = &st
	case f.steps != "":
		if o.Steps, err = loadtest.ParseSteps(f.steps); err != nil {
			return nil, usageError(err.Error(), "")
		}
	default:
		if o.Rate, err = loadtest.ParseRate(f.rate); err != nil {
			return nil, usageError(err.Error(), "")
		}
		if o.Rate == 0 && strings.TrimSpace(f.rate) != "max" {
			return nil, usageError(fmt.Sprintf("--rate %s: a rate of 0 sends nothing", f.rate), "write --rate max to send as fast as --max-workers allow, or a rate such as 100/s")
		}
	}
	s, err := loadtest.NewShape(o)
	if err != nil {
		return nil, usageError(fmt.Sprintf("load shape: %v", err), "see --rate, --duration, --ramp, --steps")
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
			return loadtest.Options{}, usageError(err.Error(), "")
		}
		entries = append(entries, e)
	}
	if err := loadtest.CheckPodHeader(f.podHeader); err != nil {
		return loadtest.Options{}, usageError("--pod-header: "+err.Error(), `pass a header name such as X-Pod-Name, or "-" for no per-pod breakdown`)
	}
	if _, err := loadtest.NewSecretHeaders(f.secretHdrs); err != nil {
		return loadtest.Options{}, usageError("--secret-header: "+err.Error(), "")
	}
	for _, c := range []struct {
		flag string
		n    int
	}{{"--connections", f.connections}, {"--max-connections", f.maxConns}, {"--redirects", f.redirects}} {
		if c.n < 0 {
			return loadtest.Options{}, usageError(fmt.Sprintf("%s %d: want a count of 0 or more", c.flag, c.n), "")
		}
	}
	if f.timeout.d < 0 || f.dnsTTL < 0 || f.progress < 0 {
		return loadtest.Options{}, usageError("--timeout, --dns-ttl and --progress must not be negative", "")
	}
	if f.timeout.d == 0 && !f.timeout.none {
		return loadtest.Options{}, usageError("--timeout 0: a request without a time limit can hang the run forever", "write --timeout none to wait for as long as a response takes, or a limit such as 30s")
	}
	return loadtest.Options{
		Shape: shape, Workers: f.workers, MaxWorkers: f.maxWorkers,
		Transport: loadtest.TransportOptions{
			Connections: f.connections, MaxConnections: f.maxConns, KeepAlive: f.keepAlive, HTTP2: f.http2,
			Insecure: f.insecure, Timeout: f.timeout.d, StdTransport: f.stdClient,
		},
		Redirects: f.redirects, Resolve: entries, Lookup: (&net.Resolver{}).LookupHost, DNSTTL: f.dnsTTL,
		PodHeader: f.podHeader, SecretHeaders: f.secretHdrs, Version: buildinfo.Get().Version, CoarsePacing: !f.precise,
	}, nil
}

// envResolveEntries are the resolver entries of the environment: the
// file LBCTL_RESOLVE_FILE names (the sandbox keeps it current as ALBs come
// and go), then LBCTL_RESOLVE.
func envResolveEntries(r *Root) ([]loadtest.ResolveEntry, error) {
	var entries []loadtest.ResolveEntry
	if path := r.Streams.getenv("LBCTL_RESOLVE_FILE"); path != "" {
		b, err := loadtest.ReadFile(path, 1<<20)
		if err != nil {
			return nil, usageError(fmt.Sprintf("LBCTL_RESOLVE_FILE: %v", err), "source the env file of a running sandbox, or unset it")
		}
		if list := strings.TrimSpace(string(b)); list != "" {
			e, err := loadtest.ParseResolveList(list)
			if err != nil {
				return nil, usageError(fmt.Sprintf("LBCTL_RESOLVE_FILE %s: %v", path, err), "")
			}
			entries = append(entries, e...)
		}
	}
	if env := r.Streams.getenv("LBCTL_RESOLVE"); env != "" {
		e, err := loadtest.ParseResolveList(env)
		if err != nil {
			return nil, usageError(fmt.Sprintf("LBCTL_RESOLVE: %v", err), "")
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
			return usageError(err.Error(), "")
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
		return nil, usageError(err.Error(), "")
	}
	req := loadtest.RequestOptions{Method: f.method, Header: header}
	if f.bodyFile != "" {
		if req.Body, err = loadtest.ReadFile(f.bodyFile, loadtest.MaxBodyBytes); err != nil {
			return nil, usageError(fmt.Sprintf("--body: %v", err), fmt.Sprintf("pass a regular file of at most %d MiB", loadtest.MaxBodyBytes>>20))
		}
	}
	var out []loadtest.Target
	if len(f.urls) > 0 {
		ts, err := loadtest.URLTargets(f.urls, req)
		if err != nil {
			return nil, usageError(err.Error(), "")
		}
		out = append(out, ts...)
	}
	if f.targetsFile != "" {
		var in io.Reader = r.Streams.In
		if f.targetsFile != "-" {
			fh, err := loadtest.OpenFile(f.targetsFile, loadtest.MaxTargetsFileBytes)
			if err != nil {
				return nil, usageError(fmt.Sprintf("--targets: %v", err), "")
			}
			defer fh.Close()
			in = fh
		}
		ts, err := loadtest.ReadTargets(in, loadtest.TargetFile{Format: f.format, Defaults: loadtest.RequestOptions{Header: header, Body: req.Body}})
		if err != nil {
			return nil, usageError(fmt.Sprintf("--targets %s: %v", f.targetsFile, err), "")
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
		return nil, usageError(loadtest.ErrNoTargets.Error(), "pass --url, --targets, --ingress NS/NAME, --group NAME or -A")
	}
	if len(out) > loadtest.MaxTargets {
		return nil, usageError(fmt.Sprintf("%d targets: a run holds at most %d", len(out), loadtest.MaxTargets), "split the load over several runs, or select fewer rules (--ingress, --group)")
	}
	mix, err := loadtest.ParseMix(f.mix)
	if err != nil {
		return nil, usageError(err.Error(), "")
	}
	if out, err = loadtest.ApplyMix(out, mix); err != nil {
		return nil, usageError(err.Error(), "")
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
			return nil, usageError(fmt.Sprintf("--ingress %q: want NAMESPACE/NAME", k), "")
		}
		nss[ns] = true
	}
	if len(sel.Groups) > 0 || len(nss) > 1 {
		topo.AllNamespaces = true
	}
	s, err := r.scope(&topo)
	if err != nil {
		return nil, err
	}
	if len(nss) == 1 && !s.AllNamespaces && !s.FromFiles() && deref(r.Factory.ConfigFlags.Namespace) == "" {
		for ns := range nss {
			s.Namespace = ns
		}
	}
	wo, err := r.readOptions(ctx, &topo, s)
	if err != nil {
		return nil, err
	}
	t, err := world.Read(ctx, r.worldClients(), s, wo)
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
		return nil, usageError(err.Error(), "check the names with `kubectl lbctl scan`")
	}
	return ts, nil
}

// checkOutput checks the report format (-o) of the loadtest leaves.
func checkOutput(o string) error {
	switch o {
	case "text", "json", "markdown", "md":
		return nil
	}
	return usageError(fmt.Sprintf("unknown output format %q", o), "use -o text, json or markdown")
}

// lessGC makes the garbage collector run 4× less often during an attack
// that needs the CPU for requests (--rate max, or a rate above
// busyRate), unless GOGC is set: a load generator allocates per request
// and keeps little, so the heap stays at tens of MB while the CPU goes to
// requests. A slower run keeps the default, and with it a heap about
// twice what it holds rather than five times. It returns the function
// that restores the setting.
func lessGC(r *Root, shape *loadtest.Shape) func() {
	if r.Streams.getenv("GOGC") != "" || shape != nil && shape.Paced() && peakRate(shape) <= busyRate {
		return func() {}
	}
	old := debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(old) }
}

// busyRate is the rate (requests/s) past which an attack keeps the CPU
// busy enough for lessGC to pay.
const busyRate = 5000

// peakRate is a paced shape's highest rate.
func peakRate(s *loadtest.Shape) float64 {
	peak := 0.0
	for _, st := range s.Stages {
		peak = max(peak, st.From, st.To)
	}
	return peak
}

// writeRun prints a run in the report format (-o).
func writeRun(w io.Writer, run *loadtest.Run, output string) error {
	switch output {
	case "json":
		return run.WriteJSON(w)
	case "markdown", "md":
		return loadtest.WriteMarkdown(w, run)
	}
	return loadtest.WriteText(w, run)
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

// writeComparison prints a comparison in the report format (-o).
func writeComparison(w io.Writer, c *loadtest.Comparison, a, b, output string) error {
	switch output {
	case "json":
		return printStructured(w, output, c)
	case "markdown", "md":
		return loadtest.WriteComparisonMarkdown(w, c, a, b)
	}
	return loadtest.WriteComparisonText(w, c, a, b)
}
