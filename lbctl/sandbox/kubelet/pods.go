package kubelet

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

// Annotations that tune a pod's HTTP server in the sandbox (on the pod or
// its Deployment's template).
const (
	AnnotationLatency   = "sandbox.lbctl.dev/latency"
	AnnotationErrorRate = "sandbox.lbctl.dev/error-rate"
)

// podRuntime is a running "container": the pod's HTTP server.
type podRuntime struct {
	server      *dataplane.Pod
	proc        *process // a process pod's process instead of a server
	ip          string
	startedAt   time.Time
	terminating bool
}

func (rt *podRuntime) stop() {
	if rt.server != nil {
		rt.server.Close()
	}
	rt.proc.stop(0)
}

// syncPods starts servers for new pods, reports status and readiness, and
// terminates deleted pods (preStop, then stop, then remove the object).
func (k *Kubelet) syncPods(ctx context.Context) error {
	pods, err := k.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, p := range pods {
		key := p.Namespace + "/" + p.Name
		seen[key] = true
		if k.node(p.Spec.NodeName) == nil {
			if p.Spec.NodeName == "" {
				if err := k.bind(ctx, p); err != nil {
					return err
				}
			}
			continue
		}
		if p.DeletionTimestamp != nil {
			k.terminate(ctx, p)
			continue
		}
		run := k.runPod
		if k.isProcessPod(p) {
			run = k.runProcessPod
		}
		if err := run(ctx, p); err != nil {
			return fmt.Errorf("pod %s: %w", key, err)
		}
	}
	// Pods removed behind our back: stop their servers.
	k.mu.Lock()
	for key, rt := range k.running {
		if !seen[key] && !rt.terminating {
			rt.stop()
			delete(k.usedIPs, rt.ip)
			delete(k.running, key)
		}
	}
	for key := range k.logs {
		if !seen[key] {
			delete(k.logs, key)
		}
	}
	k.mu.Unlock()
	return nil
}

// bind schedules a pod nobody placed, round-robin over the nodes.
func (k *Kubelet) bind(ctx context.Context, p *corev1.Pod) error {
	node := k.opts.Nodes[k.nextNode%len(k.opts.Nodes)]
	k.nextNode++
	err := k.kc.CoreV1().Pods(p.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node.Name},
	}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("bind pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	return nil
}

// PodAddressBlocks is how many /24 blocks of a zone pods draw addresses
// from (10.0.Z.0/24, 10.0.Z+8.0/24, …): the sandbox's node interfaces hold
// them all.
const PodAddressBlocks = 30

// allocateIP gives a pod an address in its node's zone: the zone's subnet
// 10.0.Z.0/24 (then 10.0.Z+8.0/24, …, PodAddressBlocks subnets), skipping
// the node addresses (.10). The cursor wraps, so freed addresses are used
// again.
func (k *Kubelet) allocateIP(key, want string, node *Node) (string, error) {
	if want != "" {
		if owner, ok := k.usedIPs[want]; !ok || owner == key {
			k.usedIPs[want] = key
			return want, nil
		}
	}
	zi := 0
	for i := range k.opts.Nodes {
		if k.opts.Nodes[i].Zone == node.Zone {
			zi = i
			break
		}
	}
	for range PodAddressBlocks * 230 {
		n := k.nextIP[node.Zone] % (PodAddressBlocks * 230)
		k.nextIP[node.Zone] = n + 1
		third := zi + 1 + 8*(n/230)
		if third > 250 {
			break
		}
		ip := fmt.Sprintf("10.0.%d.%d", third, 20+n%230)
		if _, used := k.usedIPs[ip]; !used {
			k.usedIPs[ip] = key
			return ip, nil
		}
	}
	return "", fmt.Errorf("no pod address left in zone %s", node.Zone)
}

// containerPort is the port the pod's server listens on: the first
// container port, else 8080.
func containerPort(p *corev1.Pod) int32 {
	for _, c := range p.Spec.Containers {
		for _, port := range c.Ports {
			if port.ContainerPort > 0 {
				return port.ContainerPort
			}
		}
	}
	return 8080
}

