package kubelet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pod whose container image is one the kubelet has a binary for (lbctl's
// own image: the load-test workers of `loadtest run --workers`) runs as a
// local process: its command and arguments, its environment (values and
// the downward API), output captured as the container's log, exit code as
// the container's. Such pods finish: Succeeded or Failed.

// process is a running or finished container process.
type process struct {
	cmd      *exec.Cmd
	log      *logBuffer
	started  time.Time
	done     chan struct{}
	exitCode int
	finished time.Time
}

// logBuffer is a container's log: everything it wrote to stdout and
// stderr, up to a bound (then the oldest half is dropped, as log rotation
// would).
type logBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	closed bool
	grew   chan struct{}
}

const maxLogBytes = 32 << 20

func newLogBuffer() *logBuffer { return &logBuffer{grew: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buf.Len()+len(p) > maxLogBytes {
		keep := l.buf.Bytes()[l.buf.Len()/2:]
		if i := bytes.IndexByte(keep, '\n'); i >= 0 {
			keep = keep[i+1:]
		}
		rest := append([]byte(nil), keep...)
		l.buf.Reset()
		l.buf.Write(rest)
	}
	l.buf.Write(p)
	close(l.grew)
	l.grew = make(chan struct{})
	return len(p), nil
}

func (l *logBuffer) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		close(l.grew)
	}
}

// snapshot is the log so far, whether the writer is done, and a channel
// closed when more arrives.
func (l *logBuffer) snapshot() ([]byte, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]byte(nil), l.buf.Bytes()...), l.closed, l.grew
}

// binaryFor is the local executable for a container image, "" when the
// image is not one the kubelet runs as a process.
func (k *Kubelet) binaryFor(image string) string {
	if len(k.opts.Binaries) == 0 {
		return ""
	}
	return k.opts.Binaries[imageRepository(image)]
}

// imageRepository is an image reference without its tag or digest.
func imageRepository(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndexByte(image, ':'); i > strings.LastIndexByte(image, '/') {
		image = image[:i]
	}
	return image
}

// isProcessPod reports whether the pod runs as a local process.
func (k *Kubelet) isProcessPod(p *corev1.Pod) bool {
	return len(p.Spec.Containers) > 0 && k.binaryFor(p.Spec.Containers[0].Image) != ""
}

// startProcess runs the pod's first container as a process.
func (k *Kubelet) startProcess(p *corev1.Pod, ip string) (*process, error) {
	c := p.Spec.Containers[0]
	bin := k.binaryFor(c.Image)
	var args []string
	if len(c.Command) > 0 {
		args = append(args, c.Command[1:]...) // the image's path of the binary is ours
	}
	args = append(args, c.Args...)
	env, err := containerEnv(p, c, ip)
	if err != nil {
		return nil, err
	}
	pr := &process{log: newLogBuffer(), started: time.Now(), done: make(chan struct{})}
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}, k.opts.ProcessEnv...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Dir = os.TempDir()
	cmd.Stdout, cmd.Stderr = pr.log, pr.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	pr.cmd = cmd
	go func() {
		err := cmd.Wait()
		pr.exitCode = 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			pr.exitCode = ee.ExitCode()
			if pr.exitCode < 0 {
				pr.exitCode = 137 // killed by a signal
			}
		} else if err != nil {
			pr.exitCode = 128
		}
		pr.finished = time.Now()
		pr.log.close()
		close(pr.done)
		k.Poke()
	}()
	return pr, nil
}

// exited reports whether the process has finished.
func (pr *process) exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

// stop asks the process to stop (SIGTERM), and kills it after grace.
func (pr *process) stop(grace time.Duration) {
	if pr == nil || pr.cmd == nil || pr.exited() {
		return
	}
	if err := pr.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		_ = pr.cmd.Process.Kill()
	}
	select {
	case <-pr.done:
	case <-time.After(grace):
		_ = pr.cmd.Process.Kill()
		<-pr.done
	}
}

