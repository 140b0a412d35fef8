package kube

import (
	"errors"
	"fmt"
	"io"
	appsv1 "k8s.io/api/apps/v1"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/resource"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// ReadFiles reads manifests from files and directories (recursively), or
// from stdin for "-": multi-document YAML, JSON and List kinds such as
// `kubectl get … -o yaml` output. Kinds lbctl does not use are skipped with a
// note. A malformed file is an error naming the file (and line, where the
// decoder knows it), wrapped with exitcode.ErrUsage.
func ReadFiles(paths []string, stdin io.Reader) (*Objects, error) {
	objs := &Objects{FromFiles: true}
	var files []string
	useStdin := false
	for _, p := range paths {
		if p == "-" {
			useStdin = true
			continue
		}
		files = append(files, p)
	}
	b := resource.NewLocalBuilder().Unstructured().ContinueOnError().Flatten()
	if len(files) > 0 {
		b = b.FilenameParam(false, &resource.FilenameOptions{Filenames: files, Recursive: true})
	}
	if useStdin {
		b = b.Stream(stdin, "STDIN")
	}
	res := b.Do()
	err := res.Visit(func(info *resource.Info, err error) error {
		if err != nil {
			return err
		}
		u, ok := info.Object.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("%s: unexpected object type %T", info.Source, info.Object)
		}
		return objs.add(u, info.Source)
	})
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, "cannot read manifests: "+firstLine(err), "fix the file or leave it out of -f", errors.Join(exitcode.ErrUsage, err))
	}
	objs.Sort()
	return objs, nil
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// add converts one unstructured object into its typed list.
func (o *Objects) add(u *unstructured.Unstructured, source string) error {
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
		defaultNamespace(&x.ObjectMeta.Namespace)
		o.Services = append(o.Services, x)
	case "Pod":
		var x corev1.Pod
		if err := into(&x); err != nil {
			return err
		}
		defaultNamespace(&x.ObjectMeta.Namespace)
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
		defaultNamespace(&x.ObjectMeta.Namespace)
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
		defaultNamespace(&x.ObjectMeta.Namespace)
		o.EndpointSlices = append(o.EndpointSlices, x)
	case "Deployment.apps":
		var x appsv1.Deployment
		if err := into(&x); err != nil {
			return err
		}
		defaultNamespace(&x.ObjectMeta.Namespace)
		o.Deployments = append(o.Deployments, x)
	case "TargetGroupBinding.elbv2.k8s.aws":
		var x v1beta1.TargetGroupBinding
		if err := into(&x); err != nil {
			return err
		}
		defaultNamespace(&x.ObjectMeta.Namespace)
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

func defaultNamespace(ns *string) {
	if *ns == "" {
		*ns = "default"
	}
}
