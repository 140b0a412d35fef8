package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

var update = flag.Bool("update", false, "rewrite golden files")

// build joins objects for cluster "prod", as read from every namespace of
// a cluster (the fixtures stand for the whole cluster).
func build(objs *kube.Objects, st *awsapi.State) *topology.Topology {
	return buildScoped(objs, st, topology.Scope{AllNamespaces: true})
}

// buildScoped joins objects for cluster "prod" read with scope s.
func buildScoped(objs *kube.Objects, st *awsapi.State, s topology.Scope) *topology.Topology {
	d := lbc.DefaultDefaults()
	d.ClusterName = "prod"
	return topology.Build(objs, st, topology.Options{Defaults: d, Scope: s})
}

// topoYAML builds a topology from manifests in a string.
func topoYAML(t *testing.T, y string) *topology.Topology {
	t.Helper()
	objs, err := kube.ReadFiles([]string{"-"}, strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	return build(objs, nil)
}

// topoFiles builds a topology from manifest files and, when awsPath is set,
// an awsapi.State in JSON.
func topoFiles(t *testing.T, awsPath string, paths ...string) *topology.Topology {
	t.Helper()
	objs, err := kube.ReadFiles(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	var st *awsapi.State
	if awsPath != "" {
		b, err := os.ReadFile(awsPath)
		if err != nil {
			t.Fatal(err)
		}
		st = &awsapi.State{}
		if err := json.Unmarshal(b, st); err != nil {
			t.Fatal(err)
		}
	}
	return build(objs, st)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test -update to accept):\n%s", path, diff)
	}
}

// manifests renders every file but plan.json as one text, for goldens.
func manifests(p *Plan) []byte {
	var buf bytes.Buffer
	for _, f := range p.Files() {
		if f.Path == "plan.json" {
			continue
		}
		buf.WriteString("# ===== " + f.Path + "\n")
		buf.Write(f.Data)
	}
	return buf.Bytes()
}

func planJSON(t *testing.T, p *Plan) []byte {
	t.Helper()
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func codes(p *Plan) map[string]int {
	out := map[string]int{}
	for _, f := range p.Findings {
		out[f.Code]++
	}
	return out
}

func findingsWith(p *Plan, code string) []scan.Finding {
	var out []scan.Finding
	for _, f := range p.Findings {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

func groupNamed(p *Plan, name string) *Group {
	for i := range p.Groups {
		if p.Groups[i].Name == name {
			return &p.Groups[i]
		}
	}
	return nil
}

func groupNames(p *Plan) []string {
	var out []string
	for _, g := range p.Groups {
		out = append(out, g.Name)
	}
	return out
}

func fileNamed(p *Plan, path string) []byte {
	for _, f := range p.Files() {
		if f.Path == path {
			return f.Data
		}
	}
	return nil
}

const albClass = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb}
`

// yIngress is an ALB Ingress with one host and path to svc:80.
func yIngress(ns, name, host, svc string, ann map[string]string) string {
	var a strings.Builder
	for _, k := range sortedKeys(ann) {
		a.WriteString("    " + k + ": " + strconvQuote(ann[k]) + "\n")
	}
	annBlock := ""
	if a.Len() > 0 {
		annBlock = "  annotations:\n" + a.String()
	}
	hostLine := ""
	if host != "" {
		hostLine = "    host: " + host + "\n"
	}
	return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\n" + annBlock +
		"spec:\n  ingressClassName: alb\n  rules:\n  -\n" + hostLine +
		"    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: " + svc + ", port: {number: 80}}}}]}\n"
}

// yService is a NodePort Service (ClusterIP when nodePort is 0) on 80 → 8080.
func yService(ns, name string, nodePort int) string {
	if nodePort == 0 {
		return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec: {type: ClusterIP, selector: {app: " + name + "}, ports: [{port: 80, targetPort: 8080}]}\n"
	}
	return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec: {type: NodePort, selector: {app: " + name + "}, ports: [{port: 80, targetPort: 8080, nodePort: " + itoa(nodePort) + "}]}\n"
}

func docs(parts ...string) string { return strings.Join(parts, "---\n") }

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// checkSays fails unless the check has the status, its message says each
// of says, and (when notSays is set) does not say notSays.
func checkSays(t *testing.T, c Check, status string, says []string, notSays string) {
	t.Helper()
	if c.Status != status {
		t.Errorf("status %s, want %s: %s", c.Status, status, c.Message)
	}
	for _, s := range says {
		if !strings.Contains(c.Message, s) {
			t.Errorf("message lacks %q: %s", s, c.Message)
		}
	}
	if notSays != "" && strings.Contains(c.Message, notSays) {
		t.Errorf("message says %q: %s", notSays, c.Message)
	}
}

// preflightResult is the phase-1 check of that name.
func preflightResult(t *testing.T, p *Plan, name string) Check {
	t.Helper()
	for _, st := range p.Phases[0].Steps {
		if st.Check != nil && st.Check.Name == name {
			return *st.Check
		}
	}
	t.Fatalf("no preflight check %q", name)
	return Check{}
}

// oneApp is a namespace with one instance-mode Ingress, its NodePort
// Service and Deployment; extra documents are appended.
func oneApp(extra ...string) string {
	dep := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: x, ports: [{name: http, containerPort: 8080}]}
`
	return docs(append([]string{albClass, dep, yService("a", "web", 30001),
		yIngress("a", "web", "web.example.com", "web", map[string]string{"alb.ingress.kubernetes.io/scheme": "internet-facing"})}, extra...)...)
}
