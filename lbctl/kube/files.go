package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/resource"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/userfile"
)

// Manifests say which manifests ReadManifests reads, and the namespace of
// the objects that name none.
type Manifests struct {
	// Files are files and directories (read recursively); "-" reads Stdin.
	// Helm template output reads as it is: "# Source:" comments, "---"
	// separators and empty documents are skipped.
	Files []string
	Stdin io.Reader
	// Kustomize is a kustomization directory, built as kubectl -k builds it
	// (namespace, name prefixes, patches and overlays applied). kubectl
	// takes -f or -k, not both; so does ReadManifests.
	Kustomize string
	// Namespace is what namespaced objects without metadata.namespace take,
	// as kubectl gives them -n or the context's namespace; "" is "default".
	Namespace string
}

// ReadFiles reads manifests from files and directories, or from stdin for
// "-", with "default" for objects that name no namespace (ReadManifests).
func ReadFiles(paths []string, stdin io.Reader) (*Objects, error) {
	return ReadManifests(Manifests{Files: paths, Stdin: stdin})
}

// ReadManifests reads manifests through cli-runtime's resource builder, as
// kubectl does: multi-document YAML, JSON and List kinds such as `kubectl get
// … -o yaml` output, Helm template output, or a kustomization. Kinds lbctl
// does not use are skipped with one note counting them; keys a YAML mapping
// holds twice are warnings (Objects.Warnings). A malformed file, an object
// whose name the API server would refuse, or input without a single object
// is an error naming the file (and line, or object), wrapped with
// exitcode.ErrUsage.
//
// Every file, and stdin, is read whole first, bounded
// (userfile.ManifestLimit): a device, FIFO or socket where a file is
// expected is refused, and so is a file a kustomization names.
func ReadManifests(m Manifests) (*Objects, error) {
	r := manifestReader{o: &Objects{FromFiles: true}, ns: m.Namespace, skipped: map[string]int{}}
	if r.ns == "" {
		r.ns = metav1.NamespaceDefault
	}
	what, fix := "manifests", "fix the file or leave it out of -f"
	if m.Kustomize != "" {
		what, fix = "the kustomization "+m.Kustomize, "fix it until `"+shellescape.QuoteCommand([]string{"kubectl", "kustomize", m.Kustomize})+"` builds"
		if len(m.Files) > 0 {
			return nil, exitcode.New(exitcode.Usage, "-f and -k cannot be combined", "read the files or the kustomization, as kubectl does", exitcode.ErrUsage)
		}
	}
	inputs, urls, err := readInputs(m)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, "cannot read "+what+": "+firstLine(err), fix, errors.Join(exitcode.ErrUsage, err))
	}
	b := resource.NewLocalBuilder().Unstructured().ContinueOnError().Flatten()
	if len(urls) > 0 {
		b = b.FilenameParam(false, &resource.FilenameOptions{Filenames: urls})
	}
	for _, in := range inputs {
		b = b.Stream(bytes.NewReader(in.data), in.source)
		r.o.Warnings = append(r.o.Warnings, duplicateKeys(in.source, in.data)...)
	}
	read := 0
	seen := map[string]bool{}
	if len(inputs) > 0 || len(urls) > 0 {
		err = b.Do().Visit(func(info *resource.Info, err error) error {
			if err != nil {
				return err
			}
			read++
			if !seen[info.Source] {
				seen[info.Source] = true
				r.o.Sources = append(r.o.Sources, info.Source)
			}
			u, ok := info.Object.(*unstructured.Unstructured)
			if !ok {
				return fmt.Errorf("%s: unexpected object type %T", info.Source, info.Object)
			}
			return r.add(u, info.Source)
		})
	}
	if r.invalid != nil {
		return nil, r.invalid
	}
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, "cannot read "+what+": "+firstLine(err), fix, errors.Join(exitcode.ErrUsage, err))
	}
	if read == 0 {
		return nil, exitcode.New(exitcode.Usage, "no objects passed: "+inputNames(m)+" held no Kubernetes object",
			"pass manifests with apiVersion and kind (kubectl get … -o yaml writes them), or check the path", exitcode.ErrUsage)
	}
	r.noteSkipped()
	r.o.Sort()
	return r.o, nil
}

// input is one manifest stream read whole: a file, stdin, or the output of
// a kustomization.
type input struct {
	source string
	data   []byte
}

// readInputs reads what m names: each file, each file of a directory
// (recursively, .json, .yaml and .yml as kubectl takes them), glob
// patterns, stdin for "-", or the kustomization built over a bounded file
// system. A path named twice is read once. http(s) URLs are left to the
// resource builder, which fetches them as kubectl does.
// URLTimeout bounds fetching a manifest named by URL.
const URLTimeout = 30 * time.Second

