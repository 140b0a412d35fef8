package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/loadtest/distributed"
)

// distFlags run a load test as a Kubernetes Indexed Job (--workers N).
type distFlags struct {
	workers       int
	image         string
	namespace     string
	startDelay    time.Duration
	cpu, cpuLimit string
	mem, memLimit string
	ttl           time.Duration
	keep          bool
	pullPolicy    string
}

// defaultImage is lbctl's image of this build's version.
func defaultImage() string {
	v := buildinfo.Get().Version
	if v == "" || v == "dev" {
		v = "latest"
	}
	return "ghcr.io/lbctl/lbctl:" + v
}

func (f *distFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.IntVar(&f.workers, "workers", 0, "run the load from N pods of a Kubernetes Indexed Job, each at 1/N of the rate, merged and judged once here (0: from this process)")
	fl.StringVar(&f.image, "image", "", "the workers' image: lbctl's, or one with kubectl-lbctl at /kubectl-lbctl (default: ghcr.io/lbctl/lbctl tagged with this lbctl's version)")
	fl.StringVar(&f.pullPolicy, "image-pull-policy", "", "the workers' image pull policy: Always, IfNotPresent or Never (default: the cluster's)")
	fl.StringVar(&f.namespace, "job-namespace", "", "the namespace of the workers' Job (default: the kubeconfig context's)")
	fl.DurationVar(&f.startDelay, "start-delay", 30*time.Second, "time for the worker pods to be scheduled and started: they all begin this long after the Job is created")
	fl.StringVar(&f.cpu, "worker-cpu", "500m", "each worker's CPU request")
	fl.StringVar(&f.cpuLimit, "worker-cpu-limit", "1", "each worker's CPU limit")
	fl.StringVar(&f.mem, "worker-memory", "128Mi", "each worker's memory request")
	fl.StringVar(&f.memLimit, "worker-memory-limit", "256Mi", "each worker's memory limit")
	fl.DurationVar(&f.ttl, "worker-ttl", 10*time.Minute, "the finished Job and its pods are deleted this long after the run (if lbctl did not delete them)")
	fl.BoolVar(&f.keep, "keep-workers", false, "leave the finished Job and its pods (and logs) to --worker-ttl instead of deleting them once the results are in")
}

// validate checks the --workers flags.
func (f *distFlags) validate(abortOnFail bool) error {
	if abortOnFail {
		return usageError("--abort-on-fail cannot stop the workers of --workers", "judge thresholds at the end, or run from one process")
	}
	switch corev1.PullPolicy(f.pullPolicy) {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		return usageError(fmt.Sprintf("--image-pull-policy %q: want Always, IfNotPresent or Never", f.pullPolicy), "")
	}
	if f.ttl < 0 {
		return usageError(fmt.Sprintf("--worker-ttl %s: want a duration of 0 or more", f.ttl), "")
	}
	if f.startDelay <= 0 {
		return usageError(fmt.Sprintf("--start-delay %s: want a positive duration", f.startDelay), "")
	}
	return nil
}

// runDistributed runs the attack as an Indexed Job, merges the workers'
// runs and reports the merged run like a single-process one.
func (o *loadtestRunOptions) runDistributed(ctx context.Context, r *Root, opts loadtest.Options) error {
	f := o.dist
	kc, err := r.Factory.KubeClient()
	if err != nil {
		return err
	}
	ns := f.namespace
	if ns == "" {
		if ns, err = r.Factory.Namespace(); err != nil {
			return err
		}
	}
	startAt := time.Now().Add(f.startDelay)
	if !o.start.IsZero() {
		startAt = o.start
	}
	// A worker may start this late (its process started slowly): the
	// merged windows align on whole seconds.
	const late = 2 * time.Second
	spec, err := distributed.NewSpec(opts, f.workers, startAt, late)
	if err != nil {
		return usageError(err.Error(), "")
	}
	// The workers resolve names in the cluster; only --resolve travels.
	spec.Engine.Resolve = nil
	for _, s := range o.load.resolve {
		e, _ := loadtest.ParseResolve(s) // checked by options()
		spec.Engine.Resolve = append(spec.Engine.Resolve, e)
	}
	enc, err := spec.Encode()
	if err != nil {
		return usageError(err.Error(), "")
	}
	within := opts.Shape.Duration() + opts.Transport.Timeout + time.Minute
	image := f.image
	if image == "" {
		image = defaultImage()
	}
	jo := distributed.JobOptions{
		Name: distributed.NewName(), Namespace: ns, Image: image, PullPolicy: corev1.PullPolicy(f.pullPolicy),
		Workers: f.workers, Spec: enc, CPURequest: f.cpu, CPULimit: f.cpuLimit, MemoryRequest: f.mem, MemoryLimit: f.memLimit,
		TTL: f.ttl, ActiveDeadline: time.Until(startAt) + within + 30*time.Second,
	}
	secretData, err := spec.SecretData()
	if err != nil {
		return err
	}
	if secretData != nil {
		jo.Secret = jo.Name
	}
	if _, err := distributed.Job(jo); err != nil {
		return usageError(err.Error(), "")
	}
	fmt.Fprintf(r.Streams.ErrOut, "load test: %d target(s), %s, from %d workers at 1/%d each\n", len(opts.Targets), opts.Shape, f.workers, f.workers)
	runs, err := distributed.Run(ctx, kc, distributed.RunOptions{
		Job: jo, StartAt: startAt, Late: late, Within: within, Keep: f.keep, SecretData: secretData,
		Logf: func(format string, args ...any) { fmt.Fprintf(r.Streams.ErrOut, format+"\n", args...) },
	})
	interrupted := errors.Is(err, loadtest.ErrInterrupted)
	switch {
	case interrupted && len(runs) == 0:
		return exitcode.New(exitcode.Interrupted, "load test interrupted before any worker finished; the workers were deleted", "", exitcode.ErrInterrupted)
	case errors.Is(err, distributed.ErrWorkers):
		return exitcode.New(exitcode.CheckFailed, err.Error(), "kubectl logs -n "+ns+" -l "+distributed.LabelRun+"="+jo.Name+" (with --keep-workers)", errors.Join(exitcode.ErrCheckFailed, err))
	case err != nil && !interrupted:
		return err
	}
	merged, err := loadtest.MergeRuns(runs...)
	if err != nil {
		return err
	}
	merged.Meta.Shape = opts.Shape
	merged.Meta.Name = "run"
	fmt.Fprintf(r.Streams.ErrOut, "merged %d workers' runs\n", len(runs))
	return o.report(r, merged, interrupted)
}
