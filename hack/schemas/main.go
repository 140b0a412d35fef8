// Command schemas writes docs/schemas/*.schema.json, the JSON Schemas of the
// documents lbctl prints and reads (ScanReport, MigrationPlan, DoctorReport, a load
// test's RUN.json), reflected from their Go types and doc comments. Run it from the
// module root with `go generate ./hack/schemas` (or `go run ./hack/schemas`);
// its test fails when a committed schema is stale.
package main

//go:generate go run . -root ../..

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/lbctl/lbctl/lbctl/preflight"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/migrate/plan"
	"github.com/lbctl/lbctl/migrate/scan"
)

// modulePath is the import path the comment reader joins directories to.
const modulePath = "github.com/lbctl/lbctl"

// outDir is where the schemas go, relative to the module root.
const outDir = "docs/schemas"

// document is one schema to write.
type document struct {
	file  string
	value any
	title string
	// dirs hold the Go sources whose comments describe the types.
	dirs []string
}

func documents() []document {
	return []document{
		{file: "scan-report.schema.json", value: scan.Report{}, title: "lbctl ScanReport (scan -o json)",
			dirs: []string{"migrate/scan", "lbctl/topology"}},
		{file: "migration-plan.schema.json", value: plan.Plan{}, title: "lbctl MigrationPlan (plan -o json, plan.json)",
			dirs: []string{"migrate/plan", "migrate/scan", "lbctl/topology"}},
		{file: "doctor-report.schema.json", value: preflight.DoctorReport{}, title: "lbctl DoctorReport (doctor -o json)",
			dirs: []string{"lbctl/preflight"}},
		{file: "loadtest-run.schema.json", value: loadtest.Run{}, title: "lbctl load-test run (RUN.json, " + loadtest.Schema + ")",
			dirs: []string{"loadtest"}},
	}
}

// mapType describes the types whose JSON is not their Go shape: histograms
// encode as one base64 string.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[loadtest.Histogram](), reflect.TypeFor[loadtest.Sparse]():
		return &jsonschema.Schema{Type: "string", ContentEncoding: "base64",
			Description: "an HdrHistogram in its V2 compressed encoding, base64: lossless and mergeable"}
	}
	return nil
}

// Generate returns each schema file's content by name. It reads Go sources
// for comments, relative to the working directory, which must be the module
// root.
func Generate() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, d := range documents() {
		r := &jsonschema.Reflector{Mapper: mapType}
		for _, dir := range d.dirs {
			if err := r.AddGoComments(modulePath, "./"+dir); err != nil {
				return nil, fmt.Errorf("read comments of %s: %w", dir, err)
			}
		}
		s := r.Reflect(d.value)
		allowNull(s.Definitions, reflect.TypeOf(d.value), map[reflect.Type]bool{})
		s.Title = d.title
		s.ID = jsonschema.ID("https://lbctl.dev/schemas/" + d.file)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			return nil, fmt.Errorf("encode %s: %w", d.file, err)
		}
		out[d.file] = b.Bytes()
	}
	return out, nil
}

// allowNull lets a property be null where encoding/json writes null: a nil
// slice, map or pointer in a field without omitempty.
func allowNull(defs jsonschema.Definitions, t reflect.Type, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	def := defs[t.Name()]
	if def == nil || def.Properties == nil {
		return
	}
	var fields func(t reflect.Type)
	fields = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous && name == "" {
				fields(f.Type)
				continue
			}
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			allowNull(defs, f.Type, seen)
			switch f.Type.Kind() {
			case reflect.Slice, reflect.Map, reflect.Pointer:
			default:
				continue
			}
			if strings.Contains(","+opts+",", ",omitempty,") {
				continue
			}
			if p, ok := def.Properties.Get(name); ok {
				def.Properties.Set(name, &jsonschema.Schema{AnyOf: []*jsonschema.Schema{p, {Type: "null"}}})
			}
		}
	}
	fields(t)
}

func main() {
	root := flag.String("root", ".", "the module root")
	flag.Parse()
	if err := os.Chdir(*root); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	files, err := Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
	}
}
