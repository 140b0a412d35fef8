package kube

import (
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

// readErr reads manifest (from stdin) and returns the one-line usage
// error it gives.
func readErr(t *testing.T, m Manifests) string {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, err := ReadManifests(m); done <- err }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("ReadManifests(%v) blocked", m.Files)
	}
	if !errors.Is(err, exitcode.ErrUsage) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans several lines: %q", err)
	}
	return err.Error()
}

// Names the API server would refuse are refused as it would, naming the
// file, the object and the field: they could never be applied, and a name
// such as "x;touch y" would run in a printed command a reviewer pastes.
func TestReadManifestsInvalidNames(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"shell in an Ingress name", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: 'web;touch pwned', namespace: shop}\n",
			`STDIN: Ingress shop/web;touch pwned: metadata.name "web;touch pwned" is not a lowercase RFC 1123 subdomain`},
		{"command substitution in a namespace", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: '$(touch pwned)'}\n",
			`STDIN: Service $(touch pwned)/web: metadata.namespace "$(touch pwned)" is not a lowercase RFC 1123 label`},
		{"a dot in a Service name", "apiVersion: v1\nkind: Service\nmetadata: {name: web.v2}\n",
			`metadata.name "web.v2" is not a lowercase RFC 1035 label`},
		{"upper case in a Namespace", "apiVersion: v1\nkind: Namespace\nmetadata: {name: Shop}\n",
			`Namespace Shop: metadata.name "Shop" is not a lowercase RFC 1123 label`},
		{"a line break in a Deployment name", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: \"a\\nb\"}\n",
			`Deployment "a\nb": metadata.name "a\nb" is not`},
		{"no name", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {namespace: shop}\n",
			`Ingress shop/: metadata.name "" is empty`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := readErr(t, Manifests{Files: []string{"-"}, Stdin: strings.NewReader(tc.doc), Namespace: "shop"})
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "rename it") {
				t.Errorf("error %q, want %q and the fix", msg, tc.want)
			}
		})
	}
	// Kinds lbctl skips are not judged.
	objs, err := ReadManifests(Manifests{Files: []string{"-"}, Stdin: strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_A_Name}\n")})
	if err != nil || len(objs.Notes) != 1 {
		t.Errorf("a skipped kind with an odd name: %v %v", err, objs)
	}
}

// Input without a single object is an error, as kubectl's "no objects
// passed to apply".
func TestReadManifestsEmpty(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, []byte("# nothing\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]Manifests{
		"empty stdin":                 {Files: []string{"-"}, Stdin: strings.NewReader("")},
		"comments only":               {Files: []string{empty}},
		"a directory of no manifests": {Files: []string{t.TempDir()}},
	} {
		t.Run(name, func(t *testing.T) {
			if msg := readErr(t, m); !strings.Contains(msg, "no objects passed: -f ") || !strings.Contains(msg, "held no Kubernetes object") {
				t.Errorf("error %q", msg)
			}
		})
	}
}

// Objects of kinds lbctl does not use make one note, counting them by kind.
func TestReadManifestsSkippedSummary(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\n" +
		"apiVersion: v1\nkind: Secret\nmetadata: {name: c}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
	objs, err := ReadManifests(Manifests{Files: []string{"-"}, Stdin: strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	want := []Note{{Source: "STDIN", Message: "skipped 3 objects of kinds lbctl does not use: ConfigMap (2), Secret (1)"}}
	if diff := cmp.Diff(want, objs.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

// A key a mapping holds twice is a warning naming the file, the object and
// the key; the last one counts, as kubectl reads it.
func TestReadManifestsDuplicateKeys(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "web.yaml")
	doc := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/scheme: internal
    alb.ingress.kubernetes.io/scheme: internet-facing
spec:
  ingressClassName: alb
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: shop}
  spec: {type: ClusterIP}
  spec: {type: NodePort}
`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, err := ReadFiles([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Note{
		{Source: path, Message: `Ingress shop/web: key "metadata.annotations.alb.ingress.kubernetes.io/scheme" appears twice (lines 7 and 8); the one on line 8 counts, as kubectl reads it`},
		{Source: path, Message: `Service shop/web: key "spec" appears twice (lines 18 and 19); the one on line 19 counts, as kubectl reads it`},
	}
	if diff := cmp.Diff(want, objs.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if got := objs.Ingresses[0].Annotations["alb.ingress.kubernetes.io/scheme"]; got != "internet-facing" {
		t.Errorf("scheme = %q, want the last value", got)
	}
}

// A device or FIFO where a file is expected is refused before it is read;
// so is one a kustomization names.
func TestReadManifestsNotAFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or FIFOs")
	}
	if msg := readErr(t, Manifests{Files: []string{"/dev/zero"}}); !strings.Contains(msg, "/dev/zero: is a character device, not a regular file") {
		t.Errorf("-f /dev/zero: %q", msg)
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "web.yaml")
	if err := exec.Command("mkfifo", fifo).Run(); err != nil {
		t.Skip(err)
	}
	if msg := readErr(t, Manifests{Files: []string{fifo}}); !strings.Contains(msg, "is a FIFO, not a regular file") {
		t.Errorf("-f FIFO: %q", msg)
	}
	if msg := readErr(t, Manifests{Files: []string{dir}}); !strings.Contains(msg, "is a FIFO") {
		t.Errorf("-f a directory holding a FIFO: %q", msg)
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [web.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg := readErr(t, Manifests{Kustomize: dir}); !strings.Contains(msg, "is a FIFO") {
		t.Errorf("-k naming a FIFO: %q", msg)
	}
}