// containerEnv resolves a container's environment: values and the
// downward API's pod fields (what the Job controller's completion index
// needs). Other sources are refused rather than silently left out.
func containerEnv(p *corev1.Pod, c corev1.Container, ip string) ([]string, error) {
	var env []string
	for _, e := range c.Env {
		v := e.Value
		if e.ValueFrom != nil {
			fr := e.ValueFrom.FieldRef
			if fr == nil {
				if e.ValueFrom.ResourceFieldRef != nil {
					continue // a hint for the runtime (GOMAXPROCS and the like): the sandbox has no limits
				}
				return nil, fmt.Errorf("env %s: only values and fieldRef are supported in the sandbox", e.Name)
			}
			var err error
			if v, err = podField(p, fr.FieldPath, ip); err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
		}
		env = append(env, e.Name+"="+v)
	}
	return env, nil
}

func podField(p *corev1.Pod, path, ip string) (string, error) {
	switch path {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return string(p.UID), nil
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "status.podIP":
		return ip, nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.annotations": p.Annotations, "metadata.labels": p.Labels} {
		if key, ok := strings.CutPrefix(path, prefix+"['"); ok {
			return m[strings.TrimSuffix(key, "']")], nil
		}
	}
	return "", fmt.Errorf("field %s is not supported in the sandbox", path)
}

// processStatus is the status of a process pod: Running while it runs,
// then Succeeded or Failed with the container's exit code.
func processStatus(p *corev1.Pod, ip string, node *Node, pr *process) corev1.PodStatus {
	st := desiredStatus(p, ip, node, pr.started, true)
	if !pr.exited() {
		return st
	}
	st.Phase = corev1.PodSucceeded
	reason := "Completed"
	if pr.exitCode != 0 {
		st.Phase, reason = corev1.PodFailed, "Error"
	}
	for i := range st.Conditions {
		switch st.Conditions[i].Type {
		case corev1.PodReady, corev1.ContainersReady:
			if st.Conditions[i].Status != corev1.ConditionFalse {
				st.Conditions[i].Status, st.Conditions[i].Reason, st.Conditions[i].LastTransitionTime = corev1.ConditionFalse, "PodCompleted", metav1.Now()
			}
		}
	}
	f := false
	for i := range st.ContainerStatuses {
		st.ContainerStatuses[i].Ready, st.ContainerStatuses[i].Started = false, &f
		st.ContainerStatuses[i].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: int32(pr.exitCode), Reason: reason, StartedAt: metav1.NewTime(pr.started), FinishedAt: metav1.NewTime(pr.finished)}}
	}
	return st
}

// runProcessPod starts a process pod's process once and reports its status.
func (k *Kubelet) runProcessPod(ctx context.Context, p *corev1.Pod) error {
	if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return nil // finished: never restarted (restartPolicy Never/OnFailure alike here)
	}
	node := k.node(p.Spec.NodeName)
	rt, err := k.runtime(p, node, func(key, ip string) (*podRuntime, error) {
		pr, err := k.startProcess(p, ip)
		if err != nil {
			return nil, err
		}
		k.logs[key] = pr.log
		k.logf("kubelet: started process pod %s (pid %d)", key, pr.cmd.Process.Pid)
		return &podRuntime{proc: pr, startedAt: pr.started}, nil
	})
	var se startError
	if errors.As(err, &se) {
		return k.failPod(ctx, p, se.error)
	}
	if err != nil {
		return err
	}
	k.mu.Lock()
	ip, pr := rt.ip, rt.proc
	k.mu.Unlock()
	if pr == nil {
		return nil
	}
	return k.updateStatus(ctx, p, processStatus(p, ip, node, pr))
}

// failPod reports a container that could not start (CreateContainerError).
func (k *Kubelet) failPod(ctx context.Context, p *corev1.Pod, why error) error {
	pp := p.DeepCopy()
	pp.Status.Phase = corev1.PodFailed
	pp.Status.Message = why.Error()
	pp.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: p.Spec.Containers[0].Name, Image: p.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 128, Reason: "StartError", Message: why.Error()}}}}
	_, err := k.kc.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, pp, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
