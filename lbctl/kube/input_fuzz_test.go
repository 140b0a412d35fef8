package kube

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// FuzzReadManifests: whatever stdin holds, ReadManifests does not panic;
// it reads objects whose names the API server would take, or refuses the
// input with one usage line.
func FuzzReadManifests(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: 'web;touch x'}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: web}\nmetadata: {name: api}\n",
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n",
		"a: &a [*a]\n", "---\n---\n", "# only a comment\n", "{", "\xff\xfe\x00a", "kind: Ingress\n",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}`,
		"apiVersion: v1\nkind: Service\nmetadata: {name: \"a\\u0085b\"}\n",
	} {
		f.Add([]byte(s))
	}
	for _, dir := range []string{"testdata/files", "testdata/helm"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := ReadManifests(Manifests{Files: []string{"-"}, Stdin: bytes.NewReader(data)})
		if err != nil {
			if !errors.Is(err, exitcode.ErrUsage) || strings.Contains(err.Error(), "\n") {
				t.Errorf("ReadManifests: %q, want one usage line", err)
			}
			return
		}
		for _, in := range objs.Ingresses {
			if !validSubdomain(in.Name) || !validLabel(in.Namespace) {
				t.Errorf("read Ingress %q/%q", in.Namespace, in.Name)
			}
		}
		for _, s := range objs.Services {
			if !validLabel(s.Name) || !validLabel(s.Namespace) {
				t.Errorf("read Service %q/%q", s.Namespace, s.Name)
			}
		}
		for _, w := range append(objs.Notes, objs.Warnings...) {
			if strings.Contains(w.Message, "\n") {
				t.Errorf("a note of several lines: %q", w.Message)
			}
		}
	})
}

func validSubdomain(s string) bool { return len(subdomain.valid(s, false)) == 0 }
func validLabel(s string) bool     { return len(label.valid(s, false)) == 0 }