// runtime returns the pod's running container, starting it the first time
// with start, given the address allocated to the pod. An error of start
// comes back wrapped in startError.
func (k *Kubelet) runtime(p *corev1.Pod, node *Node, start func(key, ip string) (*podRuntime, error)) (*podRuntime, error) {
	key := p.Namespace + "/" + p.Name
	k.mu.Lock()
	defer k.mu.Unlock()
	if rt := k.running[key]; rt != nil {
		return rt, nil
	}
	ip, err := k.allocateIP(key, p.Status.PodIP, node)
	if err != nil {
		return nil, err
	}
	rt, err := start(key, ip)
	if err != nil {
		delete(k.usedIPs, ip)
		return nil, startError{err}
	}
	rt.ip = ip
	k.running[key] = rt
	return rt, nil
}

// startError is a container that could not start.
type startError struct{ error }

func (e startError) Unwrap() error { return e.error }

func (k *Kubelet) runPod(ctx context.Context, p *corev1.Pod) error {
	node := k.node(p.Spec.NodeName)
	rt, err := k.runtime(p, node, func(key, ip string) (*podRuntime, error) {
		opts := dataplane.PodOptions{Name: p.Name, Zone: node.Zone, HealthPath: probePath(p)}
		if d, err := time.ParseDuration(p.Annotations[AnnotationLatency]); err == nil {
			opts.Latency = d
		}
		if f, err := strconv.ParseFloat(p.Annotations[AnnotationErrorRate], 64); err == nil {
			opts.ErrorRate = f
		}
		srv, err := dataplane.StartPod(fmt.Sprintf("%s:%d", k.loopback(ip), containerPort(p)), opts)
		if err != nil {
			return nil, err
		}
		k.logf("kubelet: started %s at %s", key, srv.Addr())
		return &podRuntime{server: srv, startedAt: time.Now()}, nil
	})
	if err != nil {
		return err
	}
	k.mu.Lock()
	ip, started := rt.ip, rt.startedAt
	k.mu.Unlock()

	containersReady := time.Since(started) >= k.opts.StartupDelay
	if !containersReady {
		time.AfterFunc(k.opts.StartupDelay, k.Poke)
	}
	return k.updateStatus(ctx, p, desiredStatus(p, ip, node, started, containersReady))
}

// updateStatus writes the pod's status when it changed; a conflict or a
// pod gone asks for another sync.
func (k *Kubelet) updateStatus(ctx context.Context, p *corev1.Pod, st corev1.PodStatus) error {
	if st.Phase == p.Status.Phase && statusEqual(p.Status, st) {
		return nil
	}
	pp := p.DeepCopy()
	pp.Status = st
	_, err := k.kc.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, pp, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		k.Poke()
		return nil
	}
	return err
}

func probePath(p *corev1.Pod) string {
	for _, c := range p.Spec.Containers {
		if c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet != nil && c.ReadinessProbe.HTTPGet.Path != "" {
			return c.ReadinessProbe.HTTPGet.Path
		}
	}
	return "/healthz"
}

// desiredStatus is the status a kubelet reports: Running with its IP;
// Ready only when the containers are ready and every readiness gate is True.
func desiredStatus(p *corev1.Pod, ip string, node *Node, started time.Time, containersReady bool) corev1.PodStatus {
	st := *p.Status.DeepCopy()
	st.Phase = corev1.PodRunning
	st.PodIP, st.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	st.HostIP, st.HostIPs = node.IP, []corev1.HostIP{{IP: node.IP}}
	if st.StartTime == nil {
		t := metav1.NewTime(started)
		st.StartTime = &t
	}
	gatesOK := true
	for _, g := range p.Spec.ReadinessGates {
		if condStatus(st.Conditions, g.ConditionType) != corev1.ConditionTrue {
			gatesOK = false
		}
	}
	set := func(t corev1.PodConditionType, ok bool, reason string) {
		s := corev1.ConditionFalse
		if ok {
			s, reason = corev1.ConditionTrue, ""
		}
		for i := range st.Conditions {
			if st.Conditions[i].Type == t {
				if st.Conditions[i].Status != s {
					st.Conditions[i].Status, st.Conditions[i].LastTransitionTime = s, metav1.Now()
				}
				st.Conditions[i].Reason = reason
				return
			}
		}
		st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: metav1.Now()})
	}
	set(corev1.PodScheduled, true, "")
	set(corev1.PodInitialized, true, "")
	set(corev1.ContainersReady, containersReady, "ContainersNotReady")
	reason := "ContainersNotReady"
	if containersReady && !gatesOK {
		reason = "ReadinessGatesNotReady"
	}
	set(corev1.PodReady, containersReady && gatesOK, reason)
	st.ContainerStatuses = nil
	for _, c := range p.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Ready: containersReady, Started: &containersReady,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}}}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	return st
}

