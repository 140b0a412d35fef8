package plan

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/world"
)

// overlayCase is an input a plan is read from, as -f files or a -k
// kustomization, with the namespace objects without one take.
type overlayCase struct {
	name      string
	files     []string
	kustomize string
	namespace string
	opts      Options
	// big cases check only each phase's last overlay with -short (a
	// kustomize build of the scan estate takes a fifth of a second).
	big bool
}

func overlayCases() []overlayCase {
	est := func(name string) []string { return []string{"testdata/estates/" + name + ".yaml"} }
	return []overlayCase{
		{name: "scan-estate", files: []string{"../scan/testdata/estate"}, big: true},
		{name: "published", files: []string{"../scan/testdata/published"}, namespace: "echoserver"},
		{name: "kustomize-overlay", kustomize: "../../lbctl/kube/testdata/kustomize/overlays/prod"},
		{name: "kustomize-base", kustomize: "../../lbctl/kube/testdata/kustomize/base", namespace: "shop"},
		{name: "existing-groups", files: est("existing-groups")},
		{name: "existing-groups-regroup", files: est("existing-groups"), opts: Options{Regroup: true}},
		{name: "default-backend", files: est("default-backend")},
		{name: "actions-conditions", files: est("actions-conditions")},
		{name: "named-ports", files: est("named-ports")},
		{name: "legacy-class", files: est("legacy-class")},
		{name: "mixed-schemes", files: est("mixed-schemes")},
		{name: "conflicts", files: est("conflicts")},
	}
}

func (c overlayCase) scope(stdin []byte) world.Scope {
	s := world.Scope{Files: c.files, Kustomize: c.kustomize, Namespace: c.namespace}
	if stdin != nil {
		s = world.Scope{Files: []string{"-"}, Stdin: bytes.NewReader(stdin), Namespace: c.namespace}
	}
	return s
}

// writeOverlays plans the case and writes its directory with the overlays,
// as plan --out-dir --out-format patches does; it returns the plan, the
// directory and the input read.
func writeOverlays(t *testing.T, c overlayCase) (*Plan, string, *kube.Objects) {
	t.Helper()
	objs, err := world.ReadKube(context.Background(), world.Clients{}, c.scope(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := Build(build(objs, nil), c.opts)
	dir, err := filepath.Abs(filepath.Join(t.TempDir(), "migration"))
	if err != nil {
		t.Fatal(err)
	}
	var input []string
	for _, src := range objs.Sources {
		abs, err := filepath.Abs(src)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(dir, abs)
		if err != nil {
			t.Fatal(err)
		}
		input = append(input, filepath.ToSlash(rel))
	}
	ov, err := p.Overlays(input)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(dir, append(append([]File{}, p.Files()...), ov...)); err != nil {
		t.Fatal(err)
	}
	return p, dir, objs
}

// TestOverlaysBuildToTheManifests is the overlays' proof: every step's
// overlay, built by kustomize from the original input, gives exactly the
// state the whole-object manifests of that step and those before it give —
// every object they apply as they write it, every object they delete gone,
// every other object of the input as it was, and no namespace on an object
// whose input named none (nor on its copy). Objects are compared parsed,
// as lbctl reads them, so field order and formatting do not count. The
// -k overlays build with kustomize's default load restrictions, as Argo CD
// runs it; the -f ones read files outside the overlay and need
// LoadRestrictionsNone. With -short the scan estate checks each phase's
// last overlay only.
func TestOverlaysBuildToTheManifests(t *testing.T) {
	for _, c := range overlayCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, dir, input := writeOverlays(t, c)
			want := objectMap(input)
			wantBare := keySet(input.NoNamespace)
			added := map[string]bool{}
			n := 0
			for _, ph := range p.Phases {
				last := ""
				for _, st := range ph.Steps {
					if st.Manifest != "" {
						last = st.Manifest
					}
				}
				for _, st := range ph.Steps {
					if st.Manifest == "" {
						continue
					}
					step, err := kube.ReadManifests(kube.Manifests{Files: []string{filepath.Join(dir, st.Manifest)}, Namespace: c.namespace})
					if err != nil {
						t.Fatal(err)
					}
					for k, m := range objectMap(step) {
						if st.Op == OpDelete {
							delete(want, k)
							delete(wantBare, k)
							continue
						}
						if _, ok := want[k]; !ok {
							added[k] = true
						}
						want[k] = m
						delete(wantBare, k)
					}
					for k := range keySet(step.NoNamespace) {
						if st.Op != OpDelete {
							wantBare[k] = true
						}
					}
					if c.big && testing.Short() && st.Manifest != last {
						continue
					}
					got := buildOverlay(t, c, filepath.Join(dir, strings.TrimSuffix(st.Manifest, ".yaml")))
					gotObjs := objectMap(got)
					for k := range added {
						if strings.HasPrefix(k, "Namespace ") {
							unprotect(t, k, gotObjs[k])
						}
					}
					if diff := cmp.Diff(want, gotObjs); diff != "" {
						t.Errorf("%s: the overlay builds to another state than the manifests (-manifests +overlay):\n%s", st.Manifest, diff)
					}
					if diff := cmp.Diff(wantBare, keySet(got.NoNamespace)); diff != "" {
						t.Errorf("%s: objects without a namespace (-manifests +overlay):\n%s", st.Manifest, diff)
					}
					n++
				}
			}
			if n == 0 && len(p.Groups) > 0 {
				t.Error("no overlay was checked")
			}
		})
	}
}