// fetchManifest reads a manifest named by an http(s) URL, as kubectl -f
// does, under the same size limit as a file.
func fetchManifest(u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), URLTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot fetch %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot fetch %s: %s", u, resp.Status)
	}
	return userfile.ReadAll(resp.Body, u, userfile.ManifestLimit)
}

func readInputs(m Manifests) (inputs []input, urls []string, err error) {
	if m.Kustomize != "" {
		data, err := buildKustomization(m.Kustomize)
		if err != nil {
			return nil, nil, err
		}
		return []input{{source: m.Kustomize, data: data}}, nil, nil
	}
	read := map[string]bool{}
	add := func(source string, raw []byte) error {
		data, _, err := transform.Bytes(unicode.BOMOverride(unicode.UTF8.NewDecoder()), raw) // UTF-16 with a BOM, as kubectl reads files
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
		inputs = append(inputs, input{source: source, data: data})
		return nil
	}
	for _, p := range m.Files {
		switch {
		case p == "-":
			if read[p] {
				continue
			}
			read[p] = true
			if m.Stdin == nil {
				return nil, nil, errors.New("-f - reads stdin, but there is none")
			}
			data, err := userfile.ReadAll(m.Stdin, "STDIN", userfile.ManifestLimit)
			if err != nil {
				return nil, nil, err
			}
			if err := add("STDIN", data); err != nil {
				return nil, nil, err
			}
			continue
		case strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://"):
			if read[p] {
				continue
			}
			read[p] = true
			data, err := fetchManifest(p)
			if err != nil {
				return nil, nil, err
			}
			if err := add(p, data); err != nil {
				return nil, nil, err
			}
			continue
		}
		matches := []string{p}
		if _, err := os.Stat(p); err != nil && strings.ContainsAny(p, "*?[") {
			if matches, err = filepath.Glob(p); err != nil || len(matches) == 0 {
				return nil, nil, fmt.Errorf("the path %q matches no file", p)
			}
		}
		for _, root := range matches {
			err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) && path == root {
						return fmt.Errorf("the path %q does not exist", root)
					}
					return err
				}
				if d.IsDir() {
					return nil
				}
				if path != root && !slices.Contains(resource.FileExtensions, filepath.Ext(path)) {
					return nil
				}
				if read[filepath.Clean(path)] {
					return nil
				}
				read[filepath.Clean(path)] = true
				data, err := userfile.Read(path, userfile.ManifestLimit)
				if err != nil {
					return err
				}
				return add(path, data)
			})
			if err != nil {
				return nil, nil, err
			}
		}
	}
	return inputs, urls, nil
}

// buildKustomization builds dir as kubectl -k does, every file it reads
// bounded as -f's are.
func buildKustomization(dir string) ([]byte, error) {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	res, err := krusty.MakeKustomizer(opts).Run(boundedFS{filesys.MakeFsOnDisk()}, dir)
	if err != nil {
		return nil, err
	}
	return res.AsYaml()
}

// boundedFS is the disk as kustomize reads it, each file through
// userfile's bounds.
type boundedFS struct{ filesys.FileSystem }

func (b boundedFS) ReadFile(path string) ([]byte, error) {
	return userfile.Read(path, userfile.ManifestLimit)
}

func (b boundedFS) Open(path string) (filesys.File, error) {
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		if err := userfile.Check(path, fi, userfile.ManifestLimit); err != nil {
			return nil, err
		}
	}
	return b.FileSystem.Open(path)
}

// inputNames words what m names for a message: "-f a.yaml, dir" or "-k dir".
func inputNames(m Manifests) string {
	if m.Kustomize != "" {
		return "-k " + m.Kustomize
	}
	names := make([]string, len(m.Files))
	for i, f := range m.Files {
		names[i] = printable(f)
	}
	return "-f " + strings.Join(names, ", ")
}

// manifestReader collects objects, giving namespaced ones without a
// namespace its own.
type manifestReader struct {
	o  *Objects
	ns string
	// skipped counts the objects of kinds lbctl does not use, by kind;
	// skippedOne names the first.
	skipped    map[string]int
	skippedOne string
	skippedSrc map[string]bool
	// invalid is the first object whose name the API server would refuse.
	invalid error
}

