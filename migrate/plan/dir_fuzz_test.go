package plan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// FuzzReadDir: whatever plan.json holds, ReadDir does not panic; it reads
// a plan or refuses it with one usage line, and never reads a manifest
// outside the plan's directory.
func FuzzReadDir(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"lbctl.dev/v1alpha1","kind":"MigrationPlan","phases":[{"name":"create","steps":[{"op":"apply","action":"create","manifest":"02-create/01-x.yaml"}]}]}`))
	f.Add([]byte(`{"apiVersion":"lbctl.dev/v1alpha1","kind":"MigrationPlan","phases":[{"name":"create","steps":[{"op":"apply","manifest":"../outside.yaml"}]}]}`))
	f.Add([]byte(`{"apiVersion":"lbctl.dev/v1alpha1","kind":"MigrationPlan","phases":[{"steps":[{"manifest":"/etc/passwd"}]}]}`))
	f.Add([]byte(`{"apiVersion":"v1","kind":"ConfigMap"}`))
	f.Add([]byte(`{`))
	f.Add([]byte(""))
	f.Add([]byte("\xff\xfe{}"))
	if b, err := os.ReadFile("testdata/golden/named-ports.plan.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		dir := filepath.Join(root, "plan")
		mustWrite(t, filepath.Join(dir, "plan.json"), string(data))
		mustWrite(t, filepath.Join(dir, "02-create", "01-x.yaml"), "kind: Ingress\n")
		mustWrite(t, filepath.Join(root, "outside.yaml"), "kind: Secret\n")
		d, err := ReadDir(dir)
		if err != nil {
			if !errors.Is(err, exitcode.ErrUsage) || strings.Contains(err.Error(), "\n") {
				t.Errorf("ReadDir: %q, want one usage line", err)
			}
			return
		}
		if d.Plan == nil || d.Plan.APIVersion != APIVersion || d.Plan.Kind != Kind {
			t.Errorf("ReadDir read %+v", d.Plan)
		}
		for name, data := range d.Files {
			if !localPath(name) || string(data) == "kind: Secret\n" {
				t.Errorf("ReadDir read manifest %q from outside the plan: %q", name, data)
			}
		}
	})
}
