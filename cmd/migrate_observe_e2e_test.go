package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"

	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
)

// gitopsResources are the kinds a plan's manifests hold.
var gitopsResources = map[string]schema.GroupVersionResource{
	"Service":    {Version: "v1", Resource: "services"},
	"Namespace":  {Version: "v1", Resource: "namespaces"},
	"Ingress":    {Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
	"Deployment": {Group: "apps", Version: "v1", Resource: "deployments"},
}

// gitops carries out the plan in dir step by step as a team syncing a pull
// request per step would (its own field manager, server-side apply,
// deletes, `kubectl rollout restart`), each step once the observer's
// journal says the one before is done. It returns when every step was
// made, or with the first error.
func gitops(ctx context.Context, dc dynamic.Interface, dir string) error {
	d, err := plan.ReadDir(dir)
	if err != nil {
		return err
	}
	var steps []plan.Step
	for _, ph := range d.Plan.Phases {
		steps = append(steps, ph.Steps...)
	}
	for i, st := range steps {
		if i > 0 {
			if err := waitJournalStepDone(ctx, filepath.Join(dir, "journal.json"), i-1); err != nil {
				return err
			}
		}
		switch st.Op {
		case plan.OpApply, plan.OpDelete:
			objs, err := decodeManifest(d.Files[st.Manifest], d.Plan.Namespace)
			if err != nil {
				return err
			}
			for _, u := range objs {
				gvr, ok := gitopsResources[u.GetKind()]
				if !ok {
					return errors.New("no resource for kind " + u.GetKind())
				}
				var ri dynamic.ResourceInterface = dc.Resource(gvr)
				if u.GetKind() != "Namespace" {
					ri = dc.Resource(gvr).Namespace(u.GetNamespace())
				}
				if st.Op == plan.OpDelete {
					err = ri.Delete(ctx, u.GetName(), metav1.DeleteOptions{})
				} else {
					_, err = ri.Apply(ctx, u.GetName(), u, metav1.ApplyOptions{FieldManager: "gitops-sync", Force: true})
				}
				if err != nil {
					return err
				}
			}
		case plan.OpRestart:
			for _, o := range st.Objects {
				patch := `{"spec":{"template":{"metadata":{"annotations":{"` + apply.RestartedAtAnnotation + `":"` + time.Now().UTC().Format(time.RFC3339) + `"}}}}}`
				if _, err := dc.Resource(gitopsResources["Deployment"]).Namespace(o.Namespace).Patch(ctx, o.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "kubectl-rollout"}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func decodeManifest(data []byte, ns string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetNamespace() == "" && u.GetKind() != "Namespace" {
			u.SetNamespace(ns)
		}
		out = append(out, u)
	}
}

// waitJournalStepDone waits until the observer's local journal records
// step i as done.
func waitJournalStepDone(ctx context.Context, path string, i int) error {
	for {
		if b, err := os.ReadFile(path); err == nil {
			var j apply.Journal
			if json.Unmarshal(b, &j) == nil && i < len(j.Steps) && j.Steps[i].State == apply.StepDone {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestMigrateObservedUnderLoadFailsNoRequest: the default scenario carried
// out by another process, step by step as pull requests would be synced,
// while `migrate apply --observe` writes nothing but its journal, waits for
// each change, and runs the same gates (rollouts, addresses, health, soaks
// with a verification load); 200 req/s through DNS fail none.
func TestMigrateObservedUnderLoadFailsNoRequest(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	followPreStopAdvice(t, sb, kubeconfig)
	dir := filepath.Join(t.TempDir(), "migration")
	if code, _, stderr := runCmd(t, "--kubeconfig", kubeconfig, "plan", "-A", "--steps", "50,100", "--soak", "1s", "--out-dir", dir); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	stop := make(chan struct{})
	load := steadyLoad(t, sb, 200, stop)
	time.Sleep(time.Second)

	synced := make(chan error, 1)
	go func() { synced <- gitops(ctx, sb.Dynamic, dir) }()
	var env []string
	for _, kv := range sb.Env() {
		env = append(env, kv[0]+"="+kv[1])
	}
	streams, _, outBuf, errBuf := TestStreams(env...)
	code := Run(ctx, streams, NewFactory(), "kubectl lbctl", []string{"--kubeconfig", kubeconfig, "migrate", "apply", "--observe", "--plan", dir, "--yes",
		"--poll", "100ms", "--wait-timeout", "60s", "--journal-namespace", "default", "--verify-rate", "20"})
	out, stderr := outBuf.String(), errBuf.String()
	time.Sleep(time.Second)
	close(stop)
	res := <-load
	t.Logf("migrate apply --observe:\n%s", out)
	if code != 0 {
		t.Fatalf("migrate apply --observe: exit %d\n%s", code, stderr)
	}
	if err := <-synced; err != nil {
		t.Fatalf("the other process: %v", err)
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 1 && (f[1] == "applied" || f[1] == "deleted" || f[1] == "restarted") {
			t.Errorf("the observer reports a write of its own: %s", line)
		}
	}
	if n := strings.Count(out, "observed "); n < 6 {
		t.Errorf("only %d changes observed:\n%s", n, out)
	}
	if n := strings.Count(out, "verification load: "); n != 6 || !strings.Contains(out, " 0 errors") {
		t.Errorf("want a verification load with 0 errors in each of the 6 traffic steps, got %d:\n%s", n, out)
	}
	t.Logf("%d requests during the migration, %d failed", res.requests, res.failed())
	if res.requests < 200*5 {
		t.Errorf("only %d requests were sent", res.requests)
	}
	if res.failed() != 0 {
		t.Errorf("%d of %d requests failed during the migration:\n%s", res.failed(), res.requests, describeErrors(res.errors))
	}
	// lbctl's own field manager owns nothing the migration changed.
	svc, err := sb.Kube.CoreV1().Services("team-a").Get(ctx, "cart", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range svc.ManagedFields {
		if mf.Manager == apply.FieldManager {
			t.Errorf("Service team-a/cart has fields managed by %s after an observed migration", apply.FieldManager)
		}
	}
	if lbs := sb.Emulator.LoadBalancers(); len(lbs) != 3 {
		t.Errorf("%d ALBs after the migration, want 3 shared ones", len(lbs))
	}
	code, out, _ = runCmd(t, "--kubeconfig", kubeconfig, "migrate", "status", "--plan", dir, "--journal-namespace", "default")
	if code != 0 || !strings.Contains(out, ": done,") {
		t.Errorf("status: exit %d\n%s", code, out)
	}
}
