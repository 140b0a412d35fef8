package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
)

// planFor writes the plan of the sandbox's default scenario to a directory
// and returns it with its steps in order.
func planFor(t *testing.T, kubeconfig string) (string, []plan.Step) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "migration")
	if code, _, stderr := runCmd(t, "--kubeconfig", kubeconfig, "plan", "-A", "--steps", "50,100", "--soak", "500ms", "--out-dir", dir, "-o", "json"); code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	var steps []plan.Step
	for _, ph := range p.Phases {
		steps = append(steps, ph.Steps...)
	}
	return dir, steps
}

// writes reports whether a step writes objects (its kill point is after its
// first write; other steps are killed as they start).
func writes(op string) bool {
	return op == plan.OpApply || op == plan.OpDelete || op == plan.OpRestart
}

// runKilledAt runs the binary with args and SIGKILLs it inside step k: after
// the step's first write, or as it starts when it writes nothing. It
// returns false when the process ended on its own first.
func runKilledAt(t *testing.T, bin string, k int, op string, args ...string) bool {
	t.Helper()
	c := exec.Command(bin, args...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var ev apply.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not NDJSON: %q", sc.Text())
		}
		at := ev.Step == k && ((writes(op) && ev.Type == apply.EventWrite) || (!writes(op) && ev.Type == apply.EventStep))
		if at && !killed {
			if err := c.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = c.Wait()
	if !killed && err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	return killed
}

func migrateArgs(kubeconfig, sub, dir string, extra ...string) []string {
	return append([]string{"--kubeconfig", kubeconfig, "migrate", sub, "--plan", dir, "--yes", "-o", "ndjson", "--force-conflicts",
		"--poll", "100ms", "--wait-timeout", "60s", "--journal-namespace", "default"}, extra...)
}

// worldObjects is what a rollback must restore exactly: the labels,
// annotations and spec of every Namespace, Service, Ingress and Deployment
// of the apps, by kind/namespace/name.
func worldObjects(t *testing.T, sb *sandbox.Sandbox) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	add := func(kind string, m metav1.Object, spec any) {
		if !strings.HasPrefix(m.GetNamespace()+m.GetName(), "team-") {
			return
		}
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&struct {
			Labels      map[string]string `json:"labels,omitempty"`
			Annotations map[string]string `json:"annotations,omitempty"`
			Spec        any               `json:"spec,omitempty"`
		}{m.GetLabels(), m.GetAnnotations(), spec})
		if err != nil {
			t.Fatal(err)
		}
		out[kind+" "+m.GetNamespace()+"/"+m.GetName()] = u
	}
	nss, err := sb.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range nss.Items {
		add("Namespace", &nss.Items[i], nil)
	}
	svcs, err := sb.Kube.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range svcs.Items {
		add("Service", &svcs.Items[i], svcs.Items[i].Spec)
	}
	ings, err := sb.Kube.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range ings.Items {
		add("Ingress", &ings.Items[i], ings.Items[i].Spec)
	}
	deps, err := sb.Kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range deps.Items {
		add("Deployment", &deps.Items[i], deps.Items[i].Spec)
	}
	return out
}

// awsNames lists the load balancers and target groups in the AWS endpoint.
func awsNames(sb *sandbox.Sandbox) []string {
	snap := sb.AWS.State().Snapshot()
	var out []string
	for _, lb := range snap.LoadBalancers {
		out = append(out, "lb "+aws.ToString(lb.LoadBalancerName))
	}
	for _, tg := range snap.TargetGroups {
		out = append(out, "tg "+aws.ToString(tg.TargetGroupName))
	}
	sort.Strings(out)
	return out
}

// TestMigrateResumesAfterSIGKILLAtEveryStep kills lbctl inside every step
// in turn, each time resuming from the journal, and ends with the migration
// done and the world as the plan wants it.
func TestMigrateResumesAfterSIGKILLAtEveryStep(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	bin := buildBinary(t)
	dir, steps := planFor(t, kubeconfig)
	start := time.Now()
	for k, st := range steps {
		sub := "resume"
		if k == 0 {
			sub = "apply"
		}
		if !runKilledAt(t, bin, k, st.Op, migrateArgs(kubeconfig, sub, dir)...) {
			t.Fatalf("the migration ended before step %d (%s)", k, st.Action)
		}
	}
	c := exec.Command(bin, migrateArgs(kubeconfig, "resume", dir)...)
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("final resume: %v\n%s", err, out)
	}
	t.Logf("%d kills and resumes in %s", len(steps), time.Since(start).Round(time.Millisecond))
	code, out, _ := runCmd(t, "--kubeconfig", kubeconfig, "migrate", "status", "--plan", dir, "--journal-namespace", "default", "-o", "json")
	var j apply.Journal
	if code != 0 || json.Unmarshal([]byte(out), &j) != nil {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	if j.State != apply.StateDone {
		t.Errorf("journal state %q after the last resume", j.State)
	}
	for _, s := range j.Steps {
		if s.State != apply.StepDone {
			t.Errorf("step %d %s is %s", s.Index, s.Action, s.State)
		}
	}
	if lbs := sb.Emulator.LoadBalancers(); len(lbs) != 3 {
		t.Errorf("%d ALBs after the migration, want 3", len(lbs))
	}
	for _, tg := range sb.AWS.State().Snapshot().TargetGroups {
		if tg.TargetType != elbv2types.TargetTypeEnumIp {
			t.Errorf("target group %s of type %s left", aws.ToString(tg.TargetGroupName), tg.TargetType)
		}
	}
}

// TestMigrateRollbackAfterSIGKILLAtEveryStep kills lbctl inside every step
// in turn and rolls back each time: every object comes back field for
// field, and the AWS endpoint holds exactly the load balancers and target
// groups it held before.
func TestMigrateRollbackAfterSIGKILLAtEveryStep(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	bin := buildBinary(t)
	dir, steps := planFor(t, kubeconfig)
	wantObjs, wantAWS := worldObjects(t, sb), awsNames(sb)
	start := time.Now()
	for k, st := range steps {
		if !runKilledAt(t, bin, k, st.Op, migrateArgs(kubeconfig, "apply", dir)...) {
			t.Fatalf("the migration ended before step %d (%s)", k, st.Action)
		}
		c := exec.Command(bin, migrateArgs(kubeconfig, "rollback", dir)...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("rollback after a kill in step %d (%s): %v\n%s", k, st.Action, err, out)
		}
		if diff := cmp.Diff(wantObjs, worldObjects(t, sb)); diff != "" {
			t.Fatalf("after a kill in step %d (%s) and rollback, objects differ (-before +after):\n%s", k, st.Action, diff)
		}
		if diff := cmp.Diff(wantAWS, awsNames(sb)); diff != "" {
			t.Fatalf("after a kill in step %d (%s) and rollback, AWS differs (-before +after):\n%s", k, st.Action, diff)
		}
	}
	t.Logf("%d kills and rollbacks in %s", len(steps), time.Since(start).Round(time.Millisecond))
}
