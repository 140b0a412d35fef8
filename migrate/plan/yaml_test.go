package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

func TestScalarString(t *testing.T) {
	for in, want := range map[string]string{
		"web":             "web",
		"team-a":          "team-a",
		"k8s.io/ingress":  "k8s.io/ingress",
		"80":              `'80'`,
		"0x1F":            `'0x1F'`,
		"1e3":             `'1e3'`,
		"true":            `'true'`,
		"No":              `'No'`,
		"null":            `'null'`,
		"":                `""`,
		"-x":              `'-x'`,
		"/*":              `'/*'`,
		"*.example.com":   `'*.example.com'`,
		"a: b":            `'a: b'`,
		"it's":            `'it''s'`,
		`{"type":"x"}`:    `'{"type":"x"}'`,
		"line\nbreak":     `"line\nbreak"`,
		"arn:aws:acm:x/1": `'arn:aws:acm:x/1'`,
		"café":            `'café'`,
		"a\u0085b":        `"a\u0085b"`,
		"a\u2028b":        `"a\u2028b"`,
		"a\ufffeb":        `"a\ufffeb"`,
		"a\ufeffb":        `"a\ufeffb"`,
		"\u009bx":         `"\u009bx"`,
		"\x1b[31m":        `"\x1b[31m"`,
		"a\xffb":          "\"a\ufffdb\"",
	} {
		if got := scalarString(in); got != want {
			t.Errorf("scalarString(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestWriteYAMLRoundTrip: every manifest the goldens render reads back to
// the same object.
func TestWriteYAMLRoundTrip(t *testing.T) {
	m := map[string]any{
		"apiVersion": "v1",
		"metadata":   map[string]any{"name": "x", "annotations": map[string]any{"a/b": `{"k":[1,2]}`, "n": "80", "q": "it's", "ml": "a\nb"}, "labels": map[string]any{}},
		"spec": map[string]any{
			"ports": []any{map[string]any{"port": int64(80), "name": "http"}, map[string]any{}},
			"list":  []any{"a", int64(1), true, nil, []any{"nested"}, []any{}},
			"f":     1.5,
			"empty": []any{},
			"rules": []any{map[string]any{"http": map[string]any{"paths": []any{map[string]any{"path": "/*", "backend": map[string]any{"service": map[string]any{"name": "s"}}}}}}},
		},
	}
	var b bytes.Buffer
	writeYAML(&b, m)
	var back map[string]any
	if err := yaml.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	want := map[string]any{}
	js, _ := yaml.Marshal(m)
	_ = yaml.Unmarshal(js, &want)
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s\n%s", diff, b.String())
	}
	for _, tc := range []string{"testdata/estates/actions-conditions.yaml", "testdata/estates/named-ports.yaml"} {
		p := Build(topoFiles(t, "", tc), Options{})
		for _, f := range p.Files() {
			if f.Path == "plan.json" {
				continue
			}
			for _, doc := range strings.Split(string(f.Data), "---\n") {
				var obj map[string]any
				if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj["kind"] == nil {
					t.Errorf("%s: %v\n%s", f.Path, err, doc)
				}
			}
		}
	}
}
