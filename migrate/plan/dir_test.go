package plan

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// readTree is every file under dir by its slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriteDirReadDirRoundTrip(t *testing.T) {
	p := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	dir := filepath.Join(t.TempDir(), "migration")
	if _, err := WriteDir(dir, p.Files()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, f := range p.Files() {
		want[f.Path] = string(f.Data)
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}

	for _, path := range []string{dir, filepath.Join(dir, "plan.json")} {
		d, err := ReadDir(path)
		if err != nil {
			t.Fatalf("ReadDir(%s): %v", path, err)
		}
		if d.Path != dir {
			t.Errorf("ReadDir(%s).Path = %s, want %s", path, d.Path, dir)
		}
		got, _ := json.Marshal(d.Plan)
		orig, _ := json.Marshal(p)
		if string(got) != string(orig) {
			t.Errorf("ReadDir(%s): the plan read back differs from the one written", path)
		}
		manifests := map[string]string{}
		for _, ph := range p.Phases {
			for _, st := range ph.Steps {
				if st.Manifest != "" {
					manifests[st.Manifest] = want[st.Manifest]
				}
			}
		}
		if len(manifests) == 0 {
			t.Fatal("the estate's plan names no manifest")
		}
		gotFiles := map[string]string{}
		for k, v := range d.Files {
			gotFiles[k] = string(v)
		}
		if diff := cmp.Diff(manifests, gotFiles); diff != "" {
			t.Errorf("ReadDir(%s) manifests (-want +got):\n%s", path, diff)
		}
	}

	// A second write replaces the plan: no file of the first is left.
	if _, err := WriteDir(dir, []File{{Path: "plan.json", Data: []byte("{}\n")}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"plan.json": "{}\n"}, readTree(t, dir)); diff != "" {
		t.Errorf("rewritten directory (-want +got):\n%s", diff)
	}
}

// A write that fails part-way leaves the previous plan as it was and no
// temporary directory beside it.
func TestWriteDirFailureKeepsPreviousPlan(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "migration")
	before := []File{{Path: "phase-2-create/01.yaml", Data: []byte("kind: Ingress\n")}, {Path: "plan.json", Data: []byte("{\"old\":true}\n")}}
	if _, err := WriteDir(dir, before); err != nil {
		t.Fatal(err)
	}
	// "plan.json" is written as a file, so "plan.json/x" cannot be.
	bad := []File{{Path: "plan.json", Data: []byte("{\"new\":true}\n")}, {Path: "plan.json/x", Data: []byte("x")}}
	if _, err := WriteDir(dir, bad); err == nil || !strings.Contains(err.Error(), "write plan to "+dir) {
		t.Fatalf("WriteDir = %v, want a write error", err)
	}
	want := map[string]string{"phase-2-create/01.yaml": "kind: Ingress\n", "plan.json": "{\"old\":true}\n"}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("directory after a failed write (-want +got):\n%s", diff)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left beside the plan: %v", names)
	}
}

