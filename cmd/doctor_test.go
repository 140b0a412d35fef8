package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/permissions"
	"github.com/lbctl/lbctl/lbctl/preflight"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/lbctl/sandbox"
)

func TestDoctorBadOutput(t *testing.T) {
	code, _, stderr := runCmd(t, "doctor", "-o", "yaml")
	if code != exitcode.Usage {
		t.Fatalf("exit %d, want %d", code, exitcode.Usage)
	}
	assertOneLine(t, stderr, "--output", "text, json")
}

func doctorJSON(t *testing.T, args ...string) (int, preflight.DoctorReport, string) {
	t.Helper()
	code, out, stderr := runCmd(t, append(args, "doctor", "-o", "json")...)
	var rep preflight.DoctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor -o json: %v\n%s\n%s", err, out, stderr)
	}
	return code, rep, stderr
}

func byCheck(rep preflight.DoctorReport) map[string]preflight.DoctorCheck {
	m := map[string]preflight.DoctorCheck{}
	for _, c := range rep.Checks {
		m[c.Check] = c
	}
	return m
}

// TestDoctorAgainstSandbox: a healthy sandbox passes every check; a user
// without RBAC is told the verbs each command lacks and how to grant them,
// and granting the printed role clears them; without a region AWS fails
// in one clear line.
func TestDoctorAgainstSandbox(t *testing.T) {
	sb, kubeconfig := startWorld(t)

	code, rep, stderr := doctorJSON(t, "--kubeconfig", kubeconfig)
	if code != exitcode.OK {
		t.Fatalf("healthy sandbox: exit %d\n%+v\n%s", code, rep.Checks, stderr)
	}
	for _, c := range rep.Checks {
		if c.Status != preflight.DoctorOK {
			t.Errorf("healthy sandbox: %s is %s: %s", c.Check, c.Status, c.Message)
		}
	}
	checks := byCheck(rep)
	for _, c := range permissions.Commands() {
		if _, ok := checks["rbac/"+string(c)]; !ok {
			t.Errorf("no rbac line for %s", c)
		}
	}
	for _, a := range permissions.AWSActions(nil) {
		if _, ok := checks["iam/"+a]; !ok {
			t.Errorf("no iam line for %s", a)
		}
	}
	for _, want := range []string{"kube/context", "controller/deployment", "controller/ingressgroup", "controller/pod-readiness-gates",
		"controller/weighted-target-groups", "controller/webhook", "controller/ingressclass", "controller/crd-targetgroupbindings",
		"controller/crd-ingressclassparams", "aws/region", "aws/credentials", "aws/identity"} {
		if _, ok := checks[want]; !ok {
			t.Errorf("no %s line", want)
		}
	}
	if got := checks["aws/identity"].Message; !strings.Contains(got, "123456789012") {
		t.Errorf("aws/identity = %q, want the sandbox account", got)
	}

	// A user the API server knows but RBAC grants nothing.
	kc, err := sb.AddUser("doctor-without-rbac")
	if err != nil {
		t.Fatal(err)
	}
	userKubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(userKubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCmd(t, "--kubeconfig", userKubeconfig, "doctor")
	if code != exitcode.CheckFailed {
		t.Fatalf("no RBAC: exit %d, want %d\n%s\n%s", code, exitcode.CheckFailed, out, stderr)
	}
	assertOneLine(t, stderr, "checks failed")
	for _, c := range permissions.Commands() {
		line := doctorLine(out, "rbac/"+string(c))
		if !strings.HasPrefix(line, "fail ") || !strings.Contains(line, "kubectl lbctl rbac --for "+string(c)) {
			t.Errorf("rbac/%s line = %q, want a fail with the rbac fix", c, line)
		}
	}
	if line := doctorLine(out, "rbac/scan"); !strings.Contains(line, "list ingresses.networking.k8s.io") || !strings.Contains(line, "list pods") {
		t.Errorf("rbac/scan line %q does not name the missing verbs", line)
	}

	// Granting what `rbac --for scan` prints clears scan's line.
	grantRBAC(t, sb.Config, "doctor-without-rbac", "scan")
	_, rep, _ = doctorJSON(t, "--kubeconfig", userKubeconfig)
	if c := byCheck(rep)["rbac/scan"]; c.Status != preflight.DoctorOK {
		t.Errorf("after granting rbac --for scan: %s %s", c.Status, c.Message)
	}

	// No region: one clear failure, the rest of AWS not checked.
	t.Setenv("AWS_REGION", "")
	os.Unsetenv("AWS_REGION")
	code, out, _ = runCmd(t, "--kubeconfig", kubeconfig, "doctor")
	if code != exitcode.CheckFailed {
		t.Fatalf("no region: exit %d\n%s", code, out)
	}
	if line := doctorLine(out, "aws/region"); !strings.HasPrefix(line, "fail ") || !strings.Contains(line, "no AWS region is set") || !strings.Contains(line, "--region") {
		t.Errorf("aws/region line = %q", line)
	}
	// --no-aws: the cluster alone passes.
	code, out, _ = runCmd(t, "--kubeconfig", kubeconfig, "doctor", "--no-aws")
	if code != exitcode.OK || !strings.HasPrefix(doctorLine(out, "aws"), "not-checked") {
		t.Errorf("--no-aws: exit %d\n%s", code, out)
	}

	checkModelAgainstController(t, sb, kubeconfig)
}

// checkModelAgainstController: the sandbox's controller writes each
// group's model into the dry-run-plan annotation, render's model equals
// it byte for byte, and doctor reports a seeded difference: the
// controller's Deployment given a flag the running controller does not
// have (as after an edit nobody rolled out).
func checkModelAgainstController(t *testing.T, sb *sandbox.Sandbox, kubeconfig string) {
	t.Helper()
	ctx := context.Background()
	for _, kv := range sb.Env() {
		t.Setenv(kv[0], kv[1])
	}
	code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "render", "-A", "-o", "json")
	if code != exitcode.OK {
		t.Fatalf("render -A: exit %d\n%s", code, stderr)
	}
	var m render.Model
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, g := range m.Groups {
		if g.Stack == nil {
			continue
		}
		ns, name, _ := strings.Cut(g.Members[0], "/")
		in, err := sb.Kube.NetworkingV1().Ingresses(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mine, _ := json.Marshal(g.Stack)
		if theirs := in.Annotations[lbc.PlanAnnotation]; theirs != string(mine) {
			t.Errorf("group %s: render's stack and the controller's %s differ:\n%s\n%s", g.ID, lbc.PlanAnnotation, mine, theirs)
		}
		compared++
	}
	if compared == 0 {
		t.Fatal("no group built: nothing compared")
	}
	dep, err := sb.Kube.AppsV1().Deployments("kube-system").Get(ctx, lbc.ControllerNameLabel, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dep.Spec.Template.Spec.Containers[0].Args = append(dep.Spec.Template.Spec.Containers[0].Args, "--default-target-type=ip")
	if _, err := sb.Kube.AppsV1().Deployments("kube-system").Update(ctx, dep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, rep, _ := doctorJSON(t, "--kubeconfig", kubeconfig)
	c := byCheck(rep)["controller/model"]
	if code != exitcode.CheckFailed || c.Status != preflight.DoctorFail || !strings.Contains(c.Message, "targetType") {
		t.Errorf("seeded difference: exit %d, controller/model %s: %s", code, c.Status, c.Message)
	}
}

func doctorLine(out, check string) string {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) > 1 && f[1] == check {
			return l
		}
	}
	return ""
}

// grantRBAC applies the ClusterRole `rbac --for cmd` prints and binds it to
// user in every namespace.
func grantRBAC(t *testing.T, cfg *rest.Config, user, cmd string) {
	t.Helper()
	bindRBAC(t, cfg, user, cmd, "")
}

// bindInNamespace applies `rbac --for cmd`'s ClusterRole and binds it to user
// in one namespace only (a RoleBinding).
func bindInNamespace(t *testing.T, cfg *rest.Config, user, cmd, ns string) {
	t.Helper()
	bindRBAC(t, cfg, user, cmd, ns)
}

// bindRBAC creates `rbac --for cmd`'s ClusterRole (unless it exists) and a
// ClusterRoleBinding to user, or a RoleBinding in ns when ns is set.
func bindRBAC(t *testing.T, cfg *rest.Config, user, cmd, ns string) {
	t.Helper()
	code, out, stderr := runCmd(t, "rbac", "--for", cmd)
	if code != 0 {
		t.Fatalf("rbac: %s", stderr)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal([]byte(out), &role); err != nil {
		t.Fatal(err)
	}
	admin := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, &role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	meta := metav1.ObjectMeta{Name: role.Name + "-" + user, Namespace: ns}
	ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name}
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, Name: user, APIGroup: rbacv1.GroupName}}
	var err error
	if ns == "" {
		_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: subjects}, metav1.CreateOptions{})
	} else {
		_, err = admin.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta, RoleRef: ref, Subjects: subjects}, metav1.CreateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}
