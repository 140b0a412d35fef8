package plan

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/kube"
)

// The overlays (plan --out-format patches) write the migration as changes
// to the files a team keeps in Git, for Argo CD or Flux to apply: for every step that applies or deletes
// a manifest, a kustomize overlay beside that manifest, in the directory of
// its name without ".yaml" (02-create/03-group-team-a/ beside
// 02-create/03-group-team-a.yaml). Each overlay brings the ORIGINAL input to
// its state after that step — it never builds on the previous overlay — so
// the overlays are successive replacements: a pull request swaps one for
// the next, its diff is exactly the step's change, and reverting it is the
// step's undo.

// Annotations a namespace the input does not hold gets in the overlays,
// where it is added for its readiness-gate label: the GitOps tool that
// applies the overlay then owns the Namespace, and without them it would
// delete the namespace, and everything in it, once the overlay is gone.
const (
	AnnotationArgoSyncOptions = "argocd.argoproj.io/sync-options"
	AnnotationFluxPrune       = "kustomize.toolkit.fluxcd.io/prune"
)

// overlayDepth is how deep an overlay lies in the plan directory: its
// resources name the input through this many "..".
const overlayDepth = 2

// Overlays renders a kustomize overlay per step that applies or deletes
// a manifest: kustomization.yaml, which lists the input and the overlay's
// files; patches/, one strategic-merge patch per object of the input the
// plan changes, holding only what it changes (labels, annotations, a
// Service's type and nodePorts) and naming the object as the input does
// (no namespace when the input had none), or `$patch: delete` for one it
// removes; and resources/, the objects the plan adds (the copies, in their
// state after the step, and a namespace the input lacks). input names the
// input as kustomize resources relative to the plan directory: the files
// the plan was read from (kube.Objects.Sources), or the kustomization's
// directory (-k). The caller writes them with Files, whose manifests stay:
// plan.json's steps name them and migrate applies them.
func (p *Plan) Overlays(input []string) ([]File, error) {
	if p.overlays == nil {
		return nil, errors.New("the plan has no steps to write overlays for")
	}
	return p.overlays(input)
}

// overlayObject is an object of the state an overlay reaches: as the
// manifests write it, and its type (for the patch metadata).
type overlayObject struct {
	obj runtime.Object
	m   map[string]any
}

// overlayWriter writes states as overlays against one input.
type overlayWriter struct {
	// input are the input's resources, relative to the plan directory.
	input []string
	// orig are the input's objects a step may change, as the manifests
	// write them.
	orig map[kube.ObjectKey]map[string]any
	bare map[kube.ObjectKey]bool
}

// overlays folds the steps' manifests in plan order into the state after
// each, and writes each state as an overlay.
func (b *builder) overlays(input []string) ([]File, error) {
	if len(input) == 0 {
		return nil, errors.New("overlays need the input: the files or the kustomization the plan was read from")
	}
	w := &overlayWriter{input: input, bare: b.bare()}
	var err error
	if w.orig, err = b.inputObjects(w.bare); err != nil {
		return nil, err
	}
	state := map[kube.ObjectKey]overlayObject{}
	deleted := map[kube.ObjectKey]bool{}
	var out []File
	for _, ph := range b.plan.Phases {
		for _, st := range ph.Steps {
			gen := b.phaser.files[st.Manifest]
			if st.Manifest == "" || gen == nil {
				continue
			}
			for _, o := range gen() {
				m, key, err := manifestMap(o, w.bare)
				if err != nil {
					return nil, err
				}
				if st.Op == OpDelete {
					delete(state, key)
					deleted[key] = true
					continue
				}
				state[key] = overlayObject{o, m}
				delete(deleted, key)
			}
			dir := strings.TrimSuffix(st.Manifest, ".yaml")
			files, err := w.write(dir, ph.Name, state, deleted)
			if err != nil {
				return nil, fmt.Errorf("overlay %s: %w", dir, err)
			}
			out = append(out, files...)
		}
	}
	return out, nil
}

// inputObjects are the input's objects a step may change, as the manifests
// write them.
func (b *builder) inputObjects(bare map[kube.ObjectKey]bool) (map[kube.ObjectKey]map[string]any, error) {
	var objs []runtime.Object
	o := b.t.Objects
	for i := range o.Namespaces {
		objs = append(objs, cleanNamespace(&o.Namespaces[i]))
	}
	for i := range o.Services {
		objs = append(objs, cleanService(&o.Services[i]))
	}
	for i := range o.Ingresses {
		objs = append(objs, cleanIngress(&o.Ingresses[i]))
	}
	out := make(map[kube.ObjectKey]map[string]any, len(objs))
	for _, x := range objs {
		m, key, err := manifestMap(x, bare)
		if err != nil {
			return nil, err
		}
		out[key] = m
	}
	return out, nil
}