// WriteDir replaces only a plan: a file, or a directory with other things
// and no plan.json, stays and is a usage error.
func TestWriteDirRefusesWhatIsNoPlan(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, path string)
		wantErr string // "" for none
	}{
		{name: "missing", setup: func(*testing.T, string) {}},
		{name: "empty directory", setup: func(t *testing.T, path string) { mustMkdir(t, path) }},
		{name: "a file", setup: func(t *testing.T, path string) { mustWrite(t, path, "x") },
			wantErr: "--out-dir %s is a file; choose a new or empty directory"},
		{name: "a directory without plan.json", setup: func(t *testing.T, path string) {
			mustMkdir(t, path)
			mustWrite(t, filepath.Join(path, "notes.txt"), "mine")
		}, wantErr: "--out-dir %s is not empty and holds no plan.json; choose a new or empty directory, or an earlier plan's (lbctl replaces only the files it wrote there)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out")
			tc.setup(t, path)
			before := snapshot(t, path)
			_, err := WriteDir(path, []File{{Path: "plan.json", Data: []byte("{}\n")}})
			if cerr := CheckDir(path); tc.wantErr == "" && cerr != nil {
				t.Errorf("CheckDir after the write: %v", cerr)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("WriteDir: %v", err)
				}
				return
			}
			if want := strings.ReplaceAll(tc.wantErr, "%s", path); err == nil || err.Error() != want {
				t.Fatalf("WriteDir = %v, want %q", err, want)
			}
			if !errors.Is(err, exitcode.ErrUsage) {
				t.Errorf("WriteDir error %v is not a usage error", err)
			}
			if diff := cmp.Diff(before, snapshot(t, path)); diff != "" {
				t.Errorf("refused path changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestWriteDirKeepsWhatItDidNotWrite: a re-plan into an earlier plan's
// directory replaces the files the new plan writes, removes those only the
// earlier plan.json names (a manifest, its overlay, a backup), and keeps
// everything else — a review, the local journal, a Git repository —
// saying which.
func TestWriteDirKeepsWhatItDidNotWrite(t *testing.T) {
	planJSON := func(manifests ...string) string {
		var steps []Step
		for _, m := range manifests {
			steps = append(steps, Step{Op: OpApply, Manifest: m})
		}
		b, err := json.Marshal(Plan{APIVersion: APIVersion, Kind: Kind, Phases: []Phase{{Name: "create", Steps: steps}}})
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	for _, tc := range []struct {
		name   string
		before map[string]string // besides the first plan's files
		second []File
		want   map[string]string
		kept   []string
	}{
		{
			name: "others' files survive, the earlier plan's extra manifest goes",
			before: map[string]string{
				"REVIEW.md": "looks good\n", "journal.json": "{\"step\":3}\n",
				".git/HEAD": "ref: refs/heads/main\n", ".git/objects/ab/cdef": "x",
				"02-create/NOTES.md": "mine\n",
			},
			second: []File{
				{Path: "02-create/a.yaml", Data: []byte("kind: Ingress # new\n")},
				{Path: "plan.json", Data: []byte(planJSON("02-create/a.yaml"))},
			},
			want: map[string]string{
				"REVIEW.md": "looks good\n", "journal.json": "{\"step\":3}\n",
				".git/HEAD": "ref: refs/heads/main\n", ".git/objects/ab/cdef": "x",
				"02-create/NOTES.md": "mine\n",
				"02-create/a.yaml":   "kind: Ingress # new\n",
				"plan.json":          planJSON("02-create/a.yaml"),
			},
			kept: []string{".git/", "02-create/NOTES.md", "REVIEW.md", "journal.json"},
		},
		{
			name: "nothing of others: nothing kept, emptied directories go",
			second: []File{
				{Path: "plan.json", Data: []byte(planJSON())},
			},
			want: map[string]string{"plan.json": planJSON()},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "migration")
			first := []File{
				{Path: "02-create/a.yaml", Data: []byte("kind: Ingress\n")},
				{Path: "02-create/b.yaml", Data: []byte("kind: Ingress\n")},
				{Path: "02-create/b/kustomization.yaml", Data: []byte("resources: []\n")},
				{Path: "02-create/b/patches/ingress-b.yaml", Data: []byte("kind: Ingress\n")},
				{Path: "06-cleanup/c.yaml", Data: []byte("kind: Ingress\n")},
				{Path: "backup/ingresses.yaml", Data: []byte("kind: Ingress\n")},
				{Path: "plan.json", Data: []byte(planJSON("02-create/a.yaml", "02-create/b.yaml", "06-cleanup/c.yaml"))},
			}
			if _, err := WriteDir(dir, first); err != nil {
				t.Fatal(err)
			}
			for p, data := range tc.before {
				mustWrite(t, filepath.Join(dir, filepath.FromSlash(p)), data)
			}
			kept, err := WriteDir(dir, tc.second)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, readTree(t, dir)); diff != "" {
				t.Errorf("directory after the re-plan (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.kept, kept); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			for _, gone := range []string{"06-cleanup", "backup", "02-create/b"} {
				if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the earlier plan's emptied directory %s is still there (%v)", gone, err)
				}
			}
		})
	}
}

func TestKeptNote(t *testing.T) {
	for _, tc := range []struct {
		kept []string
		want string
	}{
		{nil, ""},
		{[]string{"REVIEW.md"}, "kept 1 file lbctl did not write: REVIEW.md"},
		{[]string{".git/", "REVIEW.md", "journal.json"}, "kept 3 files lbctl did not write: .git/, REVIEW.md, journal.json"},
	} {
		if got := KeptNote(tc.kept); got != tc.want {
			t.Errorf("KeptNote(%q) = %q, want %q", tc.kept, got, tc.want)
		}
	}
}

