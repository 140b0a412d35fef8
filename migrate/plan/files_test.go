package plan

import (
	"strings"
	"testing"
)

func TestFilesStableAndClean(t *testing.T) {
	p := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	files := p.Files()
	var paths []string
	for i, f := range files {
		paths = append(paths, f.Path)
		if i > 0 && files[i-1].Path >= f.Path {
			t.Errorf("files not sorted: %s before %s", files[i-1].Path, f.Path)
		}
		if f.Path == "plan.json" {
			continue
		}
		s := string(f.Data)
		for _, bad := range []string{"status:", "creationTimestamp", "resourceVersion", "uid:", "managedFields", "last-applied-configuration"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", f.Path, bad)
			}
		}
	}
	if paths[len(paths)-1] != "plan.json" {
		t.Errorf("no plan.json: %v", paths)
	}
	q := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	for i, f := range q.Files() {
		if f.Path != files[i].Path || string(f.Data) != string(files[i].Data) {
			t.Errorf("%s differs between two renders", f.Path)
		}
	}
}

func TestRenderYAMLSortsDocuments(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	data := string(fileNamed(p, "backup/ingresses.yaml"))
	if !strings.HasPrefix(data, "apiVersion: networking.k8s.io/v1\nkind: Ingress\n") {
		t.Errorf("backup:\n%s", data)
	}
}
