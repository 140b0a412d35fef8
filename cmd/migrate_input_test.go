package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/migrate/apply"
)

// TestMigrateRefusesBadInput: every refusal is one line naming the object
// and the fix, with its exit code, and changes nothing in the cluster.
func TestMigrateRefusesBadInput(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	ctx := context.Background()
	dir, _ := planFor(t, kubeconfig)
	base := []string{"--kubeconfig", kubeconfig, "migrate", "apply", "--journal-namespace", "default", "--poll", "100ms"}
	nothingWritten := func(t *testing.T) {
		t.Helper()
		cms, err := sb.Kube.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=lbctl"})
		if err != nil {
			t.Fatal(err)
		}
		if len(cms.Items) != 0 {
			t.Errorf("a journal was written: %s", cms.Items[0].Name)
		}
		if _, err := sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "cart-ip", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("a copy was created (err %v)", err)
		}
	}
	copyPlan := func(t *testing.T, edit func(string) string) string {
		t.Helper()
		d := filepath.Join(t.TempDir(), "plan")
		if err := os.CopyFS(d, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(d, "plan.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "plan.json"), []byte(edit(string(b))), 0o600); err != nil {
			t.Fatal(err)
		}
		return d
	}

	t.Run("no terminal and no --yes", func(t *testing.T) {
		code, _, stderr := runCmd(t, append(base, "--plan", dir)...)
		if code != exitcode.Usage {
			t.Fatalf("exit %d, want %d", code, exitcode.Usage)
		}
		assertOneLine(t, stderr, "--yes")
		nothingWritten(t)
	})
	t.Run("plan that does not parse", func(t *testing.T) {
		d := copyPlan(t, func(s string) string { return s[:len(s)/2] })
		code, _, stderr := runCmd(t, append(base, "--plan", d, "--yes")...)
		if code != exitcode.Usage {
			t.Fatalf("exit %d, want %d", code, exitcode.Usage)
		}
		assertOneLine(t, stderr, "does not parse", "plan --out-dir")
		nothingWritten(t)
	})
	t.Run("plan for another cluster", func(t *testing.T) {
		d := copyPlan(t, func(s string) string {
			var p map[string]any
			if err := json.Unmarshal([]byte(s), &p); err != nil {
				t.Fatal(err)
			}
			if p["cluster"] != "sandbox" {
				t.Fatalf("the plan is for cluster %v, want sandbox", p["cluster"])
			}
			p["cluster"] = "prod-eu"
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		})
		code, _, stderr := runCmd(t, append(base, "--plan", d, "--yes")...)
		if code != exitcode.Usage {
			t.Fatalf("exit %d, want %d\n%s", code, exitcode.Usage, stderr)
		}
		assertOneLine(t, stderr, `cluster "prod-eu"`, `cluster "sandbox"`)
		nothingWritten(t)
	})
	t.Run("outdated plan", func(t *testing.T) {
		in, err := sb.Kube.NetworkingV1().Ingresses("team-b").Get(ctx, "search", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in.Annotations["alb.ingress.kubernetes.io/healthcheck-path"] = "/ready"
		if _, err := sb.Kube.NetworkingV1().Ingresses("team-b").Update(ctx, in, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		defer func() {
			in, _ := sb.Kube.NetworkingV1().Ingresses("team-b").Get(ctx, "search", metav1.GetOptions{})
			in.Annotations["alb.ingress.kubernetes.io/healthcheck-path"] = "/healthz"
			if _, err := sb.Kube.NetworkingV1().Ingresses("team-b").Update(ctx, in, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}()
		code, _, stderr := runCmd(t, append(base, "--plan", dir, "--yes")...)
		if code != exitcode.Usage {
			t.Fatalf("exit %d, want %d\n%s", code, exitcode.Usage, stderr)
		}
		assertOneLine(t, stderr, "outdated", "Ingress team-b/search changed", "make the plan again")
		nothingWritten(t)
	})
	t.Run("missing RBAC for the writes", func(t *testing.T) {
		kc, err := sb.AddUser("migrate-viewer")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sb.Kube.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "migrate-viewer"},
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
			Subjects:   []rbacv1.Subject{{Kind: "User", Name: "migrate-viewer"}},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "kubeconfig")
		if err := os.WriteFile(path, kc, 0o600); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--kubeconfig", path}, base[2:]...)
		code, _, stderr := runCmd(t, append(args, "--plan", dir, "--yes")...)
		if code != exitcode.Unreachable {
			t.Fatalf("exit %d, want %d\n%s", code, exitcode.Unreachable, stderr)
		}
		assertOneLine(t, stderr, "not allowed to", "patch ingresses.networking.k8s.io in team-a", "rbac --for migrate")
		nothingWritten(t)
	})
	t.Run("journal held by another migration", func(t *testing.T) {
		_, out, _ := runCmd(t, "--kubeconfig", kubeconfig, "migrate", "status", "--plan", dir, "--journal-namespace", "default")
		id := strings.Fields(out)[1]
		holder := "ci-runner-7/4242"
		now := metav1.NewMicroTime(time.Now())
		secs := int32(30)
		if _, err := sb.Kube.CoordinationV1().Leases("default").Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: apply.ConfigMapName(id)},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &now},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		defer sb.Kube.CoordinationV1().Leases("default").Delete(ctx, apply.ConfigMapName(id), metav1.DeleteOptions{})
		code, _, stderr := runCmd(t, append(base, "--plan", dir, "--yes")...)
		if code != exitcode.Usage {
			t.Fatalf("exit %d, want %d\n%s", code, exitcode.Usage, stderr)
		}
		assertOneLine(t, stderr, "held by ci-runner-7/4242", "another migrate is running", "kubectl delete lease")
	})
	t.Run("unknown phase", func(t *testing.T) {
		code, _, stderr := runCmd(t, append(base, "--plan", dir, "--yes", "--until", "cut-over")...)
		if code != exitcode.Usage {
			t.Fatalf("exit %d, want %d", code, exitcode.Usage)
		}
		assertOneLine(t, stderr, `no phase "cut-over"`, "shift-traffic")
		nothingWritten(t)
	})
}