// snapshot is what is at path: a file's content or a directory's files.
func snapshot(t *testing.T, path string) map[string]string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	if fi.IsDir() {
		return readTree(t, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"": string(b)}
}

func mustMkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	mustMkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadDirErrors(t *testing.T) {
	const manifestPlan = `{"apiVersion":"lbctl.dev/v1alpha1","kind":"MigrationPlan","phases":[{"name":"create","steps":[{"op":"apply","action":"create","manifest":"phase-2-create/01.yaml"}]}]}`
	tests := []struct {
		name  string
		files map[string]string
		want  string // %s is the directory
	}{
		{name: "no plan.json", files: map[string]string{"notes.txt": "x"},
			want: "cannot read the plan %s/plan.json: no such file or directory; pass the directory kubectl lbctl plan --out-dir wrote"},
		{name: "plan.json does not parse", files: map[string]string{"plan.json": "{"},
			want: "the plan %s/plan.json does not parse: unexpected end of JSON input; write it again with kubectl lbctl plan --out-dir"},
		{name: "not a plan", files: map[string]string{"plan.json": `{"apiVersion":"v1","kind":"ConfigMap"}`},
			want: `%s/plan.json is not a lbctl.dev/v1alpha1 MigrationPlan (apiVersion "v1", kind "ConfigMap"); write it with kubectl lbctl plan --out-dir`},
		{name: "a named manifest is missing", files: map[string]string{"plan.json": manifestPlan},
			want: "the plan's manifest phase-2-create/01.yaml is missing in %s; pass the whole directory kubectl lbctl plan --out-dir wrote"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for path, data := range tc.files {
				mustWrite(t, filepath.Join(dir, filepath.FromSlash(path)), data)
			}
			d, err := ReadDir(dir)
			if want := strings.ReplaceAll(tc.want, "%s", dir); err == nil || err.Error() != want {
				t.Fatalf("ReadDir = %v, %v; want error %q", d, err, want)
			}
			var ee *exitcode.Error
			if !errors.As(err, &ee) || ee.Code != exitcode.Usage || !errors.Is(err, exitcode.ErrUsage) {
				t.Errorf("ReadDir error %#v is not a usage error", err)
			}
		})
	}

	// With the manifest present the same plan reads.
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "plan.json"), manifestPlan)
	mustWrite(t, filepath.Join(dir, "phase-2-create", "01.yaml"), "kind: Ingress\n")
	d, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string][]byte{"phase-2-create/01.yaml": []byte("kind: Ingress\n")}, d.Files); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// A plan that is a device or a FIFO, or that names a manifest outside its
// directory or one that is not a file, is refused before it is read.
func TestReadDirRefusesWhatIsNotAFile(t *testing.T) {
	usage := func(t *testing.T, err error, want string) {
		t.Helper()
		if !errors.Is(err, exitcode.ErrUsage) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ReadDir: %v, want one usage line with %q", err, want)
		}
	}
	outside := `{"apiVersion":"lbctl.dev/v1alpha1","kind":"MigrationPlan","phases":[{"name":"create","steps":[{"op":"apply","action":"create","manifest":"../secret.yaml"}]}]}`
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "plan", "plan.json"), outside)
	mustWrite(t, filepath.Join(dir, "secret.yaml"), "kind: Secret\n")
	_, err := ReadDir(filepath.Join(dir, "plan"))
	usage(t, err, `names manifest "../secret.yaml", which is not a path inside`)

	if runtime.GOOS == "windows" {
		return
	}
	_, err = ReadDir("/dev/zero")
	usage(t, err, "cannot read the plan /dev/zero: is a character device, not a regular file")

	fifoDir := t.TempDir()
	if err := exec.Command("mkfifo", filepath.Join(fifoDir, "plan.json")).Run(); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadDir(fifoDir); done <- err }()
	select {
	case err := <-done:
		usage(t, err, "is a FIFO, not a regular file")
	case <-time.After(10 * time.Second):
		t.Fatal("ReadDir blocked on a FIFO plan.json")
	}
}
