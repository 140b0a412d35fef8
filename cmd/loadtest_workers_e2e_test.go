package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/loadtest/distributed"
)

// startWorkerWorld is startWorld with lbctl's image run by the built
// binary, so the sandbox's kubelet can run load-test workers.
func startWorkerWorld(t *testing.T) (*sandbox.Sandbox, string) {
	t.Helper()
	return startWorldWith(t, sandbox.Options{Binaries: map[string]string{sandbox.LbctlImage: buildBinary(t)}})
}

// A distributed run in the sandbox: three worker pods (local processes of
// lbctl) send a third of the load each through the storefront ALB, and the
// merged result counts every request once, judged on the merged data.
func TestLoadtestWorkersInSandbox(t *testing.T) {
	sb, kubeconfig := startWorkerWorld(t)
	ctx := context.Background()
	save := filepath.Join(t.TempDir(), "merged.json")
	args := []string{"--kubeconfig", kubeconfig, "loadtest", "run", "--ingress", "team-a/storefront", "--workers", "3",
		"--rate", "60/s", "--duration", "3s", "--start-delay", "8s", "--job-namespace", "default", "--keep-workers",
		"--threshold", "errors<1%", "--threshold", "p99<2s", "--save", save, "-o", "json", "--tui=false"}
	code, out, stderr := runCmd(t, args...)
	if code != 0 {
		t.Fatalf("loadtest run --workers 3: exit %d\n%s\n%s", code, stderr, out)
	}
	run, err := loadtest.LoadRun(save)
	if err != nil {
		t.Fatal(err)
	}
	// 60/s for 3 s is 180 requests, a third from each worker.
	if run.Meta.Merged != 3 || run.Requests < 170 || run.Requests > 190 || run.Errors != 0 {
		t.Fatalf("merged %d runs: %d requests, %d errors\n%s", run.Meta.Merged, run.Requests, run.Errors, stderr)
	}
	if len(run.Thresholds) != 2 || !run.Thresholds[0].Passed || !run.Thresholds[1].Passed {
		t.Fatalf("thresholds: %+v", run.Thresholds)
	}
	if len(run.Pods) < 2 {
		t.Fatalf("want responses from the storefront's pods, got %v", run.Pods)
	}
	var printed loadtest.Run
	if err := json.Unmarshal([]byte(out), &printed); err != nil || printed.Requests != run.Requests {
		t.Fatalf("-o json printed %d requests (%v), saved %d", printed.Requests, err, run.Requests)
	}
	for _, want := range []string{"3/3 workers running", "worker 0 finished", "merged 3 workers' runs"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// The Job is complete with every index, and (kept) its pods' logs are
	// readable through the API server from the sandbox's kubelets.
	jobs, err := sb.Kube.BatchV1().Jobs("default").List(ctx, metav1.ListOptions{})
	if err != nil || len(jobs.Items) != 1 {
		t.Fatalf("jobs: %v %v", jobs, err)
	}
	job := jobs.Items[0]
	if job.Status.Succeeded != 3 || job.Status.CompletedIndexes != "0-2" || job.Status.CompletionTime == nil {
		t.Fatalf("job status %+v", job.Status)
	}
	pods, err := sb.Kube.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: distributed.LabelRun + "=" + job.Name})
	if err != nil || len(pods.Items) != 3 {
		t.Fatalf("worker pods: %d %v", len(pods.Items), err)
	}
	starts := map[string]bool{}
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodSucceeded {
			t.Errorf("pod %s %s", p.Name, p.Status.Phase)
		}
		rc, err := sb.Kube.CoreV1().Pods("default").GetLogs(p.Name, &corev1.PodLogOptions{Container: "worker"}).Stream(ctx)
		if err != nil {
			t.Fatalf("logs of %s through the API server: %v", p.Name, err)
		}
		sc := bufio.NewScanner(rc)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if at, ok := strings.CutPrefix(sc.Text(), "worker "); ok && strings.Contains(at, "starting at") {
				starts[at[strings.Index(at, "starting at"):]] = true
			}
		}
		rc.Close()
	}
	if len(starts) != 1 {
		t.Fatalf("the workers did not share one start time: %v", starts)
	}
	bg := metav1.DeletePropagationBackground
	if err := sb.Kube.BatchV1().Jobs("default").Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
		t.Fatal(err)
	}
	waitWorkersGone(t, sb)
	// (the same world: a sandbox takes a while to start)
	t.Run("interrupted", func(t *testing.T) { testWorkersInterrupted(t, sb, kubeconfig) })
}

// Interrupting a distributed run deletes its Job and pods and exits 4.
func testWorkersInterrupted(t *testing.T, sb *sandbox.Sandbox, kubeconfig string) {
	ctx, cancel := context.WithCancel(context.Background())
	streams, _, _, errOut := TestStreams()
	done := make(chan int)
	go func() {
		done <- Run(ctx, streams, NewFactory(), "kubectl lbctl", []string{"--kubeconfig", kubeconfig, "loadtest", "run",
			"--ingress", "team-a/storefront", "--workers", "2", "--rate", "20/s", "--duration", "1m", "--start-delay", "5s",
			"--job-namespace", "default", "--tui=false"})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		pods, _ := sb.Kube.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: distributed.LabelRun})
		running := 0

		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		if running == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers never ran: %s", errOut.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(6 * time.Second) // into the attack
	cancel()
	if code := <-done; code != 4 {
		t.Fatalf("exit %d, want 4 (interrupted)\n%s", code, errOut.String())
	}
	waitWorkersGone(t, sb)
}

// waitWorkersGone waits until no load-test Job or worker pod is left.
func waitWorkersGone(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	gone := func() bool {
		jobs, _ := sb.Kube.BatchV1().Jobs("default").List(context.Background(), metav1.ListOptions{})
		pods, _ := sb.Kube.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{LabelSelector: distributed.LabelRun})
		return len(jobs.Items) == 0 && len(pods.Items) == 0
	}
	for i := 0; i < 200 && !gone(); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if !gone() {
		t.Fatal("a load-test Job or its pods were left behind")
	}
}