// namespace gives a namespaced object without one the reader's namespace
// and records that it had none.
func (r *manifestReader) namespace(kind string, m *metav1.ObjectMeta) {
	if m.Namespace != "" {
		return
	}
	m.Namespace = r.ns
	r.o.NoNamespace = append(r.o.NoNamespace, ObjectKey{Kind: kind, Namespace: r.ns, Name: m.Name})
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// add converts one unstructured object into its typed list.
func (r *manifestReader) add(u *unstructured.Unstructured, source string) error {
	o := r.o
	gvk := u.GroupVersionKind()
	if err := validName(gvk.GroupKind().String(), u, source); err != nil {
		if r.invalid == nil {
			r.invalid = err
		}
		return nil
	}
	into := func(dst any) error {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, dst); err != nil {
			return fmt.Errorf("%s: %s %s/%s: %w", source, gvk.Kind, u.GetNamespace(), u.GetName(), err)
		}
		return nil
	}
	switch gvk.GroupKind().String() {
	case "Namespace":
		var x corev1.Namespace
		if err := into(&x); err != nil {
			return err
		}
		o.Namespaces = append(o.Namespaces, x)
	case "Service":
		var x corev1.Service
		if err := into(&x); err != nil {
			return err
		}
		r.namespace(gvk.Kind, &x.ObjectMeta)
		o.Services = append(o.Services, x)
	case "Pod":
		var x corev1.Pod
		if err := into(&x); err != nil {
			return err
		}
		r.namespace(gvk.Kind, &x.ObjectMeta)
		o.Pods = append(o.Pods, x)
	case "Node":
		var x corev1.Node
		if err := into(&x); err != nil {
			return err
		}
		o.Nodes = append(o.Nodes, x)
	case "Ingress.networking.k8s.io":
		var x networkingv1.Ingress
		if err := into(&x); err != nil {
			return err
		}
		r.namespace(gvk.Kind, &x.ObjectMeta)
		o.Ingresses = append(o.Ingresses, x)
	case "IngressClass.networking.k8s.io":
		var x networkingv1.IngressClass
		if err := into(&x); err != nil {
			return err
		}
		o.IngressClasses = append(o.IngressClasses, x)
	case "EndpointSlice.discovery.k8s.io":
		var x discoveryv1.EndpointSlice
		if err := into(&x); err != nil {
			return err
		}
		r.namespace(gvk.Kind, &x.ObjectMeta)
		o.EndpointSlices = append(o.EndpointSlices, x)
	case "Deployment.apps":
		var x appsv1.Deployment
		if err := into(&x); err != nil {
			return err
		}
		r.namespace(gvk.Kind, &x.ObjectMeta)
		o.Deployments = append(o.Deployments, x)
	case "TargetGroupBinding.elbv2.k8s.aws":
		var x v1beta1.TargetGroupBinding
		if err := into(&x); err != nil {
			return err
		}
		r.namespace(gvk.Kind, &x.ObjectMeta)
		o.TargetGroupBindings = append(o.TargetGroupBindings, x)
	case "IngressClassParams.elbv2.k8s.aws":
		var x v1beta1.IngressClassParams
		if err := into(&x); err != nil {
			return err
		}
		o.IngressClassParams = append(o.IngressClassParams, x)
	default:
		if len(r.skipped) == 0 {
			r.skippedOne = printable(gvk.Kind) + " " + printable(objectName(u))
			r.skippedSrc = map[string]bool{}
		}
		r.skipped[printable(gvk.Kind)]++
		r.skippedSrc[source] = true
	}
	return nil
}

// noteSkipped adds one note for the objects of kinds lbctl does not use:
// the object when there is one, else how many of each kind.
func (r *manifestReader) noteSkipped() {
	n := 0
	for _, c := range r.skipped {
		n += c
	}
	if n == 0 {
		return
	}
	source := "manifests"
	if len(r.skippedSrc) == 1 {
		for s := range r.skippedSrc {
			source = s
		}
	}
	if n == 1 {
		r.o.Notes = append(r.o.Notes, Note{Source: source, Message: "skipped " + r.skippedOne + ": lbctl does not use this kind"})
		return
	}
	kinds := make([]string, 0, len(r.skipped))
	for _, k := range slices.Sorted(maps.Keys(r.skipped)) {
		kinds = append(kinds, fmt.Sprintf("%s (%d)", k, r.skipped[k]))
	}
	r.o.Notes = append(r.o.Notes, Note{Source: source, Message: fmt.Sprintf("skipped %d objects of kinds lbctl does not use: %s", n, strings.Join(kinds, ", "))})
}

func objectName(u *unstructured.Unstructured) string {
	if u.GetNamespace() != "" {
		return u.GetNamespace() + "/" + u.GetName()
	}
	return u.GetName()
}
