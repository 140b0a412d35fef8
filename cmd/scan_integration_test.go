package cmd

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/migrate/scan"
)

const estateDir = "../migrate/scan/testdata/estate"

// loadEstateOnce puts the example estate into the shared API server.
func loadEstate(t *testing.T) (kubeconfig string) {
	t.Helper()
	s := env.Require(t)
	objs, err := kube.ReadFiles([]string{estateDir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kc := kubernetes.NewForConfigOrDie(s.Config)
	dc := dynamic.NewForConfigOrDie(s.Config)
	if err := kube.Create(context.Background(), kc, dc, objs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, s.Kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startAWS serves the estate's AWS state through the sandbox endpoint and
// points the SDK at it through the environment, as a user's shell would.
func startAWS(t *testing.T) *awsendpoint.Handler {
	t.Helper()
	b, err := os.ReadFile("../migrate/scan/testdata/estate-aws.json")
	if err != nil {
		t.Fatal(err)
	}
	var st awsapi.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	h := awsendpoint.NewHandler(awsendpoint.NewState(), awsendpoint.Options{Rand: rand.New(rand.NewPCG(3, 4))})
	if err := h.State().Load(&st); err != nil {
		t.Fatal(err)
	}
	srv, err := awsendpoint.Start("", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	isolateAWS(t)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	t.Setenv("AWS_REGION", "us-west-2")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSANDBOX")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "sandbox-secret")
	return h
}

func decodeReport(t *testing.T, out string) *scan.Report {
	t.Helper()
	var r scan.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("scan -o json output is not a report: %v\n%s", err, out)
	}
	return &r
}

// TestScanClusterMatchesFiles scans the estate from the real API server and
// the AWS endpoint, and the same estate from its manifests: the reports agree.
func TestScanClusterMatchesFiles(t *testing.T) {
	kubeconfig := loadEstate(t)
	h := startAWS(t)

	code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "scan", "-A", "-o", "json", "--cluster-name", "prod")
	if code != 0 {
		t.Fatalf("scan -A: exit %d\n%s", code, stderr)
	}
	fromCluster := decodeReport(t, out)
	calls := h.Calls()

	code, out, stderr = runCmd(t, "scan", "-f", estateDir, "-o", "json", "--cluster-name", "prod")
	if code != 0 {
		t.Fatalf("scan -f: exit %d\n%s", code, stderr)
	}
	fromFiles := decodeReport(t, out)

	// Orphans are judged only from a whole-cluster read: the files cannot
	// show every Ingress of the cluster, so they say how many ALBs and
	// target groups were not judged instead. That is the one difference.
	orphans := withoutFindings(fromCluster, scan.CodeOrphanALB, scan.CodeOrphanTargetGroup)
	notJudged := withoutFindings(fromFiles, scan.CodeOrphansNotJudged)
	if orphans != 2 || notJudged != 1 {
		t.Errorf("cluster scan: %d orphan findings, want the ALB and the target group no Ingress names; file scan: %d orphans-not-judged findings, want 1", orphans, notJudged)
	}
	if fromCluster.Summary.OrphanALBs != 1 || fromFiles.Summary.OrphanALBs != 0 {
		t.Errorf("orphan ALBs: %d from the cluster (want 1), %d from files (want 0: not judged)", fromCluster.Summary.OrphanALBs, fromFiles.Summary.OrphanALBs)
	}
	fromCluster.Summary.OrphanALBs = 0
	fromCluster.Summary.Warnings -= orphans
	fromFiles.Summary.Infos -= notJudged

	// Predicted target group names hash the Service's UID, which the API
	// server assigned anew; joined ones come from AWS and match.
	ignore := cmpopts.IgnoreFields(scan.Report{}, "Source", "Notes", "AWS")
	ignoreTG := cmpopts.IgnoreFields(scan.BackendEntry{}, "TargetGroup")
	if diff := cmp.Diff(fromFiles, fromCluster, ignore, ignoreTG, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("cluster scan differs from file scan (-files +cluster):\n%s", diff)
	}
	live := 0
	for _, in := range fromCluster.Ingresses {
		if in.LoadBalancer != nil && in.LoadBalancer.Live {
			live++
		}
	}
	if live == 0 {
		t.Error("no Ingress was joined to a live ALB")
	}
	// One DescribeTargetHealth per target group, tags batched.
	snap := h.State().Snapshot()
	if got, want := calls["DescribeTargetHealth"], countTagged(snap); got != want {
		t.Errorf("DescribeTargetHealth calls = %d, want one per cluster target group (%d)", got, want)
	}
	if got, max := calls["DescribeTags"], (len(snap.LoadBalancers)+len(snap.TargetGroups)+19)/20; got > max {
		t.Errorf("DescribeTags calls = %d, want at most %d (20 ARNs a call)", got, max)
	}
}

// withoutFindings removes the findings of the codes from rep and says how
// many it removed.
func withoutFindings(rep *scan.Report, codes ...string) int {
	kept := rep.Findings[:0]
	n := 0
	for _, f := range rep.Findings {
		if slices.Contains(codes, f.Code) {
			n++
			continue
		}
		kept = append(kept, f)
	}
	rep.Findings = kept
	return n
}

// countTagged counts the target groups the controller made (any cluster's).
func countTagged(s awsendpoint.Snapshot) int {
	return len(s.TargetGroups)
}

func TestScanFailOn(t *testing.T) {
	kubeconfig := loadEstate(t)
	startAWS(t)
	code, _, stderr := runCmd(t, "--kubeconfig", kubeconfig, "scan", "-A", "--fail-on", "error")
	if code != exitcode.CheckFailed {
		t.Fatalf("--fail-on error: exit %d, want 1\n%s", code, stderr)
	}
	assertOneLine(t, stderr, "--fail-on")
}

func TestScanAWSAccessDenied(t *testing.T) {
	kubeconfig := loadEstate(t)
	h := startAWS(t)
	h.Faults().Set(awsendpoint.AllActions, awsendpoint.Fault{AccessDenied: true})
	code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "scan", "-A", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d, want 0 (scan goes on with Kubernetes data)\n%s", code, stderr)
	}
	rep := decodeReport(t, out)
	found := false
	for _, f := range rep.Findings {
		if f.Code == scan.CodeAWSAccess {
			found = true
		}
	}
	if !found || len(rep.Ingresses) == 0 {
		t.Errorf("want an %s finding and the Kubernetes view; got %d ingresses, findings %+v", scan.CodeAWSAccess, len(rep.Ingresses), rep.Findings)
	}
}

func TestScanAWSNotConfigured(t *testing.T) {
	kubeconfig := loadEstate(t)
	isolateAWS(t)
	code, _, stderr := runCmd(t, "--kubeconfig", kubeconfig, "scan", "-A")
	if code != exitcode.Usage {
		t.Fatalf("exit %d, want %d\n%s", code, exitcode.Usage, stderr)
	}
	assertOneLine(t, stderr, "region", "--no-aws")

	t.Setenv("AWS_REGION", "us-west-2")
	code, _, stderr = runCmd(t, "--kubeconfig", kubeconfig, "scan", "-A")
	if code != exitcode.Usage {
		t.Fatalf("no credentials: exit %d, want %d\n%s", code, exitcode.Usage, stderr)
	}
	assertOneLine(t, stderr, "credentials")

	code, _, stderr = runCmd(t, "--kubeconfig", kubeconfig, "scan", "-A", "--no-aws")
	if code != 0 {
		t.Fatalf("--no-aws: exit %d\n%s", code, stderr)
	}
}

func TestScanForbidden(t *testing.T) {
	s := env.Require(t)
	loadEstate(t)
	_, kc, err := s.AddUser("viewer-without-rbac")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	os.WriteFile(path, kc, 0o600)
	code, _, stderr := runCmd(t, "--kubeconfig", path, "scan", "-A", "--no-aws")
	if code != exitcode.Unreachable {
		t.Fatalf("exit %d, want %d\n%s", code, exitcode.Unreachable, stderr)
	}
	assertOneLine(t, stderr, "forbidden", "rbac")

	// Granting read access through RBAC makes the same user's scan work.
	admin := kubernetes.NewForConfigOrDie(s.Config)
	ctx := context.Background()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "lbctl-scan"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"", "networking.k8s.io", "discovery.k8s.io", "elbv2.k8s.aws"}, Resources: []string{"*"}, Verbs: []string{"get", "list"}},
	}}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "lbctl-scan"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "lbctl-scan"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "viewer-without-rbac", APIGroup: "rbac.authorization.k8s.io"}}}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, "--kubeconfig", path, "scan", "-A", "--no-aws")
	if code != 0 {
		t.Fatalf("after RBAC grant: exit %d\n%s", code, stderr)
	}
}

