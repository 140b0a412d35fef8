package kube

import (
	"errors"
	"fmt"
	"io"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/resource"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
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
// does not use are skipped with a note. A malformed file is an error naming
// the file (and line, where the decoder knows it), wrapped with
// exitcode.ErrUsage.
func ReadManifests(m Manifests) (*Objects, error) {
	r := manifestReader{o: &Objects{FromFiles: true}, ns: m.Namespace}
	if r.ns == "" {
		r.ns = metav1.NamespaceDefault
	}
	var files []string
	useStdin := false
	for _, p := range m.Files {
		if p == "-" {
			useStdin = true
			continue
		}
		files = append(files, p)
	}
	what, fix := "manifests", "fix the file or leave it out of -f"
	if m.Kustomize != "" {
		what, fix = "the kustomization "+m.Kustomize, "fix it until `kubectl kustomize "+m.Kustomize+"` builds"
		if len(m.Files) > 0 {
			return nil, exitcode.New(exitcode.Usage, "-f and -k cannot be combined", "read the files or the kustomization, as kubectl does", exitcode.ErrUsage)
		}
	}
	b := resource.NewLocalBuilder().Unstructured().ContinueOnError().Flatten()
	if len(files) > 0 {
		b = b.FilenameParam(false, &resource.FilenameOptions{Filenames: files, Recursive: true})
	}
	if m.Kustomize != "" {
		b = b.FilenameParam(false, &resource.FilenameOptions{Kustomize: m.Kustomize})
	}
	if useStdin {
		b = b.Stream(m.Stdin, "STDIN")
	}
	res := b.Do()
	seen := map[string]bool{}
	err := res.Visit(func(info *resource.Info, err error) error {
		if err != nil {
			return err
		}
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
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, "cannot read "+what+": "+firstLine(err), fix, errors.Join(exitcode.ErrUsage, err))
	}
	r.o.Sort()
	return r.o, nil
}

// manifestReader collects objects, giving namespaced ones without a
// namespace its own.
type manifestReader struct {
	o  *Objects
	ns string
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
		o.Notes = append(o.Notes, Note{Source: source, Message: fmt.Sprintf("skipped %s %s: lbctl does not use this kind", gvk.Kind, objectName(u))})
	}
	return nil
}

func objectName(u *unstructured.Unstructured) string {
	if u.GetNamespace() != "" {
		return u.GetNamespace() + "/" + u.GetName()
	}
	return u.GetName()
}
