package distributed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/lbctl/lbctl/loadtest"
)

// RunOptions configure a distributed run.
type RunOptions struct {
	// Job is the Job to run (its Spec carries the start time).
	Job JobOptions
	// StartAt is the spec's start time: every worker must be running by
	// then (plus Late).
	StartAt time.Time
	Late    time.Duration
	// Within is how long after StartAt the workers have to finish.
	Within time.Duration
	// Keep leaves the finished Job to its TTL instead of deleting it once
	// the results are in (its Secret is deleted all the same).
	Keep bool
	// SecretData is the targets' secret headers (Spec.SecretData): when
	// set, Run creates the Secret Job.Secret names, owned by the Job, and
	// deletes it when it returns.
	SecretData []byte
	// Logf reports progress (nil: quiet).
	Logf func(format string, args ...any)
}

// ErrWorkers is wrapped by errors about the workers themselves (not
// started in time, failed, no result).
var ErrWorkers = errors.New("load-test workers failed")

// maxLog bounds how much of a worker's log is read.
const maxLog = 64 << 20

// Run creates the Job, waits for its workers, collects each worker's run
// from its log and returns them in index order. The Job and its pods are
// deleted when Run returns early (an error, ctx ending: Ctrl-C) and, unless
// Keep, after the results are in. When ctx ends, the error wraps
// loadtest.ErrInterrupted.
func Run(ctx context.Context, kc kubernetes.Interface, o RunOptions) (runs []*loadtest.Run, err error) {
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	job, err := Job(o.Job)
	if err != nil {
		return nil, err
	}
	ns, name := o.Job.Namespace, o.Job.Name
	if len(o.SecretData) > 0 && o.Job.Secret == "" {
		return nil, errors.New("the targets' secret headers need a Secret: set JobOptions.Secret")
	}
	created, err := kc.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{FieldManager: "lbctl"})
	if err != nil {
		if ctx.Err() != nil {
			// Interrupted while the API server may have made it anyway.
			_ = deleteJob(kc, ns, name)
			return nil, fmt.Errorf("%w: before the workers started", loadtest.ErrInterrupted)
		}
		return nil, fmt.Errorf("create Job %s/%s: %w", ns, name, err)
	}
	if len(o.SecretData) > 0 {
		// Made after the Job, so the Job owns it and the garbage collector
		// deletes it with the Job whatever happens to this process; the
		// pods wait for it to exist.
		defer func() {
			if derr := deleteSecret(kc, ns, o.Job.Secret); derr != nil {
				logf("could not delete Secret %s/%s: %v (it goes with Job %s)", ns, o.Job.Secret, derr, name)
			}
		}()
		if err := createSecret(ctx, kc, created, o.Job.Secret, o.SecretData); err != nil {
			_ = deleteJob(kc, ns, name)
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%w: before the workers started", loadtest.ErrInterrupted)
			}
			return nil, err
		}
	}
	logf("created Job %s/%s: %d workers from %s, starting at %s", ns, name, o.Job.Workers, o.Job.Image, o.StartAt.Format("15:04:05"))
	defer func() {
		if err == nil && o.Keep {
			return
		}
		if derr := deleteJob(kc, ns, name); derr != nil {
			logf("could not delete Job %s/%s: %v (its TTL removes it)", ns, name, derr)
		} else if err != nil {
			logf("deleted Job %s/%s and its pods", ns, name)
		}
	}()

	f := informers.NewSharedInformerFactoryWithOptions(kc, 0, informers.WithNamespace(ns),
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) { lo.LabelSelector = LabelRun + "=" + name }))
	podInformer := f.Core().V1().Pods().Informer()
	pods := f.Core().V1().Pods().Lister()
	wake := make(chan struct{}, 1)
	poke := func(any) {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	if _, err := podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: poke, UpdateFunc: func(_, n any) { poke(n) }, DeleteFunc: poke,
	}); err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	defer close(stop)
	f.Start(stop)
	f.WaitForCacheSync(stop)

	c := &collector{kc: kc, ns: ns, n: o.Job.Workers, runs: make([]*loadtest.Run, o.Job.Workers), logf: logf}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	deadline := o.StartAt.Add(o.Within)
	for {
		pods, err := pods.List(labels.Everything())
		if err != nil {
			return nil, err
		}
		done, err := c.step(ctx, pods, time.Now(), o.StartAt, o.Late)
		if err != nil {
			if ctx.Err() != nil {
				return c.partial(), fmt.Errorf("%w: workers deleted", loadtest.ErrInterrupted)
			}
			return nil, err
		}
		if done {
			return c.runs, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: not every worker finished by %s (%s)", ErrWorkers, deadline.Format("15:04:05"), c.summary(pods))
		}
		select {
		case <-ctx.Done():
			return c.partial(), fmt.Errorf("%w: workers deleted", loadtest.ErrInterrupted)
		case <-wake:
		case <-tick.C:
		}
	}
}

// collector follows the workers' pods.
type collector struct {
	kc      kubernetes.Interface
	ns      string
	n       int
	runs    []*loadtest.Run
	ready   bool
	started bool
	logf    func(string, ...any)
}

