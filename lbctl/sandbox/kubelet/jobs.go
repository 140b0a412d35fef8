package kubelet

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// The Job controller's part, as kube-controller-manager plays it for
// Indexed and NonIndexed Jobs: pods up to parallelism for the indexes not
// yet done (each with its completion index as an annotation, a label and
// $JOB_COMPLETION_INDEX), the backoff limit, the active deadline, status
// and conditions the API server accepts, and — the TTL-after-finished and
// garbage collectors' parts — finished Jobs deleted after their TTL and
// pods of deleted Jobs removed.

const (
	jobNameLabel     = "batch.kubernetes.io/job-name"
	jobUIDLabel      = "batch.kubernetes.io/controller-uid"
	jobIndexKey      = "batch.kubernetes.io/job-completion-index"
	legacyJobName    = "job-name"
	legacyJobUID     = "controller-uid"
	jobCompletionEnv = "JOB_COMPLETION_INDEX"
)

func (k *Kubelet) syncJobs(ctx context.Context) error {
	if k.jobs == nil {
		return nil
	}
	jobs, err := k.jobs.List(labels.Everything())
	if err != nil {
		return err
	}
	pods, err := k.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	owned := map[string][]*corev1.Pod{} // by Job UID
	live := map[string]bool{}
	for _, j := range jobs {
		live[string(j.UID)] = true
	}
	for _, p := range pods {
		ref := metav1.GetControllerOf(p)
		if ref == nil || ref.Kind != "Job" {
			continue
		}
		if !live[string(ref.UID)] {
			if p.DeletionTimestamp == nil { // the garbage collector's part
				_ = k.kc.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
			}
			continue
		}
		owned[string(ref.UID)] = append(owned[string(ref.UID)], p)
	}
	var errs []error
	for _, j := range jobs {
		if err := k.syncJob(ctx, j, owned[string(j.UID)]); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("job %s/%s: %w", j.Namespace, j.Name, err))
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func jobFinished(j *batchv1.Job) (batchv1.JobConditionType, time.Time, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type, c.LastTransitionTime.Time, true
		}
	}
	return "", time.Time{}, false
}

func hasCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func (k *Kubelet) syncJob(ctx context.Context, j *batchv1.Job, pods []*corev1.Pod) error {
	if j.DeletionTimestamp != nil {
		return nil
	}
	if _, at, done := jobFinished(j); done {
		if ttl := j.Spec.TTLSecondsAfterFinished; ttl != nil {
			left := time.Until(at.Add(time.Duration(*ttl) * time.Second))
			if left <= 0 {
				k.logf("kubelet: job %s/%s: TTL after finished expired, deleting", j.Namespace, j.Name)
				bg := metav1.DeletePropagationBackground
				return k.kc.BatchV1().Jobs(j.Namespace).Delete(ctx, j.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
			}
			time.AfterFunc(left, k.Poke)
		}
		return nil
	}
	if j.Spec.Suspend != nil && *j.Spec.Suspend {
		return nil
	}
	completions := int32(1)
	if j.Spec.Completions != nil {
		completions = *j.Spec.Completions
	}
	parallelism := int32(1)
	if j.Spec.Parallelism != nil {
		parallelism = *j.Spec.Parallelism
	}
	backoff := int32(6)
	if j.Spec.BackoffLimit != nil {
		backoff = *j.Spec.BackoffLimit
	}
	indexed := j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion

	var active []*corev1.Pod
	succeeded := map[int]bool{}
	nSucceeded, failed, ready := int32(0), int32(0), int32(0)
	busy := map[int]bool{}
	for _, p := range pods {
		idx := podIndex(p)
		switch p.Status.Phase {
		case corev1.PodSucceeded:
			nSucceeded++
			if idx >= 0 {
				succeeded[idx] = true
			}
		case corev1.PodFailed:
			failed++
		default:
			if p.DeletionTimestamp == nil {
				active = append(active, p)
				busy[idx] = true
				if podReady(p) {
					ready++
				}
			}
		}
	}
	// Pods created but not yet in the informer's cache count as active
	// (the real controller's "expectations"), else a sync would make them
	// again. They are known by name: another pod of the same index (one
	// that failed) or, for a NonIndexed Job, any other pod does not mean
	// the new one is seen.
	seen := map[string]bool{}
	for _, p := range pods {
		seen[p.Namespace+"/"+p.Name] = true
	}
	k.mu.Lock()
	for key, e := range k.jobPods {
		switch {
		case e.job != j.UID:
		case seen[key] || time.Since(e.at) > 30*time.Second:
			delete(k.jobPods, key)
		default:
			busy[e.idx] = true
			active = append(active, &corev1.Pod{})
		}
	}
	k.mu.Unlock()
	st := j.Status.DeepCopy()
	now := metav1.Now()
	if st.StartTime == nil {
		st.StartTime = &now
	}
	done := int32(len(succeeded))
	if !indexed {
		done = nSucceeded
	}
	failing := hasCondition(j, batchv1.JobFailureTarget)
	reason, message := "", ""
	switch {
	case failing:
	case failed > backoff:
		reason, message = batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	case j.Spec.ActiveDeadlineSeconds != nil && time.Since(st.StartTime.Time) > time.Duration(*j.Spec.ActiveDeadlineSeconds)*time.Second:
		reason, message = batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline"
	}
	if reason != "" {
		st.Conditions = append(st.Conditions, batchv1.JobCondition{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue,
			Reason: reason, Message: message, LastProbeTime: now, LastTransitionTime: now})
		failing = true
	}
	switch {
	case failing:
		for _, p := range active {
			if p.Name != "" {
				_ = k.kc.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})
			}
		}
		if len(active) == 0 {
			ft := failureTarget(st)
			st.Conditions = append(st.Conditions, batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue,
				Reason: ft.Reason, Message: ft.Message, LastProbeTime: now, LastTransitionTime: now})
		}
	case done >= completions && len(active) == 0:
		st.Conditions = append(st.Conditions,
			batchv1.JobCondition{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, Reason: batchv1.JobReasonCompletionsReached,
				Message: "Reached expected number of succeeded pods", LastProbeTime: now, LastTransitionTime: now},
			batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, Reason: batchv1.JobReasonCompletionsReached,
				Message: "Reached expected number of succeeded pods", LastProbeTime: now, LastTransitionTime: now})
		st.CompletionTime = &now
	case done < completions:
		for i := 0; i < int(completions) && int32(len(active)) < parallelism; i++ {
			if !indexed && int32(len(active))+done >= completions {
				break
			}
			if indexed && (succeeded[i] || busy[i]) {
				continue
			}
			idx := i
			if !indexed {
				idx = -1
			}
			p, err := k.createJobPod(ctx, j, idx)
			if err != nil {
				return err
			}
			active = append(active, p)
			busy[idx] = true
		}
	}
	st.Active, st.Succeeded, st.Failed, st.Ready = int32(len(active)), nSucceeded, failed, &ready
	if hasFinished(st) {
		st.Active, st.Ready = 0, ptr(int32(0))
	}
	if indexed {
		st.CompletedIndexes = indexIntervals(succeeded)
	}
	if jobStatusEqual(&j.Status, st) {
		return nil
	}
	jj := j.DeepCopy()
	jj.Status = *st
	_, err := k.kc.BatchV1().Jobs(j.Namespace).UpdateStatus(ctx, jj, metav1.UpdateOptions{})
	return err
}

