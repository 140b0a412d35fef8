package distributed

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/kube/kubetest"
	"github.com/lbctl/lbctl/loadtest"
)

var env *kubetest.Env

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &env)) }

func client(t *testing.T) kubernetes.Interface {
	t.Helper()
	kc, err := kubernetes.NewForConfig(env.Require(t).Config)
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

func testJob(name string, workers int) JobOptions {
	return JobOptions{Name: name, Namespace: "default", Image: "ghcr.io/lbctl/lbctl:v1", Workers: workers, Spec: `{"workers":2}`,
		CPURequest: "500m", CPULimit: "1", MemoryRequest: "128Mi", MemoryLimit: "256Mi", TTL: time.Minute}
}

// The API server accepts the Job as built and keeps what makes the
// workers safe (admission defaults do not undo any of it).
func TestJobValidAgainstAPIServer(t *testing.T) {
	kc := client(t)
	job, err := Job(testJob("lbctl-loadtest-valid", 4))
	if err != nil {
		t.Fatal(err)
	}
	got, err := kc.BatchV1().Jobs("default").Create(context.Background(), job, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatalf("the API server refuses the Job: %v", err)
	}
	pod := got.Spec.Template.Spec
	c := pod.Containers[0]
	if *got.Spec.CompletionMode != "Indexed" || *got.Spec.Parallelism != 4 || *pod.AutomountServiceAccountToken || !*c.SecurityContext.ReadOnlyRootFilesystem ||
		!*pod.SecurityContext.RunAsNonRoot || *got.Spec.TTLSecondsAfterFinished != 60 || got.Spec.Selector == nil {
		t.Fatalf("stored Job lost a setting: %+v", got.Spec)
	}
	// The "restricted" Pod Security Standard is the strictest a namespace
	// can enforce: the worker pods pass it.
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "restricted-loadtest", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}}
	if _, err := kc.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	pr := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "worker", Namespace: ns.Name}, Spec: *pod.DeepCopy()}
	if _, err := kc.CoreV1().Pods(ns.Name).Create(ctx, pr, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("a worker pod is refused by the restricted Pod Security Standard: %v", err)
	}
	// (and the namespace does enforce it: a pod with a writable root and
	// privileges kept is refused)
	pr.Spec.Containers[0].SecurityContext = nil
	if _, err := kc.CoreV1().Pods(ns.Name).Create(ctx, pr, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err == nil {
		t.Fatal("the restricted namespace admitted a pod without a security context")
	}
}

// With no pod running at the start time (nothing runs pods here), the run
// fails with the workers' state, and the Job it made is gone.
func TestRunGivesUpWhenWorkersDoNotStart(t *testing.T) {
	kc := client(t)
	o := testJob("lbctl-loadtest-nostart", 2)
	start := time.Now().Add(time.Second)
	t0 := time.Now()
	_, err := Run(context.Background(), kc, RunOptions{Job: o, StartAt: start, Late: time.Second, Within: time.Minute})
	if !errors.Is(err, ErrWorkers) || !strings.Contains(err.Error(), "only 0 of 2 workers") || !strings.Contains(err.Error(), "--start-delay") {
		t.Fatalf("want a start-barrier error, got %v", err)
	}
	if d := time.Since(t0); d > 20*time.Second {
		t.Fatalf("gave up after %s, want soon after the start time", d)
	}
	if _, err := kc.BatchV1().Jobs("default").Get(context.Background(), o.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the Job was left behind: %v", err)
	}
}

// Ctrl-C while waiting deletes the Job and reports an interruption.
func TestRunDeletesTheJobOnInterrupt(t *testing.T) {
	kc := client(t)
	o := testJob("lbctl-loadtest-ctrlc", 3)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			if _, err := kc.BatchV1().Jobs("default").Get(context.Background(), o.Name, metav1.GetOptions{}); err == nil {
				cancel()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	_, err := Run(ctx, kc, RunOptions{Job: o, StartAt: time.Now().Add(time.Minute), Within: time.Minute})
	if !errors.Is(err, loadtest.ErrInterrupted) {
		t.Fatalf("want an interruption, got %v", err)
	}
	if _, err := kc.BatchV1().Jobs("default").Get(context.Background(), o.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the Job was left behind: %v", err)
	}
}

// With secret headers, Run makes the Secret the pods read, owned by the
// Job, and deletes it when it returns.
func TestRunMakesAndDeletesTheSecret(t *testing.T) {
	kc := client(t)
	o := testJob("lbctl-loadtest-secret", 2)
	o.Secret = o.Name
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := make(chan *corev1.Secret, 1)
	go func() {
		for ctx.Err() == nil {
			if s, err := kc.CoreV1().Secrets("default").Get(ctx, o.Name, metav1.GetOptions{}); err == nil {
				seen <- s
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	_, err := Run(ctx, kc, RunOptions{Job: o, StartAt: time.Now().Add(time.Second), Late: time.Second, Within: time.Minute, SecretData: []byte(`{"0":{"Authorization":["Bearer x"]}}`)})
	if !errors.Is(err, ErrWorkers) {
		t.Fatalf("want the start-barrier error (nothing runs pods here), got %v", err)
	}
	select {
	case s := <-seen:
		if string(s.Data[SecretKey]) != `{"0":{"Authorization":["Bearer x"]}}` || len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "Job" || s.OwnerReferences[0].Name != o.Name {
			t.Errorf("secret %+v", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the Secret was never made")
	}
	if _, err := kc.CoreV1().Secrets("default").Get(context.Background(), o.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the Secret was left behind: %v", err)
	}
}
