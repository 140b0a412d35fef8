package kubelet

import (
	"fmt"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func job(name string, completions, parallelism, backoff int32, indexed bool) *batchv1.Job {
	mode := batchv1.NonIndexedCompletion
	if indexed {
		mode = batchv1.IndexedCompletion
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec: batchv1.JobSpec{
			Completions: ptr(completions), Parallelism: ptr(parallelism), BackoffLimit: ptr(backoff), CompletionMode: &mode,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}, Annotations: map[string]string{"note": "kept"}},
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "worker", Image: "busybox:1.36"}}},
			},
		},
	}
}

func (h *harness) syncJobs() {
	h.t.Helper()
	if err := h.k.syncJobs(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

// startJobs runs a sync and returns the pods, which must be n.
func (h *harness) startJobs(n int) []corev1.Pod {
	h.t.Helper()
	h.syncJobs()
	pods := h.pods("default")
	if len(pods) != n {
		h.t.Fatalf("%d pods, want %d", len(pods), n)
	}
	return pods
}

func (h *harness) job(name string) *batchv1.Job {
	h.t.Helper()
	j, err := h.kc.BatchV1().Jobs("default").Get(h.ctx, name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

// conditions lists a Job's True condition types in order.
func conditions(j *batchv1.Job) []batchv1.JobConditionType {
	var out []batchv1.JobConditionType
	for _, c := range j.Status.Conditions {
		if c.Status == corev1.ConditionTrue {
			out = append(out, c.Type)
		}
	}
	return out
}

func condition(j *batchv1.Job, t batchv1.JobConditionType) batchv1.JobCondition {
	for _, c := range j.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return batchv1.JobCondition{}
}

func TestIndexedJobRunsAndCompletes(t *testing.T) {
	h := newHarness(t, job("load", 3, 3, 0, true))
	h.syncJobs()

	pods := h.pods("default")
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 3", len(pods))
	}
	var idx []int
	for _, p := range pods {
		i := podIndex(&p)
		idx = append(idx, i)
		ref := metav1.GetControllerOf(&p)
		switch {
		case p.Labels[jobIndexKey] != fmt.Sprint(i):
			t.Errorf("pod %s: index label %q, annotation %d", p.Name, p.Labels[jobIndexKey], i)
		case p.Labels[jobNameLabel] != "load" || p.Labels[jobUIDLabel] != "uid-load" || p.Labels["app"] != "load" || p.Annotations["note"] != "kept":
			t.Errorf("pod %s: labels %v annotations %v", p.Name, p.Labels, p.Annotations)
		case ref == nil || ref.Kind != "Job" || ref.UID != "uid-load":
			t.Errorf("pod %s: controller %+v", p.Name, ref)
		case p.Spec.Hostname != fmt.Sprintf("load-%d", i):
			t.Errorf("pod %s: hostname %q", p.Name, p.Spec.Hostname)
		}
		env := p.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Name != jobCompletionEnv || env[0].ValueFrom == nil || env[0].ValueFrom.FieldRef == nil ||
			env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['"+jobIndexKey+"']" {
			t.Errorf("pod %s: env %+v", p.Name, env)
		}
	}
	slices.Sort(idx)
	if !slices.Equal(idx, []int{0, 1, 2}) {
		t.Fatalf("indexes %v, want [0 1 2]", idx)
	}
	j := h.job("load")
	if j.Status.Active != 3 || j.Status.StartTime == nil || len(conditions(j)) != 0 {
		t.Fatalf("status after start: %+v", j.Status)
	}

	// A sync that does not see the new pods yet (a stale cache) must not
	// make them again.
	h.syncJobs()
	if n := len(h.pods("default")); n != 3 {
		t.Fatalf("%d pods after a sync with a stale cache, want 3", n)
	}

	for _, p := range pods {
		h.setPodStatus(p, corev1.PodSucceeded, "", false)
	}
	h.refresh()
	h.syncJobs()
	j = h.job("load")
	if got := conditions(j); !slices.Equal(got, []batchv1.JobConditionType{batchv1.JobSuccessCriteriaMet, batchv1.JobComplete}) {
		t.Fatalf("conditions %v", got)
	}
	if c := condition(j, batchv1.JobComplete); c.Reason != batchv1.JobReasonCompletionsReached {
		t.Errorf("Complete reason %q", c.Reason)
	}
	if j.Status.CompletedIndexes != "0-2" || j.Status.Succeeded != 3 || j.Status.Active != 0 || j.Status.CompletionTime == nil {
		t.Fatalf("status %+v", j.Status)
	}

	// Finished: further syncs change nothing and make no pods.
	h.refresh()
	h.syncJobs()
	if n := len(h.pods("default")); n != 3 {
		t.Fatalf("%d pods after completion, want 3", n)
	}
	if got := conditions(h.job("load")); len(got) != 2 {
		t.Fatalf("conditions after completion %v", got)
	}
}

func TestIndexedJobReplacesOnlyMissingIndexes(t *testing.T) {
	h := newHarness(t, job("idx", 4, 2, 6, true))
	pods := h.startJobs(2)
	// Index 0 succeeds, index 1 fails: the next pods are 1 (again) and 2.
	for _, p := range pods {
		phase := corev1.PodSucceeded
		if podIndex(&p) == 1 {
			phase = corev1.PodFailed
		}
		h.setPodStatus(p, phase, "", false)
	}
	h.refresh()
	h.syncJobs()
	var live []int
	for _, p := range h.pods("default") {
		if p.Status.Phase == "" {
			live = append(live, podIndex(&p))
		}
	}
	slices.Sort(live)
	if !slices.Equal(live, []int{1, 2}) {
		t.Fatalf("new pods for indexes %v, want [1 2]", live)
	}
	j := h.job("idx")
	if j.Status.CompletedIndexes != "0" || j.Status.Failed != 1 || j.Status.Succeeded != 1 || j.Status.Active != 2 {
		t.Fatalf("status %+v", j.Status)
	}

	// The cache has the failed pod of index 1 but not yet its
	// replacement: index 1 is still taken, no third pod for it.
	h.refresh()
	for _, p := range h.pods("default") {
		if p.Status.Phase == "" && podIndex(&p) == 1 {
			h.hidePod(p)
		}
	}
	h.syncJobs()
	n := 0
	for _, p := range h.pods("default") {
		if podIndex(&p) == 1 {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d pods of index 1, want the failed one and one replacement", n)
	}
}

func TestNonIndexedJob(t *testing.T) {
	h := newHarness(t, job("plain", 3, 2, 6, false))
	pods := h.startJobs(2)
	for _, p := range pods {
		if _, ok := p.Annotations[jobIndexKey]; ok {
			t.Errorf("NonIndexed pod %s has a completion index", p.Name)
		}
	}
	// A stale cache must not make more pods than parallelism.
	h.syncJobs()
	if n := len(h.pods("default")); n != 2 {
		t.Fatalf("%d pods after a sync with a stale cache, want 2", n)
	}
	h.refresh()
	// One of the two pods is seen, the other not yet: still 2.
	h.hidePod(pods[1])
	h.syncJobs()
	if n := len(h.pods("default")); n != 2 {
		t.Fatalf("%d pods after a second sync, want 2", n)
	}
	for _, p := range h.pods("default") {
		h.setPodStatus(p, corev1.PodSucceeded, "", false)
	}
	h.refresh()
	h.syncJobs()
	// 2 of 3 done: exactly one more pod.
	if n := len(h.pods("default")); n != 3 {
		t.Fatalf("%d pods, want 3", n)
	}
	for _, p := range h.pods("default") {
		if p.Status.Phase == "" {
			h.setPodStatus(p, corev1.PodSucceeded, "", false)
		}
	}
	h.refresh()
	h.syncJobs()
	j := h.job("plain")
	if !slices.Contains(conditions(j), batchv1.JobComplete) || j.Status.Succeeded != 3 || j.Status.CompletedIndexes != "" {
		t.Fatalf("status %+v", j.Status)
	}
}

func TestJobBackoffLimitExceeded(t *testing.T) {
	h := newHarness(t, job("fail", 2, 2, 0, true))
	pods := h.startJobs(2)
	for _, p := range pods {
		if podIndex(&p) == 0 {
			h.setPodStatus(p, corev1.PodFailed, "", false)
		}
	}
	h.refresh()
	h.syncJobs()
	// The other pod is still running: FailureTarget, and the pod is deleted.
	j := h.job("fail")
	if got := conditions(j); !slices.Equal(got, []batchv1.JobConditionType{batchv1.JobFailureTarget}) {
		t.Fatalf("conditions %v, want FailureTarget only while a pod runs", got)
	}
	if c := condition(j, batchv1.JobFailureTarget); c.Reason != batchv1.JobReasonBackoffLimitExceeded {
		t.Errorf("FailureTarget reason %q", c.Reason)
	}
	left := h.pods("default")
	if len(left) != 1 || left[0].Status.Phase != corev1.PodFailed {
		t.Fatalf("pods left %d, want only the failed one", len(left))
	}
	h.refresh()
	h.syncJobs()
	j = h.job("fail")
	if got := conditions(j); !slices.Equal(got, []batchv1.JobConditionType{batchv1.JobFailureTarget, batchv1.JobFailed}) {
		t.Fatalf("conditions %v", got)
	}
	if c := condition(j, batchv1.JobFailed); c.Reason != batchv1.JobReasonBackoffLimitExceeded || c.Message == "" {
		t.Errorf("Failed condition %+v", c)
	}
	if j.Status.Failed != 1 || j.Status.Active != 0 || j.Status.Ready == nil || *j.Status.Ready != 0 {
		t.Fatalf("status %+v", j.Status)
	}
	// No replacement pod for a failed Job.
	h.refresh()
	h.syncJobs()
	if n := len(h.pods("default")); n != 1 {
		t.Fatalf("%d pods after failure, want 1", n)
	}
}

func TestJobBackoffLimitNotYetExceeded(t *testing.T) {
	h := newHarness(t, job("retry", 1, 1, 1, false))
	h.syncJobs()
	h.setPodStatus(h.pods("default")[0], corev1.PodFailed, "", false)
	h.refresh()
	h.syncJobs()
	j := h.job("retry")
	if len(conditions(j)) != 0 || j.Status.Failed != 1 {
		t.Fatalf("one failure within backoffLimit 1: status %+v", j.Status)
	}
	if n := len(h.pods("default")); n != 2 {
		t.Fatalf("%d pods, want a replacement", n)
	}
}

func TestJobActiveDeadline(t *testing.T) {
	j := job("slow", 1, 1, 6, true)
	j.Spec.ActiveDeadlineSeconds = ptr(int64(10))
	j.Status.StartTime = &metav1.Time{Time: time.Now().Add(-time.Minute)}
	h := newHarness(t, j)
	h.syncJobs()
	if n := len(h.pods("default")); n != 0 {
		t.Fatalf("%d pods made for a Job past its deadline", n)
	}
	got := h.job("slow")
	if c := conditions(got); !slices.Equal(c, []batchv1.JobConditionType{batchv1.JobFailureTarget, batchv1.JobFailed}) {
		t.Fatalf("conditions %v", c)
	}
	if c := condition(got, batchv1.JobFailed); c.Reason != batchv1.JobReasonDeadlineExceeded {
		t.Fatalf("Failed reason %q", c.Reason)
	}
}

func TestJobActiveDeadlineStopsRunningPods(t *testing.T) {
	j := job("slow", 1, 1, 6, true)
	j.Spec.ActiveDeadlineSeconds = ptr(int64(3600))
	h := newHarness(t, j)
	h.syncJobs()
	if n := len(h.pods("default")); n != 1 {
		t.Fatalf("%d pods, want 1", n)
	}
	j = h.job("slow")
	if len(conditions(j)) != 0 {
		t.Fatalf("conditions %v before the deadline", conditions(j))
	}
	// The deadline passes.
	j.Status.StartTime = &metav1.Time{Time: time.Now().Add(-2 * time.Hour)}
	if _, err := h.kc.BatchV1().Jobs("default").UpdateStatus(h.ctx, j, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.refresh()
	h.syncJobs()
	if c := conditions(h.job("slow")); !slices.Equal(c, []batchv1.JobConditionType{batchv1.JobFailureTarget}) {
		t.Fatalf("conditions %v while the pod is deleted", c)
	}
	if n := len(h.pods("default")); n != 0 {
		t.Fatalf("%d pods left, want the running one deleted", n)
	}
	h.refresh()
	h.syncJobs()
	got := h.job("slow")
	if c := condition(got, batchv1.JobFailed); c.Status != corev1.ConditionTrue || c.Reason != batchv1.JobReasonDeadlineExceeded {
		t.Fatalf("Failed condition %+v", c)
	}
}

func finishedJob(name string, ttl *int32, finishedAgo time.Duration) *batchv1.Job {
	j := job(name, 1, 1, 6, false)
	j.Spec.TTLSecondsAfterFinished = ttl
	at := metav1.NewTime(time.Now().Add(-finishedAgo))
	j.Status.StartTime = &at
	j.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: at},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: at},
	}
	return j
}

func TestJobTTLAfterFinished(t *testing.T) {
	h := newHarness(t,
		finishedJob("expired", ptr(int32(0)), time.Second),
		finishedJob("waiting", ptr(int32(3600)), time.Second),
		finishedJob("kept", nil, time.Hour))
	h.syncJobs()
	if _, err := h.kc.BatchV1().Jobs("default").Get(h.ctx, "expired", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("job with ttlSecondsAfterFinished 0: %v, want deleted", err)
	}
	for _, name := range []string{"waiting", "kept"} {
		if _, err := h.kc.BatchV1().Jobs("default").Get(h.ctx, name, metav1.GetOptions{}); err != nil {
			t.Fatalf("job %s: %v, want kept", name, err)
		}
	}
	if n := len(h.pods("default")); n != 0 {
		t.Fatalf("%d pods made for finished Jobs", n)
	}
}

func TestPodsOfDeletedJobAreRemoved(t *testing.T) {
	h := newHarness(t, job("gone", 2, 2, 6, true), job("stays", 1, 1, 6, true))
	h.syncJobs()
	if n := len(h.pods("default")); n != 3 {
		t.Fatalf("%d pods, want 3", n)
	}
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "unowned", Namespace: "default"}}
	if _, err := h.kc.CoreV1().Pods("default").Create(h.ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := h.kc.BatchV1().Jobs("default").Delete(h.ctx, "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	h.refresh()
	h.syncJobs()
	var names []string
	for _, p := range h.pods("default") {
		names = append(names, p.Labels[jobNameLabel]+"/"+p.Name)
		if p.Labels[jobNameLabel] == "gone" {
			t.Errorf("pod %s of the deleted Job is still there", p.Name)
		}
	}
	if len(names) != 2 {
		t.Fatalf("pods left %v, want the other Job's and the unowned one", names)
	}
}

func TestSuspendedJobMakesNoPods(t *testing.T) {
	j := job("paused", 2, 2, 6, true)
	j.Spec.Suspend = ptr(true)
	h := newHarness(t, j)
	h.syncJobs()
	if n := len(h.pods("default")); n != 0 {
		t.Fatalf("%d pods for a suspended Job", n)
	}
}

func TestIndexIntervals(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{
		{nil, ""},
		{[]int{0}, "0"},
		{[]int{0, 1, 2}, "0-2"},
		{[]int{7, 6, 4, 2, 1, 0}, "0-2,4,6-7"},
		{[]int{1, 3, 5}, "1,3,5"},
		{[]int{9, 10, 12, 13, 14}, "9-10,12-14"},
	} {
		set := map[int]bool{}
		for _, i := range c.in {
			set[i] = true
		}
		if got := indexIntervals(set); got != c.want {
			t.Errorf("indexIntervals(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPodIndex(t *testing.T) {
	for _, c := range []struct {
		ann  map[string]string
		want int
	}{
		{nil, -1},
		{map[string]string{jobIndexKey: "0"}, 0},
		{map[string]string{jobIndexKey: "17"}, 17},
		{map[string]string{jobIndexKey: "x"}, -1},
		{map[string]string{"other": "3"}, -1},
	} {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: c.ann}}
		if got := podIndex(p); got != c.want {
			t.Errorf("podIndex(%v) = %d, want %d", c.ann, got, c.want)
		}
	}
}