// TestMigrateDryRunAndReviewPoints: --dry-run=server sends every write of
// the first phases through the API server and persists nothing; --until
// stops after a phase with the journal saying so, and resume continues.
func TestMigrateDryRunAndReviewPoints(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	ctx := context.Background()
	dir, _ := planFor(t, kubeconfig)
	base := []string{"--kubeconfig", kubeconfig, "migrate", "apply", "--plan", dir, "--yes", "--journal-namespace", "default", "--poll", "100ms", "--force-conflicts"}
	code, out, stderr := runCmd(t, append(base, "--dry-run=server", "--until", "create")...)
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "dry run: the API server accepts applying Ingress team-a/cart-ip") || !strings.Contains(out, "nothing was persisted") ||
		strings.Contains(out, "applied Ingress") {
		t.Errorf("dry run output:\n%s", out)
	}
	if _, err := sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "cart-ip", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the dry run created a copy (err %v)", err)
	}
	code, _, stderr = runCmd(t, append(base, "--until", "create")...)
	if code != 0 {
		t.Fatalf("--until create: exit %d\n%s", code, stderr)
	}
	_, out, _ = runCmd(t, "--kubeconfig", kubeconfig, "migrate", "status", "--plan", dir, "--journal-namespace", "default")
	if !strings.Contains(out, "stopped") || !strings.Contains(out, "next: step") || !strings.Contains(out, "(restart)") {
		t.Errorf("status after --until create:\n%s", out)
	}
	if _, err := sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "cart-ip", metav1.GetOptions{}); err != nil {
		t.Errorf("the create phase made no copy: %v", err)
	}
	code, _, stderr = runCmd(t, append(base, "--phase", "shift-traffic")...)
	if code != exitcode.Usage {
		t.Errorf("--phase shift-traffic before restart: exit %d, want %d", code, exitcode.Usage)
	}
	assertOneLine(t, stderr, "phase restart is not done", "--until restart")
	code, _, stderr = runCmd(t, "--kubeconfig", kubeconfig, "migrate", "rollback", "--plan", dir, "--yes", "--journal-namespace", "default", "--poll", "100ms")
	if code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, stderr)
	}
	if _, err := sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "cart-ip", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("rollback left the copy (err %v)", err)
	}
}

// TestMigrateUndoesATrafficStepThatFailsVerification: a verification load
// that breaks its threshold undoes the traffic step (the weights go back)
// and stops with exit 1 at a resumable point.
func TestMigrateUndoesATrafficStepThatFailsVerification(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	ctx := context.Background()
	dir, _ := planFor(t, kubeconfig)
	var env []string
	for _, kv := range sb.Env() {
		env = append(env, kv[0]+"="+kv[1])
	}
	streams, _, outBuf, errBuf := TestStreams(env...)
	code := Run(ctx, streams, NewFactory(), "kubectl lbctl", []string{"--kubeconfig", kubeconfig, "migrate", "apply", "--plan", dir, "--yes", "--force-conflicts",
		"--poll", "100ms", "--wait-timeout", "60s", "--journal-namespace", "default", "--verify-rate", "20", "--verify-threshold", "p99<1us"})
	if code != exitcode.CheckFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitcode.CheckFailed, outBuf.String(), errBuf.String())
	}
	assertOneLine(t, errBuf.String(), "new path is unhealthy at 50%", "verification load", "p99<1us", "was undone", "migrate resume")
	in, err := sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "cart", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "cart-ip", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w, cw := in.Annotations["external-dns.alpha.kubernetes.io/aws-weight"], cp.Annotations["external-dns.alpha.kubernetes.io/aws-weight"]; w != "100" || cw != "0" {
		t.Errorf("after the undo the weights are old %q, new %q; want 100 and 0", w, cw)
	}
	_, out, _ := runCmd(t, "--kubeconfig", kubeconfig, "migrate", "status", "--plan", dir, "--journal-namespace", "default")
	if !strings.Contains(out, "stopped") || !strings.Contains(out, "(shift-traffic)") {
		t.Errorf("status after the undo:\n%s", out)
	}
}