func failureTarget(st *batchv1.JobStatus) batchv1.JobCondition {
	for _, c := range st.Conditions {
		if c.Type == batchv1.JobFailureTarget {
			return c
		}
	}
	return batchv1.JobCondition{}
}

func hasFinished(st *batchv1.JobStatus) bool {
	for _, c := range st.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func jobStatusEqual(a, b *batchv1.JobStatus) bool {
	return a.Active == b.Active && a.Succeeded == b.Succeeded && a.Failed == b.Failed && a.CompletedIndexes == b.CompletedIndexes &&
		len(a.Conditions) == len(b.Conditions) && (a.StartTime == nil) == (b.StartTime == nil) &&
		(a.Ready == nil) == (b.Ready == nil) && (a.Ready == nil || *a.Ready == *b.Ready)
}

// jobPod is a Job pod created and not yet seen in the cache.
type jobPod struct {
	job types.UID
	idx int
	at  time.Time
}

// podIndex is a Job pod's completion index (-1 when it has none).
func podIndex(p *corev1.Pod) int {
	if i, err := strconv.Atoi(p.Annotations[jobIndexKey]); err == nil {
		return i
	}
	return -1
}

// indexIntervals writes completed indexes as the API does: "0-2,5".
func indexIntervals(set map[int]bool) string {
	idx := make([]int, 0, len(set))
	for i := range set {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(idx[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// createJobPod makes a pod of the Job's template, for index idx (-1 for
// a NonIndexed Job).
func (k *Kubelet) createJobPod(ctx context.Context, j *batchv1.Job, idx int) (*corev1.Pod, error) {
	t := j.Spec.Template.DeepCopy()
	lbls := map[string]string{jobNameLabel: j.Name, legacyJobName: j.Name, jobUIDLabel: string(j.UID), legacyJobUID: string(j.UID)}
	for key, v := range t.Labels {
		lbls[key] = v
	}
	ann := map[string]string{}
	for key, v := range t.Annotations {
		ann[key] = v
	}
	prefix := j.Name + "-"
	if idx >= 0 {
		s := strconv.Itoa(idx)
		ann[jobIndexKey], lbls[jobIndexKey] = s, s
		prefix = fmt.Sprintf("%s-%d-", j.Name, idx)
		for i := range t.Spec.Containers {
			t.Spec.Containers[i].Env = append(t.Spec.Containers[i].Env, corev1.EnvVar{Name: jobCompletionEnv,
				ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['" + jobIndexKey + "']"}}})
		}
		if t.Spec.Hostname == "" {
			t.Spec.Hostname = fmt.Sprintf("%s-%d", j.Name, idx)
		}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: prefix + randSuffix(), Namespace: j.Namespace, Labels: lbls, Annotations: ann,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: j.Name, UID: j.UID, Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}},
		Spec: t.Spec,
	}
	got, err := k.kc.CoreV1().Pods(j.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.jobPods[got.Namespace+"/"+got.Name] = jobPod{job: j.UID, idx: idx, at: time.Now()}
	k.mu.Unlock()
	k.logf("kubelet: job %s/%s: created pod %s", j.Namespace, j.Name, got.Name)
	return got, nil
}
