package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/loadtest"
)

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

	// typed config, set by complete
	ths  []loadtest.Threshold
	opts loadtest.Options // without targets: run resolves them
	// start is --start-at; zero when not set.
	start time.Time
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
			if err := o.complete(r); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
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

// complete turns the thresholds, the load flags and --start-at into typed
// config.
func (o *loadtestRunOptions) complete(r *Root) error {
	ths, err := loadtest.ParseThresholds(o.thresholds)
	if err != nil {
		return usageError(err.Error(), "")
	}
	o.ths = ths
	if o.opts, err = o.load.options(r); err != nil {
		return err
	}
	if o.abortOnFail {
		o.opts.Watch = loadtest.AbortWatch(o.ths, int(o.abortWindow/time.Second))
	}
	if o.startAt != "" {
		if o.start, err = time.Parse(time.RFC3339Nano, o.startAt); err != nil {
			return usageError(fmt.Sprintf("--start-at %q: want an RFC 3339 time (2026-01-02T15:04:05Z)", o.startAt), "")
		}
	}
	return nil
}

func (o *loadtestRunOptions) validate() error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	if o.abortWindow < time.Second {
		return usageError(fmt.Sprintf("--abort-window %s: want at least 1s", o.abortWindow), "")
	}
	if o.abortOnFail && o.opts.Watch == nil {
		return usageError("--abort-on-fail needs a run-wide latency or errors threshold", "add e.g. --threshold 'p99<250ms'")
	}
	if o.dist.workers < 0 {
		return usageError(fmt.Sprintf("--workers %d: want a count of 0 or more", o.dist.workers), "")
	}
	if o.dist.workers > 0 {
		return o.dist.validate(o.abortOnFail)
	}
	return nil
}

func (o *loadtestRunOptions) run(ctx context.Context, r *Root, attack loadtestRunFunc) error {
	opts := o.opts
	var err error
	if opts.Targets, err = o.targets.targets(ctx, r); err != nil {
		return err
	}
	if err := applyConnectTo(opts.Targets, o.load.connectTo); err != nil {
		return err
	}
	if err := loadtest.CheckRules(o.ths, opts.Targets); err != nil {
		return usageError(err.Error(), "")
	}
	if o.dist.workers > 0 {
		return o.runDistributed(ctx, r, opts)
	}
	if err := loadtest.Preflight(ctx, opts); err != nil {
		return usageError(err.Error(), "check the name, or pass --resolve HOST:PORT:ADDR (source the sandbox's env file for LBCTL_RESOLVE)")
	}
	if err := waitUntil(ctx, r, o.start); err != nil {
		return err
	}
	attack = o.load.progressOutput(r, &opts, o.output, "lbctl loadtest run", attack)
	fmt.Fprintf(r.Streams.ErrOut, "load test: %d target(s), %s\n", len(opts.Targets), opts.Shape)
	defer lessGC(r, opts.Shape)()
	runs, err := attack(ctx, opts)
	interrupted := errors.Is(err, loadtest.ErrInterrupted)
	if err != nil && !interrupted {
		return err
	}
	return o.report(r, runs[0], interrupted)
}

// report judges the thresholds, prints the run, saves it (a partial run of
// an interrupted test always), writes the HTML and GitHub outputs, and
// returns the exit status.
func (o *loadtestRunOptions) report(r *Root, run *loadtest.Run, interrupted bool) error {
	verdicts, passed := loadtest.Evaluate(run, o.ths)
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
		return fmt.Errorf("%w: %s", exitcode.ErrCheckFailed, loadtest.FailureSummary(verdicts))
	}
	return nil
}

// waitUntil sleeps until the start time (none when zero).
func waitUntil(ctx context.Context, r *Root, t time.Time) error {
	if t.IsZero() {
		return nil
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
