package lbctl_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/lbctl/lbctl"

// foundation are the packages (with their subpackages) everything else
// builds on.
var foundation = []string{
	"lbctl/kube", "lbctl/awsapi", "lbctl/lbc", "lbctl/topology", "lbctl/health",
	"lbctl/preflight", "lbctl/permissions", "lbctl/exitcode", "lbctl/world", "lbctl/buildinfo",
	"lbctl/columns",
}

// above are what the foundation must not import, directly or through
// another package of the module: the verbs, the views, the applications.
var above = []string{"migrate", "loadtest", "tui", "cmd", "demo", "lbctl/sandbox", "hack"}

// violations walks the module's imports from the foundation packages'
// non-test files and returns each import chain that reaches a package
// above them, as "a → b → c".
func violations(t *testing.T, root string) []string {
	t.Helper()
	imports := map[string][]string{} // package dir → module-internal imported dirs
	read := func(dir string) []string {
		if deps, ok := imports[dir]; ok {
			return deps
		}
		imports[dir] = directImports(t, root, dir)
		return imports[dir]
	}
	isAbove := func(dir string) bool {
		for _, a := range above {
			if dir == a || strings.HasPrefix(dir, a+"/") {
				return true
			}
		}
		return false
	}
	var out []string
	for _, base := range foundation {
		err := filepath.WalkDir(filepath.Join(root, base), func(path string, d os.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case !d.IsDir():
				return nil
			case d.Name() == "testdata":
				return filepath.SkipDir
			}
			start, _ := filepath.Rel(root, path)
			start = filepath.ToSlash(start)
			// Breadth-first, so the chain reported is a shortest one.
			prev := map[string]string{start: ""}
			queue := []string{start}
			for len(queue) > 0 {
				dir := queue[0]
				queue = queue[1:]
				if isAbove(dir) {
					chain := []string{dir}
					for p := prev[dir]; p != ""; p = prev[p] {
						chain = append([]string{p}, chain...)
					}
					out = append(out, strings.Join(chain, " → "))
					continue
				}
				for _, dep := range read(dir) {
					if _, ok := prev[dep]; !ok {
						prev[dep] = dir
						queue = append(queue, dep)
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", base, err)
		}
	}
	return out
}

// TestFoundationImportsNothingAbove fails when a foundation package
// imports a verb, a view, an application or cmd: they build on it, so it
// must not know them.
func TestFoundationImportsNothingAbove(t *testing.T) {
	for _, v := range violations(t, "..") {
		t.Errorf("a foundation package imports what builds on it: %s", v)
	}
}

// TestLayeringCatchesAnImport checks the check on a module laid out with
// one bad import two steps away.
func TestLayeringCatchesAnImport(t *testing.T) {
	root := t.TempDir()
	write := func(dir, src string) {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, "x.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range foundation {
		write(f, "package x\n")
	}
	write("lbctl/topology", "package topology\nimport _ \""+module+"/lbctl/awsapi\"\n")
	write("lbctl/awsapi", "package awsapi\nimport _ \""+module+"/migrate/plan\"\n")
	write("migrate/plan", "package plan\n")
	// A test file may import anything.
	if err := os.WriteFile(filepath.Join(root, "lbctl/lbc", "x_test.go"), []byte("package x\nimport _ \""+module+"/cmd\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := violations(t, root)
	want := []string{"lbctl/awsapi → migrate/plan", "lbctl/topology → lbctl/awsapi → migrate/plan"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations = %q, want %q", got, want)
	}
}

// TestOneReader fails when a package but lbctl/world reads the cluster
// (kube.ReadCluster) or AWS (an awsapi.Reader) itself: every command and
// the demo read the world through world.Read, so scope, cluster name and
// what AWS is read cannot drift apart again.
func TestOneReader(t *testing.T) {
	var offenders []string
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", ".git", "hack":
				return filepath.SkipDir
			}
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, "../"))
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") || strings.HasPrefix(rel, "lbctl/world/") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, call := range []string{"kube.ReadCluster(", "awsapi.Reader{"} {
			if strings.Contains(string(src), call) {
				offenders = append(offenders, rel+": "+call)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range offenders {
		t.Errorf("reads the world itself instead of through lbctl/world: %s", o)
	}
}

// TestArchitectureTable fails when docs/architecture.md's package table
// and the code disagree: for every row naming one package whose imports
// cell is a list of packages (or "—"), the list must be exactly the
// package's imports within the module (non-test files).
func TestArchitectureTable(t *testing.T) {
	doc, err := os.ReadFile("../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	pkgCell := regexp.MustCompile("^`([a-z0-9/._-]+)`$")
	listCell := regexp.MustCompile("^(—|`[a-z0-9/._-]+`(, `[a-z0-9/._-]+`)*)$")
	checked := 0
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 3 {
			continue
		}
		m := pkgCell.FindStringSubmatch(cells[0])
		if m == nil || !listCell.MatchString(cells[2]) {
			continue
		}
		var want []string
		if cells[2] != "—" {
			for _, c := range strings.Split(cells[2], ", ") {
				want = append(want, strings.Trim(c, "`"))
			}
		}
		got := directImports(t, "..", m[1])
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("docs/architecture.md says %s imports %q; it imports %q", m[1], want, got)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("only %d rows of docs/architecture.md's package table were checked: is the table still there?", checked)
	}
}

// directImports are the module's packages that dir's non-test files
// import, sorted.
func directImports(t *testing.T, root, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, dir, name), nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s/%s: %v", dir, name, err)
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if rel, ok := strings.CutPrefix(path, module+"/"); ok && !seen[rel] {
				seen[rel] = true
				out = append(out, rel)
			}
		}
	}
	sort.Strings(out)
	return out
}
