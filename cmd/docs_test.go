package cmd

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// completionFiles maps the files `make completions` writes to the
// completion command's argument that prints them.
func completionFiles() map[string]string {
	return map[string]string{
		"kubectl-lbctl.bash": "bash",
		"kubectl-lbctl.zsh":  "zsh",
		"kubectl-lbctl.fish": "fish",
		"kubectl-lbctl.ps1":  "powershell",
		ShimName:             "kubectl-shim",
	}
}

// TestCompletionsUpToDate regenerates the completion scripts in-process, as
// the kubectl-lbctl binary does, and compares them with completions/.
func TestCompletionsUpToDate(t *testing.T) {
	for file, shell := range completionFiles() {
		streams, _, out, errOut := TestStreams()
		if code := Run(context.Background(), streams, NewFactory(), "kubectl lbctl", []string{"completion", shell}); code != exitcode.OK {
			t.Fatalf("completion %s: exit %d: %s", shell, code, errOut)
		}
		path := filepath.Join("..", "completions", file)
		have, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v: run make completions", err)
			continue
		}
		if string(have) != out.String() {
			t.Errorf("%s is out of date: run make completions", path)
		}
		if file == ShimName {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o755 {
				t.Errorf("%s has mode %v, want 0755: run make completions", path, st.Mode().Perm())
			}
		}
	}
}

// TestDocsReferenceUpToDate regenerates the command reference into a temp
// directory and compares it, file by file, with docs/reference.
func TestDocsReferenceUpToDate(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCmd(t, "docs", "--dir", dir)
	if code != exitcode.OK {
		t.Fatalf("docs: exit %d: %s", code, errOut)
	}
	want := readDir(t, dir)
	have := readDir(t, filepath.Join("..", "docs", "reference"))
	if len(want) < 5 {
		t.Fatalf("only %d pages generated", len(want))
	}
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range have {
		if _, ok := want[n]; !ok && filepath.Ext(n) == ".md" && n != "README.md" {
			t.Errorf("docs/reference/%s documents no command: run make docs", n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if have[n] != want[n] {
			t.Errorf("docs/reference/%s is out of date or missing: run make docs", n)
		}
	}
	if _, ok := want["kubectl_lbctl_docs.md"]; ok {
		t.Error("the hidden docs command is documented")
	}
}

func TestDocsNeedsDir(t *testing.T) {
	code, _, errOut := runCmd(t, "docs")
	if code != exitcode.Usage {
		t.Fatalf("exit %d", code)
	}
	assertOneLine(t, errOut, "--dir")
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}