// step looks at the pods once: results of finished workers are collected,
// a failed worker or one not running at the start time is an error.
func (c *collector) step(ctx context.Context, pods []*corev1.Pod, now, startAt time.Time, late time.Duration) (bool, error) {
	byIndex := map[int]*corev1.Pod{}
	for _, p := range pods {
		i, err := strconv.Atoi(p.Annotations[AnnotationIndex])
		if err != nil || i < 0 || i >= c.n {
			continue
		}
		if old := byIndex[i]; old == nil || p.CreationTimestamp.After(old.CreationTimestamp.Time) {
			byIndex[i] = p
		}
	}
	running := 0
	for i := 0; i < c.n; i++ {
		p := byIndex[i]
		if p == nil {
			continue
		}
		switch p.Status.Phase {
		case corev1.PodRunning:
			running++
		case corev1.PodSucceeded:
			running++
			if c.runs[i] == nil {
				run, err := c.result(ctx, p)
				if err != nil {
					return false, fmt.Errorf("%w: worker %d (pod %s/%s): %w", ErrWorkers, i, p.Namespace, p.Name, err)
				}
				run.Meta.Name = fmt.Sprintf("worker-%d", i)
				c.runs[i] = run
				c.logf("worker %d finished: %d requests, %d errors", i, run.Latency.Count(), run.Summarize().Errors)
			}
		case corev1.PodFailed:
			log, _ := c.log(ctx, p)
			why := LastLines(log, 3)
			if why == "" {
				why = podReason(p)
			}
			return false, fmt.Errorf("%w: worker %d (pod %s/%s) failed: %s", ErrWorkers, i, p.Namespace, p.Name, why)
		}
	}
	if running == c.n && !c.ready {
		c.ready = true
		c.logf("%d/%d workers running; start at %s", running, c.n, startAt.Format("15:04:05"))
	}
	if !c.started && now.After(startAt.Add(late)) {
		if running < c.n {
			return false, fmt.Errorf("%w: only %d of %d workers were running at the start time (%s); raise --start-delay, or check the image and the cluster's capacity", ErrWorkers, running, c.n, c.summary(pods))
		}
		c.started = true
	}
	for _, r := range c.runs {
		if r == nil {
			return false, nil
		}
	}
	return true, nil
}

func (c *collector) result(ctx context.Context, p *corev1.Pod) (*loadtest.Run, error) {
	log, err := c.log(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("read its log: %w", err)
	}
	run, err := ReadResult(strings.NewReader(log))
	if err != nil {
		if last := LastLines(log, 3); last != "" {
			return nil, fmt.Errorf("%w (it said: %s)", err, last)
		}
		return nil, err
	}
	return run, nil
}

func (c *collector) log(ctx context.Context, p *corev1.Pod) (string, error) {
	rc, err := c.kc.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: containerName}).Stream(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLog))
	return string(b), err
}

// partial are the results collected so far.
func (c *collector) partial() []*loadtest.Run {
	var out []*loadtest.Run
	for _, r := range c.runs {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}

// summary says where each worker stands: "worker 0 Running, worker 1
// Pending (ErrImagePull: …)".
func (c *collector) summary(pods []*corev1.Pod) string {
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	var parts []string
	for _, p := range pods {
		s := fmt.Sprintf("%s %s", p.Name, p.Status.Phase)
		if p.Status.Phase == corev1.PodPending || p.Status.Phase == "" {
			if r := podReason(p); r != "" {
				s += " (" + r + ")"
			}
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no worker pod was created: see `kubectl describe job`"
	}
	return strings.Join(parts, ", ")
}

// podReason is why a pod is not running: a waiting container's reason or
// an unschedulable condition.
func podReason(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return strings.TrimSpace(w.Reason + ": " + w.Message)
		}
		if t := cs.State.Terminated; t != nil {
			return strings.TrimSpace(fmt.Sprintf("exit %d %s %s", t.ExitCode, t.Reason, t.Message))
		}
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse {
			return strings.TrimSpace(cond.Reason + ": " + cond.Message)
		}
	}
	return ""
}

// createSecret creates the Secret of the targets' secret headers, owned by
// the Job.
func createSecret(ctx context.Context, kc kubernetes.Interface, job *batchv1.Job, name string, data []byte) error {
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: job.Namespace, Labels: map[string]string{LabelRun: job.Name},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job.Name, UID: job.UID}},
		},
		Type:      corev1.SecretTypeOpaque,
		Immutable: ptr(true),
		Data:      map[string][]byte{SecretKey: data},
	}
	if _, err := kc.CoreV1().Secrets(job.Namespace).Create(ctx, sec, metav1.CreateOptions{FieldManager: "lbctl"}); err != nil {
		return fmt.Errorf("create Secret %s/%s (the targets' secret headers): %w", job.Namespace, name, err)
	}
	return nil
}

// deleteSecret deletes the run's Secret once the workers are done with it.
func deleteSecret(kc kubernetes.Interface, ns, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kc.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}

// deleteJob deletes the Job and its pods (the garbage collector would, but
// not at once, and not in a cluster without one).
func deleteJob(kc kubernetes.Interface, ns, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bg := metav1.DeletePropagationBackground
	err := kc.BatchV1().Jobs(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	err = kc.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: LabelRun + "=" + name})
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return nil
}