// write writes one state (the objects the steps so far apply, and those
// they delete) as the overlay in dir.
func (w *overlayWriter) write(dir, phase string, state map[kube.ObjectKey]overlayObject, deleted map[kube.ObjectKey]bool) ([]File, error) {
	keys := make([]kube.ObjectKey, 0, len(state)+len(deleted))
	for k := range state {
		keys = append(keys, k)
	}
	for k := range deleted {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })

	var resources, patches []any
	files := false
	for _, in := range w.input {
		resources = append(resources, inputPath(in))
		files = files || isManifestFile(in)
	}
	var out []File
	add := func(sub string, key kube.ObjectKey, data []byte) string {
		name := sub + "/" + objectSlug(key, w.bare) + ".yaml"
		out = append(out, File{Path: dir + "/" + name, Data: data})
		return name
	}
	for _, key := range keys {
		from, inInput := w.orig[key]
		switch {
		case deleted[key]:
			if inInput {
				patches = append(patches, map[string]any{"path": add("patches", key, deletePatch(from))})
			}
		case inInput:
			data, err := patchFor(from, state[key])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", key.Kind, objectName(key), err)
			}
			if data != nil {
				patches = append(patches, map[string]any{"path": add("patches", key, data)})
			}
		default:
			m := state[key].m
			if key.Kind == "Namespace" {
				m = protectNamespace(m)
			}
			var buf bytes.Buffer
			writeYAML(&buf, m)
			resources = append(resources, add("resources", key, buf.Bytes()))
		}
	}
	k := map[string]any{"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}
	if len(patches) > 0 {
		k["patches"] = patches
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# %s plan --out-format patches: the input as it is after\n", buildinfo.Command())
	fmt.Fprintf(&buf, "# step %s (phase %s).\n", dir, phase)
	buf.WriteString("# Built from the original input, not from the previous step's overlay:\n")
	buf.WriteString("# it replaces that one; do not stack them.\n")
	buf.WriteString("# The first resources name the input relative to this directory: change\n")
	buf.WriteString("# them if you move the overlay.\n")
	if files {
		buf.WriteString("# kustomize reads input files outside this directory only with\n")
		buf.WriteString("# --load-restrictor LoadRestrictionsNone (Flux reads any file of its source).\n")
	}
	writeYAML(&buf, k)
	return append(out, File{Path: dir + "/kustomization.yaml", Data: buf.Bytes()}), nil
}

// patchFor is the strategic-merge patch of an input object into its state,
// or nil when the state is the input's.
func patchFor(from map[string]any, to overlayObject) ([]byte, error) {
	meta, err := strategicpatch.NewPatchMetaFromStruct(to.obj)
	if err != nil {
		return nil, err
	}
	p, err := mergePatch(from, to.m, meta)
	if err != nil {
		return nil, err
	}
	if len(p) == 0 {
		return nil, nil
	}
	p["apiVersion"], p["kind"] = to.m["apiVersion"], to.m["kind"]
	md, _ := p["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		p["metadata"] = md
	}
	for _, k := range []string{"name", "namespace"} {
		if v, ok := from["metadata"].(map[string]any)[k]; ok {
			md[k] = v
		}
	}
	var buf bytes.Buffer
	writeYAML(&buf, p)
	return buf.Bytes(), nil
}

// deletePatch removes an input object: its identity and `$patch: delete`.
func deletePatch(from map[string]any) []byte {
	md, _ := from["metadata"].(map[string]any)
	id := map[string]any{"name": md["name"]}
	if ns, ok := md["namespace"]; ok {
		id["namespace"] = ns
	}
	var buf bytes.Buffer
	writeYAML(&buf, map[string]any{"apiVersion": from["apiVersion"], "kind": from["kind"], "metadata": id})
	buf.WriteString("$patch: delete\n")
	return buf.Bytes()
}

// protectNamespace is a namespace the overlays add, with the annotations
// that keep Argo CD and Flux from pruning it (see AnnotationArgoSyncOptions).
func protectNamespace(m map[string]any) map[string]any {
	m = runtime.DeepCopyJSON(m)
	md, _ := m["metadata"].(map[string]any)
	a, _ := md["annotations"].(map[string]any)
	if a == nil {
		a = map[string]any{}
		md["annotations"] = a
	}
	a[AnnotationArgoSyncOptions] = "Prune=false"
	a[AnnotationFluxPrune] = "disabled"
	return m
}

// cleanNamespace is a Namespace as the manifests write it: its metadata.
func cleanNamespace(n *corev1.Namespace) *corev1.Namespace {
	return &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: cleanMeta(n.ObjectMeta)}
}

// inputPath names an input from an overlay's directory.
func inputPath(in string) string {
	if path.IsAbs(in) || strings.Contains(in, "://") {
		return in
	}
	return path.Join(strings.Repeat("../", overlayDepth), in)
}

func isManifestFile(p string) bool {
	switch path.Ext(p) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// objectSlug names an object's file in an overlay: kind, namespace (unless
// the input has none) and name, joined by "_", which no name holds.
func objectSlug(key kube.ObjectKey, bare map[kube.ObjectKey]bool) string {
	parts := []string{slugify(key.Kind)}
	if key.Namespace != "" && !bare[key] {
		parts = append(parts, slugify(key.Namespace))
	}
	return strings.Join(append(parts, slugify(key.Name)), "_")
}

func objectName(key kube.ObjectKey) string {
	if key.Namespace == "" {
		return key.Name
	}
	return key.Namespace + "/" + key.Name
}
