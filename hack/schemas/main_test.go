package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/lbctl/lbctl/loadtest"
)

// TestSchemasFresh regenerates every schema and compares it with the
// committed file.
func TestSchemasFresh(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(outDir, name))
		if err != nil {
			t.Errorf("%v: run go generate ./hack/schemas", err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s is stale: run go generate ./hack/schemas", outDir, name)
		}
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := files[e.Name()]; !ok {
			t.Errorf("%s/%s is not generated: remove it or add it to documents()", outDir, e.Name())
		}
	}
}

// TestDocumentsValidate checks real documents against the committed
// schemas: the scan and plan golden files, and a saved load-test run.
func TestDocumentsValidate(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	compile := func(name string) *jsonschema.Schema {
		t.Helper()
		s, err := jsonschema.Compile(filepath.Join(outDir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	validate := func(s *jsonschema.Schema, label string, doc []byte) {
		t.Helper()
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s does not match its schema: %#v", label, err)
		}
	}
	globs := map[string]string{
		"scan-report.schema.json":    "migrate/scan/testdata/golden/*.json",
		"migration-plan.schema.json": "migrate/plan/testdata/golden/*.plan.json",
	}
	names := make([]string, 0, len(globs))
	for n := range globs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		s := compile(name)
		paths, _ := filepath.Glob(globs[name])
		if len(paths) == 0 {
			t.Fatalf("no documents match %s", globs[name])
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			validate(s, p, b)
		}
	}

	m := loadtest.NewMetrics([]string{"cart.example.com/"})
	run := &loadtest.Run{Schema: loadtest.Schema, Metrics: *m,
		Meta: loadtest.Meta{Tool: "lbctl", Name: "run", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Measured: time.Second,
			Targets: []loadtest.Target{}}}
	run.Summary = run.Summarize()
	var b bytes.Buffer
	if err := run.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	validate(compile("loadtest-run.schema.json"), "a saved run", b.Bytes())
	if !strings.Contains(b.String(), loadtest.Schema) {
		t.Errorf("run has no schema name: %s", b.String())
	}
}
