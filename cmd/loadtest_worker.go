package cmd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/loadtest/distributed"
)

// loadtestWorkerOptions are a worker's: it has no flags, its spec and
// index come from the environment the Job sets.
type loadtestWorkerOptions struct {
	// set by complete
	spec  *distributed.Spec
	index int
	opts  loadtest.Options
}

// newLoadtestWorkerCmd is what the pods of `loadtest run --workers` run:
// the spec from the environment, the start barrier, the attack, the
// result on standard output.
func newLoadtestWorkerCmd(r *Root) *cobra.Command {
	o := &loadtestWorkerOptions{}
	return &cobra.Command{
		Use:    "worker",
		Short:  "Run one worker of a distributed load test (inside the pods of `loadtest run --workers`)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(r); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
}

// complete decodes the spec and index the Job set, and adds the
// environment's resolver entries to the spec's.
func (o *loadtestWorkerOptions) complete(r *Root) error {
	spec, err := distributed.DecodeSpec(r.Streams.getenv(distributed.EnvSpec))
	if err != nil {
		return usageError(err.Error(), "")
	}
	if err := spec.AddSecrets(r.Streams.getenv(distributed.EnvSecrets)); err != nil {
		return usageError(err.Error(), "")
	}
	o.spec = spec
	o.index, _ = strconv.Atoi(r.Streams.getenv(distributed.EnvIndex))
	o.opts = spec.Options()
	entries, err := envResolveEntries(r)
	if err != nil {
		return err
	}
	o.opts.Resolve = append(o.opts.Resolve, entries...)
	return nil
}

// validate has nothing to check: lbctl wrote the spec, and DecodeSpec
// checked it.
func (o *loadtestWorkerOptions) validate() error { return nil }

func (o *loadtestWorkerOptions) run(ctx context.Context, r *Root) error {
	spec, index, opts := o.spec, o.index, o.opts
	if late := time.Since(spec.StartAt); late > spec.Late {
		return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("worker %d started %s after the start time", index, late.Round(time.Millisecond)),
			"raise --start-delay", exitcode.ErrCheckFailed)
	}
	fmt.Fprintf(r.Streams.ErrOut, "worker %d of %d: %d target(s), %s, starting at %s\n", index, spec.Workers, len(opts.Targets), opts.Shape, spec.StartAt.Format(time.RFC3339Nano))
	select {
	case <-ctx.Done():
		return exitcode.New(exitcode.Interrupted, "interrupted before the start", "", exitcode.ErrInterrupted)
	case <-time.After(time.Until(spec.StartAt)):
	}
	defer lessGC(r, opts.Shape)()
	runs, err := loadtest.Attack(ctx, opts)
	interrupted := errors.Is(err, loadtest.ErrInterrupted)
	if err != nil && !interrupted {
		return err
	}
	run := runs[0]
	run.Meta.Name = fmt.Sprintf("worker-%d", index)
	if err := distributed.WriteResult(r.Streams.Out, run); err != nil {
		return err
	}
	fmt.Fprintf(r.Streams.ErrOut, "worker %d: %d requests, %d errors\n", index, run.Latency.Count(), run.Summarize().Errors)
	if interrupted {
		return exitcode.New(exitcode.Interrupted, "worker interrupted; partial result written", "", exitcode.ErrInterrupted)
	}
	return nil
}
