package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/kube"
)

// yamlSeeds are strings a single-quoted YAML scalar does not carry: line
// breaks YAML 1.1 folds (U+0085, U+2028, U+2029), C0 and C1 controls, a
// noncharacter and a byte-order mark YAML readers refuse, bytes that are
// not UTF-8, and what a plain scalar would read as something else.
var yamlSeeds = []string{
	"", "web", "it's", "a: b", "- x", "# c", "80", "true", "~", "null",
	"a\u0085b", "a\u2028b", "\u2029", "a\ufffeb", "\ufeffx", "\uffff",
	"\x1b[31mred", "\x00", "\x7f", "\u009b", "tab\there", "line\nbreak", "cr\r",
	"\xff\xfe", "a\xc3", "\U0001F600", "\U0010FFFF", "\u202eevil", "\u00a0",
	`{"type":"forward","forwardConfig":{}}`, "'\"\\",
}

// jsonForm is an object as it reads back from any YAML or JSON of it:
// through JSON, which makes every number a float64 and every byte that is
// not UTF-8 U+FFFD.
func jsonForm(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzWriteYAML: whatever a key or value holds, the YAML writeYAML writes
// reads back (sigs.k8s.io/yaml, as kubectl and migrate read it) to the same
// object.
func FuzzWriteYAML(f *testing.F) {
	for _, s := range yamlSeeds {
		f.Add(s, s)
	}
	f.Add("alb.ingress.kubernetes.io/actions.x", "a\u0085b")
	f.Fuzz(func(t *testing.T, k, v string) {
		m := map[string]any{
			"apiVersion": "v1",
			"kind":       "ConfigMap",
			"metadata": map[string]any{
				"name":        "x",
				"annotations": map[string]any{k: v, "k": v},
				"labels":      map[string]any{"app": v},
			},
			"data": map[string]any{k: v},
			"spec": map[string]any{"list": []any{v, map[string]any{k: v}, []any{k}, int64(1), true, nil}},
		}
		var b bytes.Buffer
		writeYAML(&b, m)
		var back map[string]any
		if err := yaml.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatalf("the YAML does not parse: %v\n%s", err, b.String())
		}
		if diff := cmp.Diff(jsonForm(t, m), back); diff != "" {
			t.Errorf("round trip (-want +got):\n%s\n%s", diff, b.String())
		}
	})
}

// FuzzPlanFiles: every object plan writes — the steps' manifests, the
// backups and the overlays of --out-format patches — parses, reads back to
// what was written, and the backup keeps an annotation of the input exactly
// as it was, so restoring it (or --force-conflicts) does not rewrite it.
func FuzzPlanFiles(f *testing.F) {
	for _, s := range yamlSeeds {
		f.Add("example.com/note", s)
		f.Add(s, "v")
	}
	const estate = "testdata/estates/named-ports.yaml"
	f.Fuzz(func(t *testing.T, k, v string) {
		if k == "" {
			return // the API server refuses an empty annotation key
		}
		objs, err := kube.ReadFiles([]string{estate}, nil)
		if err != nil {
			t.Fatal(err)
		}
		in := &objs.Ingresses[0]
		if in.Annotations == nil {
			in.Annotations = map[string]string{}
		}
		in.Annotations[k] = v
		if in.Labels == nil {
			in.Labels = map[string]string{}
		}
		in.Labels["team"] = v
		p := Build(build(objs, nil), Options{})
		files := p.Files()
		overlays, err := p.Overlays([]string{estate})
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, overlays...)
		want := string([]rune(v)) // as JSON and YAML carry it
		backedUp := false
		for _, f := range files {
			if !strings.HasSuffix(f.Path, ".yaml") {
				continue
			}
			for _, doc := range strings.Split(string(f.Data), "\n---\n") {
				var obj map[string]any
				if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
					t.Fatalf("%s does not parse: %v\n%s", f.Path, err, doc)
				}
				var again bytes.Buffer
				writeYAML(&again, obj)
				var back map[string]any
				if err := yaml.Unmarshal(again.Bytes(), &back); err != nil {
					t.Fatalf("%s rewritten does not parse: %v\n%s", f.Path, err, again.String())
				}
				if diff := cmp.Diff(obj, back); diff != "" {
					t.Errorf("%s does not read back to what was written (-read +written again):\n%s\n%s", f.Path, diff, doc)
				}
				if f.Path != "backup/ingresses.yaml" {
					continue
				}
				md, _ := obj["metadata"].(map[string]any)
				if md["name"] != in.Name || md["namespace"] != in.Namespace {
					continue
				}
				backedUp = true
				ann, _ := md["annotations"].(map[string]any)
				if got := ann[string([]rune(k))]; got != want {
					t.Errorf("the backup of %s/%s has annotation %q = %q, want %q", in.Namespace, in.Name, k, got, want)
				}
			}
		}
		if !backedUp {
			t.Errorf("no backup of Ingress %s/%s", in.Namespace, in.Name)
		}
	})
}
