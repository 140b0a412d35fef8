package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/render"
)

const diffBase = `apiVersion: v1
kind: Service
metadata: {namespace: shop, name: web, uid: 0f0f0f0f-1111-2222-3333-444444444444}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: shop
  name: web
  annotations:
    kubernetes.io/ingress.class: alb
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
`

// writeManifests writes one manifest file into a new directory.
func writeManifests(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDiffReplacementsAndPathChanges(t *testing.T) {
	isolateAWS(t)
	base := writeManifests(t, diffBase)
	annotate := func(extra string) string {
		return strings.Replace(diffBase, "    kubernetes.io/ingress.class: alb\n", "    kubernetes.io/ingress.class: alb\n"+extra, 1)
	}
	for _, tc := range []struct {
		name     string
		head     string
		allow    string
		wantCode int
		wantKind render.ChangeKind
	}{
		{"path only", strings.Replace(diffBase, "path: /api,", "path: /v2/api,", 1), "", 0, render.RuleChanged},
		{"group.name: a new ALB", annotate("    alb.ingress.kubernetes.io/group.name: shop\n"), "", 1, render.ALBReplaced},
		{"target type: new target groups", annotate("    alb.ingress.kubernetes.io/target-type: ip\n"), "", 1, render.TargetGroupReplaced},
		{"target type allowed", annotate("    alb.ingress.kubernetes.io/target-type: ip\n"), "target-group-replaced", 0, render.TargetGroupReplaced},
		{"a group that will not build", annotate("    alb.ingress.kubernetes.io/listen-ports: '[{\"HTTP\":80'\n"), "", 1, render.GroupFails},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := writeManifests(t, tc.head)
			args := []string{"diff", "--from", base, "-f", head, "--no-aws", "--cluster-name", "prod", "-o", "json"}
			if tc.allow != "" {
				args = append(args, "--allow", tc.allow)
			}
			code, out, stderr := runCmd(t, args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s\nstdout:\n%s", code, tc.wantCode, stderr, out)
			}
			var rep render.DiffReport
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			found := false
			for _, c := range rep.Changes {
				if c.Kind == tc.wantKind {
					found = true
				}
				if c.Blocking && tc.wantCode == 0 {
					t.Errorf("blocking change in a check that passes: %+v", c)
				}
			}
			if !found {
				t.Errorf("no %s change in %+v", tc.wantKind, rep.Changes)
			}
		})
	}
}

func TestDiffGitHubAnnotationsAreEscaped(t *testing.T) {
	isolateAWS(t)
	summary := filepath.Join(t.TempDir(), "summary.md")
	head := strings.Replace(diffBase, "    kubernetes.io/ingress.class: alb\n", "    kubernetes.io/ingress.class: alb\n    alb.ingress.kubernetes.io/listen-ports: \"bad\\n::error::injected|\"\n", 1)
	code, _, stderr := runLoadtest(t, context.Background(), []string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + summary},
		"diff", "--from", writeManifests(t, diffBase), "-f", writeManifests(t, head), "--no-aws", "--cluster-name", "prod")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", code, stderr)
	}
	var annotations []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "::") {
			annotations = append(annotations, l)
		}
	}
	if len(annotations) != 1 || !strings.HasPrefix(annotations[0], "::error title=lbctl diff group-fails::") {
		t.Errorf("workflow commands %q, want one error for the failing group and nothing injected", annotations)
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| ❌ | `group-fails` |") || strings.Contains(string(md), "injected|") {
		t.Errorf("step summary:\n%s", md)
	}
}

func TestRenderFromFilesWithControllerArgs(t *testing.T) {
	isolateAWS(t)
	dir := writeManifests(t, diffBase)
	code, out, stderr := runCmd(t, "render", "-f", dir, "--no-aws", "--cluster-name", "prod", "--controller-args", "--default-target-type=ip --default-load-balancer-scheme=internet-facing", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	var m render.Model
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Groups) != 1 || m.Groups[0].Stack == nil {
		t.Fatalf("groups %+v", m.Groups)
	}
	for _, want := range []string{`"targetType":"ip"`, `"scheme":"internet-facing"`, `"port":8080`} {
		if !strings.Contains(strings.ReplaceAll(out, " ", ""), want) {
			t.Errorf("render output lacks %s", want)
		}
	}
	code, _, stderr = runCmd(t, "render", "-f", dir, "--no-aws", "--controller-args", "--default-target-type=nodeport")
	if code != 2 {
		t.Errorf("bad controller flag: exit %d, want 2", code)
	}
	assertOneLine(t, stderr, "--default-target-type")
	code, out, _ = runCmd(t, "render", "-f", dir, "--no-aws", "--cluster-name", "prod")
	if code != 0 || !strings.Contains(out, "GROUP shop/web") || !strings.Contains(out, "path /api,/api/*") {
		t.Errorf("table view (exit %d):\n%s", code, out)
	}
}