func condStatus(conds []corev1.PodCondition, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range conds {
		if c.Type == t {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

func statusEqual(a, b corev1.PodStatus) bool {
	if a.Phase != b.Phase || a.PodIP != b.PodIP || a.HostIP != b.HostIP || len(a.Conditions) != len(b.Conditions) || len(a.ContainerStatuses) != len(b.ContainerStatuses) {
		return false
	}
	for _, c := range a.Conditions {
		if condStatus(b.Conditions, c.Type) != c.Status || condReason(b.Conditions, c.Type) != c.Reason {
			return false
		}
	}
	return true
}

func condReason(conds []corev1.PodCondition, t corev1.PodConditionType) string {
	for _, c := range conds {
		if c.Type == t {
			return c.Reason
		}
	}
	return ""
}

var sleepRE = regexp.MustCompile(`\bsleep\s+(\d+)`)

// preStopSleep is the pod's preStop sleep (sleep action or `sleep N`).
func preStopSleep(p *corev1.Pod) time.Duration {
	var best time.Duration
	for _, c := range p.Spec.Containers {
		if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
			continue
		}
		ps := c.Lifecycle.PreStop
		if ps.Sleep != nil {
			best = max(best, time.Duration(ps.Sleep.Seconds)*time.Second)
		}
		if ps.Exec != nil {
			if m := sleepRE.FindStringSubmatch(strings.Join(ps.Exec.Command, " ")); m != nil {
				if n, err := strconv.Atoi(m[1]); err == nil {
					best = max(best, time.Duration(n)*time.Second)
				}
			}
		}
	}
	return best
}

// terminate runs a deleted pod's shutdown once: the preStop sleep (bounded
// by the grace period) while the server still answers, then a graceful stop
// for what is left of the grace period, then the object is removed.
func (k *Kubelet) terminate(ctx context.Context, p *corev1.Pod) {
	key := p.Namespace + "/" + p.Name
	k.mu.Lock()
	rt := k.running[key]
	if rt != nil && rt.terminating {
		k.mu.Unlock()
		return
	}
	if rt == nil {
		rt = &podRuntime{}
		k.running[key] = rt
	}
	rt.terminating = true
	k.mu.Unlock()

	grace := 30 * time.Second
	if p.Spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*p.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	if p.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*p.DeletionGracePeriodSeconds) * time.Second
	}
	grace = time.Duration(float64(grace) * k.opts.TimeScale)
	sleep := min(time.Duration(float64(preStopSleep(p))*k.opts.TimeScale), grace)
	go func() {
		deadline := time.Now().Add(grace)
		if sleep > 0 {
			select {
			case <-time.After(sleep):
			case <-ctx.Done():
			}
		}
		rt.proc.stop(time.Until(deadline))
		if rt.server != nil {
			sctx, cancel := context.WithDeadline(context.Background(), deadline)
			rt.server.Shutdown(sctx)
			cancel()
			rt.server.Close()
		}
		zero := int64(0)
		err := k.kc.CoreV1().Pods(p.Namespace).Delete(context.Background(), p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
		if err != nil && !apierrors.IsNotFound(err) {
			k.logf("kubelet: remove pod %s: %v", key, err)
		}
		k.mu.Lock()
		delete(k.usedIPs, rt.ip)
		delete(k.running, key)
		k.mu.Unlock()
		k.logf("kubelet: pod %s terminated", key)
		k.Poke()
	}()
}