// TestEmptyNamespace: a namespace without Ingresses is an empty answer, as
// kubectl get gives one: exit 0, "No Ingresses found in NS namespace." on
// stderr and no table (scan) or plan (plan) on stdout.
func TestEmptyNamespace(t *testing.T) {
	kubeconfig := loadEstate(t)
	isolateAWS(t)
	for _, args := range [][]string{
		{"scan", "-n", "nosuchns", "--no-aws"},
		{"plan", "-n", "nosuchns", "--no-aws"},
	} {
		t.Run(args[0], func(t *testing.T) {
			code, out, stderr := runCmd(t, append([]string{"--kubeconfig", kubeconfig}, args...)...)
			if code != exitcode.OK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
			}
			if out != "" {
				t.Errorf("stdout is not empty:\n%s", out)
			}
			if !strings.Contains(stderr, "No Ingresses found in nosuchns namespace.") {
				t.Errorf("stderr does not say the namespace is empty:\n%s", stderr)
			}
		})
	}
	code, out, stderr := runCmd(t, "--kubeconfig", kubeconfig, "plan", "-n", "nosuchns", "--no-aws", "-o", "json")
	if code != exitcode.OK || !json.Valid([]byte(out)) || !strings.Contains(stderr, "No Ingresses found") {
		t.Errorf("plan -o json: exit %d, stdout %q, stderr %q; want 0, the empty plan and the message", code, out, stderr)
	}
}
