package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/kube"
)

// TestPrintedCommandsQuoted: a namespace, Ingress or container name that
// holds shell syntax stays one argument of every kubectl command the plan
// prints (undo, rollout restart, the preStop patch, auth can-i), and
// pasting the command runs nothing else. Names read from files are
// validated (kube.ReadManifests); these come from a cluster or a caller.
func TestPrintedCommandsQuoted(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	const evilNS, evilName, evilContainer = "o$(touch pwned)'x", "m`touch pwned`", "c';touch pwned;'"
	objs, err := kube.ReadFiles([]string{"testdata/estates/named-ports.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range objs.Namespaces {
		if objs.Namespaces[i].Name == "obs" {
			objs.Namespaces[i].Name = evilNS
		}
	}
	for i := range objs.Ingresses {
		objs.Ingresses[i].Namespace = evilNS
		if objs.Ingresses[i].Name == "metrics" {
			objs.Ingresses[i].Name = evilName
		}
	}
	for i := range objs.Services {
		objs.Services[i].Namespace = evilNS
	}
	for i := range objs.Pods {
		objs.Pods[i].Namespace = evilNS
		for j := range objs.Pods[i].Spec.Containers {
			objs.Pods[i].Spec.Containers[j].Name = evilContainer
		}
	}
	for i := range objs.Deployments {
		objs.Deployments[i].Namespace = evilNS
		for j := range objs.Deployments[i].Spec.Template.Spec.Containers {
			objs.Deployments[i].Spec.Template.Spec.Containers[j].Name = evilContainer
		}
	}
	for i := range objs.EndpointSlices {
		objs.EndpointSlices[i].Namespace = evilNS
	}
	p := Build(build(objs, nil), Options{})

	var texts []string
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			texts = append(texts, st.Action, st.Undo, st.WaitFor)
			if st.Check != nil {
				texts = append(texts, st.Check.Needs, st.Check.Message)
			}
		}
	}
	for _, f := range p.Findings {
		texts = append(texts, f.Remedy)
	}
	dir := t.TempDir()
	seen := map[string]bool{}
	for _, text := range texts {
		for _, cmd := range kubectlCommands(text) {
			args := runFakeKubectl(t, dir, cmd)
			for _, a := range args {
				seen[a] = true
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
			t.Fatalf("pasting a command of %q ran touch", text)
		}
	}
	for _, want := range []string{evilNS, "ingress", evilName} {
		if !seen[want] {
			t.Errorf("no printed command has the argument %q", want)
		}
	}
	var patched bool
	for a := range seen {
		patched = patched || strings.Contains(a, `"name":"c';touch pwned;'"`)
	}
	if !patched {
		t.Errorf("no preStop patch names container %q as it is: %v", evilContainer, slices.Sorted(func(yield func(string) bool) {
			for a := range seen {
				if !yield(a) {
					return
				}
			}
		}))
	}
}

// kubectlCommands cuts the kubectl command lines out of a plan's prose: from
// "kubectl " to the first ')', ';' or ',' outside quotes, " (", or the end.
func kubectlCommands(text string) []string {
	var out []string
	for {
		i := strings.Index(text, "kubectl ")
		if i < 0 {
			return out
		}
		text = text[i:]
		end, quote := len(text), byte(0)
	scan:
		for j := 0; j < len(text); j++ {
			c := text[j]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				quote = c
			case c == '\\':
				j++
			case c == ')' || c == ';' || c == ',' || (c == ' ' && strings.HasPrefix(text[j:], " (")):
				end = j
				break scan
			}
		}
		if !strings.HasPrefix(text, "kubectl lbctl ") { // lbctl's own commands take no names
			out = append(out, text[:end])
		}
		text = text[end:]
	}
}

// runFakeKubectl runs cmd with sh in dir, kubectl a function that prints
// its arguments, and returns them.
func runFakeKubectl(t *testing.T, dir, cmd string) []string {
	t.Helper()
	sh := exec.Command("sh", "-c", `kubectl() { printf '%s\0' "$@"; }; `+cmd)
	sh.Dir = dir
	out, err := sh.Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", cmd, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}
