package cmd

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/permissions"
)

const rbacScanGolden = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: lbctl-scan
  labels:
    app.kubernetes.io/name: lbctl
rules:
- apiGroups: ["elbv2.k8s.aws"]
  resources: [ingressclassparams]
  verbs: [list]
- apiGroups: ["networking.k8s.io"]
  resources: [ingressclasses]
  verbs: [list]
- apiGroups: [""]
  resources: [namespaces, nodes]
  verbs: [list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lbctl-scan
  namespace: shop
  labels:
    app.kubernetes.io/name: lbctl
rules:
- apiGroups: ["apps"]
  resources: [deployments]
  verbs: [list]
- apiGroups: ["discovery.k8s.io"]
  resources: [endpointslices]
  verbs: [list]
- apiGroups: ["elbv2.k8s.aws"]
  resources: [targetgroupbindings]
  verbs: [list]
- apiGroups: ["networking.k8s.io"]
  resources: [ingresses]
  verbs: [list]
- apiGroups: [""]
  resources: [pods, services]
  verbs: [list]
`

func TestRBACScanGolden(t *testing.T) {
	code, out, errOut := runCmd(t, "rbac", "--for", "scan", "-n", "shop")
	if code != exitcode.OK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != rbacScanGolden {
		t.Errorf("rbac --for scan -n shop:\n%s\nwant:\n%s", out, rbacScanGolden)
	}
}

// TestRBACMatchesRegistry: the YAML parses as RBAC objects and grants
// exactly the registry's verbs, never on Secrets.
func TestRBACMatchesRegistry(t *testing.T) {
	for _, c := range append(permissions.Commands(), "") {
		args := []string{"rbac"}
		var cmds []permissions.Command
		if c != "" {
			args = append(args, "--for", string(c))
			cmds = []permissions.Command{c}
		}
		code, out, errOut := runCmd(t, args...)
		if code != exitcode.OK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var role rbacv1.ClusterRole
		if err := yaml.UnmarshalStrict([]byte(out), &role); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		got := map[permissions.KubeRule]bool{}
		for _, r := range role.Rules {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					if res == "secrets" || res == "*" {
						t.Errorf("%v: grants %s", args, res)
					}
					for _, v := range r.Verbs {
						got[permissions.KubeRule{Group: g, Resource: res, Verb: v}] = true
					}
				}
			}
		}
		want := permissions.KubeRules(cmds)
		if len(got) != len(want) {
			t.Errorf("%v: %d rules, registry has %d", args, len(got), len(want))
		}
		for _, k := range want {
			if !got[k] {
				t.Errorf("%v: lacks %s", args, k)
			}
		}
	}
}

func TestRBACBadFor(t *testing.T) {
	code, out, errOut := runCmd(t, "rbac", "--for", "nope")
	if code != exitcode.Usage || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	assertOneLine(t, errOut, "--for", "nope")
}

// TestRBACTokenNeverLogged runs a scan at -v 9 against a cluster that cannot
// be reached, with a bearer token in the kubeconfig: client-go logs every
// request, and the token must not appear.
func TestRBACTokenNeverLogged(t *testing.T) {
	isolateAWS(t)
	const token = "sekret-token-123"
	kubeconfig := filepath.Join(t.TempDir(), "config")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: ` + token + `
contexts:
- name: c
  context: {cluster: c, user: u, namespace: default}
current-context: c
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", kubeconfig)
	streams, _, out, errOut := TestStreams()
	ctx, cancel := context.WithTimeout(context.Background(), 60e9)
	defer cancel()
	code := Run(ctx, streams, NewFactory(), "kubectl lbctl", []string{"scan", "-v", "8", "--kubeconfig", kubeconfig, "--region", "us-east-1"})
	if code == exitcode.OK {
		t.Fatalf("scan of an unreachable cluster succeeded:\n%s", out)
	}
	logs := errOut.String() + out.String()
	if !strings.Contains(logs, "127.0.0.1:1") {
		t.Fatalf("-v 9 logged no request, so the check proves nothing; stderr:\n%s", logs)
	}
	if strings.Contains(logs, token) {
		t.Errorf("the bearer token appears in -v 9 output:\n%s", logs)
	}
	if strings.Contains(logs, "sekret") {
		t.Errorf("part of the bearer token appears in -v 9 output")
	}
}

// loadtest's role is read-only; --workers adds what the distributed run
// calls: a Job made and deleted, its pods watched, their logs read.
func TestRBACLoadtestWorkers(t *testing.T) {
	code, plain, stderr := runCmd(t, "rbac", "--for", "loadtest")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(plain, "jobs") || strings.Contains(plain, "create") || strings.Contains(plain, "delete") {
		t.Fatalf("rbac --for loadtest grants writes:\n%s", plain)
	}
	code, workers, stderr := runCmd(t, "rbac", "--for", "loadtest", "--workers")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var roles []rbacv1.ClusterRole
	for _, doc := range strings.Split(workers, "\n---\n") {
		var r rbacv1.ClusterRole
		if err := yaml.Unmarshal([]byte(doc), &r); err != nil {
			t.Fatal(err)
		}
		roles = append(roles, r)
	}
	grants := func(group, resource, verb string) bool {
		for _, r := range roles {
			for _, rule := range r.Rules {
				if slices.Contains(rule.APIGroups, group) && slices.Contains(rule.Resources, resource) && slices.Contains(rule.Verbs, verb) {
					return true
				}
			}
		}
		return false
	}
	for _, g := range [][3]string{{"batch", "jobs", "create"}, {"batch", "jobs", "delete"}, {"", "pods", "watch"}, {"", "pods/log", "get"}, {"", "pods", "deletecollection"}} {
		if !grants(g[0], g[1], g[2]) {
			t.Errorf("rbac --for loadtest --workers does not grant %v:\n%s", g, workers)
		}
	}
}