// buildOverlay runs kustomize on an overlay and reads its output as lbctl
// reads manifests.
func buildOverlay(t *testing.T, c overlayCase, dir string) *kube.Objects {
	t.Helper()
	o := krusty.MakeDefaultOptions()
	if c.kustomize == "" {
		o.LoadRestrictions = types.LoadRestrictionsNone
	}
	res, err := krusty.MakeKustomizer(o).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	y, err := res.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := world.ReadKube(context.Background(), world.Clients{}, c.scope(y))
	if err != nil {
		t.Fatalf("read the build of %s: %v", dir, err)
	}
	return objs
}

// unprotect checks that a namespace an overlay adds carries the annotations
// that keep Argo CD and Flux from pruning it, and removes them: the
// manifests do not carry them.
func unprotect(t *testing.T, key string, m map[string]any) {
	t.Helper()
	md, _ := m["metadata"].(map[string]any)
	a, _ := md["annotations"].(map[string]any)
	if a[AnnotationArgoSyncOptions] != "Prune=false" || a[AnnotationFluxPrune] != "disabled" {
		t.Errorf("%s is added without prune protection: %v", key, a)
		return
	}
	delete(a, AnnotationArgoSyncOptions)
	delete(a, AnnotationFluxPrune)
	if len(a) == 0 {
		delete(md, "annotations")
	}
}

// objectMap is every object read, keyed "Kind namespace/name", as the
// manifests write the kinds a plan changes (cleaned) and as read otherwise.
func objectMap(o *kube.Objects) map[string]map[string]any {
	out := map[string]map[string]any{}
	put := func(x runtime.Object) {
		m, k, err := manifestMap(x, nil)
		if err != nil {
			panic(err)
		}
		out[k.Kind+" "+objectName(k)] = m
	}
	for i := range o.Namespaces {
		put(cleanNamespace(&o.Namespaces[i]))
	}
	for i := range o.Services {
		put(cleanService(&o.Services[i]))
	}
	for i := range o.Ingresses {
		put(cleanIngress(&o.Ingresses[i]))
	}
	putAll(o.IngressClasses, networkingv1.SchemeGroupVersion.WithKind("IngressClass"), put)
	putAll(o.EndpointSlices, discoveryv1.SchemeGroupVersion.WithKind("EndpointSlice"), put)
	putAll(o.Pods, corev1.SchemeGroupVersion.WithKind("Pod"), put)
	putAll(o.Deployments, appsv1.SchemeGroupVersion.WithKind("Deployment"), put)
	putAll(o.TargetGroupBindings, v1beta1.SchemeGroupVersion.WithKind("TargetGroupBinding"), put)
	return out
}

// putAll puts each object of a list, as read, with its kind set (the
// IngressClasses lbctl supplies have none).
func putAll[T any, P interface {
	*T
	runtime.Object
}](items []T, gvk schema.GroupVersionKind, put func(runtime.Object)) {
	for i := range items {
		x := P(&items[i]).DeepCopyObject()
		x.GetObjectKind().SetGroupVersionKind(gvk)
		put(x)
	}
}

func keySet(keys []kube.ObjectKey) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		out[k.Kind+" "+objectName(k)] = true
	}
	return out
}

// Overlays as a reviewer reads them, for a plan written with --out-dir
// migration beside the input: each file of each overlay, in plan order.
func TestOverlaysGolden(t *testing.T) {
	for _, c := range overlayCases() {
		if c.name != "published" && c.name != "kustomize-overlay" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			objs, err := world.ReadKube(context.Background(), world.Clients{}, c.scope(nil))
			if err != nil {
				t.Fatal(err)
			}
			var input []string
			for _, src := range objs.Sources {
				input = append(input, "../"+filepath.ToSlash(src))
			}
			files, err := Build(build(objs, nil), c.opts).Overlays(input)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			for _, f := range files {
				buf.WriteString("# ===== " + f.Path + "\n")
				buf.Write(f.Data)
			}
			golden(t, c.name+".overlays.yaml", buf.Bytes())
		})
	}
}
