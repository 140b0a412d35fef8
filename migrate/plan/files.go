package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lbctl/lbctl/lbctl/kube"
)

// files renders every step's manifest, the backups the undos apply, and
// plan.json. Objects in a file are sorted by kind, namespace and name; YAML
// keys are sorted; server-set fields (status, creationTimestamp) are left
// out, so the files suit kubectl apply, kubectl diff and GitOps review.
func (b *builder) files() []File {
	sets := map[string][]runtime.Object{}
	if b.phaser != nil {
		for k, gen := range b.phaser.files {
			sets[k] = gen()
		}
	}
	var ings, svcs []runtime.Object
	for _, m := range b.moves {
		ings = append(ings, cleanIngress(m.in.Object))
	}
	for _, bn := range b.bins {
		for in := range bn.renumber {
			if b.moveOf[in] == nil {
				ings = append(ings, cleanIngress(in.Object))
			}
		}
	}
	for _, s := range b.services {
		svcs = append(svcs, cleanService(s.svc))
	}
	if len(ings) > 0 {
		sets["backup/ingresses.yaml"] = ings
	}
	if len(svcs) > 0 {
		sets["backup/services.yaml"] = svcs
	}
	bare := b.bare()
	var out []File
	for _, path := range sortedKeys(sets) {
		data, err := renderYAML(sets[path], bare)
		if err != nil {
			data = []byte(fmt.Sprintf("# cannot render: %v\n", err))
		}
		out = append(out, File{Path: path, Data: data})
	}
	js, err := json.MarshalIndent(b.plan, "", "  ")
	if err == nil {
		out = append(out, File{Path: planFile, Data: append(js, '\n')})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// keyLess orders objects as the manifests list them: by kind (namespaces,
// Services, Ingresses, the rest), namespace and name.
func keyLess(a, c kube.ObjectKey) bool {
	if kindOrder(a.Kind) != kindOrder(c.Kind) {
		return kindOrder(a.Kind) < kindOrder(c.Kind)
	}
	if a.Namespace != c.Namespace {
		return a.Namespace < c.Namespace
	}
	return a.Name < c.Name
}

func kindOrder(kind string) int {
	switch kind {
	case "Namespace":
		return 0
	case "Service":
		return 1
	case "Ingress":
		return 2
	}
	return 3
}

// bare are the objects the manifests leave without metadata.namespace: those
// the input named none for (they took the reader's namespace, Plan.Namespace),
// and the copies of such Ingresses, so the files fit the repository and the
// kustomization they came from.
func (b *builder) bare() map[kube.ObjectKey]bool {
	if len(b.t.Objects.NoNamespace) == 0 {
		return nil
	}
	out := make(map[kube.ObjectKey]bool, len(b.t.Objects.NoNamespace)+len(b.moves))
	for _, k := range b.t.Objects.NoNamespace {
		out[k] = true
	}
	for _, m := range b.moves {
		if out[kube.ObjectKey{Kind: "Ingress", Namespace: m.in.Object.Namespace, Name: m.in.Object.Name}] {
			out[kube.ObjectKey{Kind: "Ingress", Namespace: m.in.Object.Namespace, Name: m.newName}] = true
		}
	}
	return out
}

// manifestMap is an object as the manifests write it: unstructured, without
// status or creationTimestamp, and without metadata.namespace when bare
// holds it. key names the object with the namespace it was read in.
func manifestMap(o runtime.Object, bare map[kube.ObjectKey]bool) (map[string]any, kube.ObjectKey, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		return nil, kube.ObjectKey{}, fmt.Errorf("convert %T: %w", o, err)
	}
	delete(m, "status")
	md, _ := m["metadata"].(map[string]any)
	if md != nil {
		delete(md, "creationTimestamp")
	}
	kind, _ := m["kind"].(string)
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	key := kube.ObjectKey{Kind: kind, Namespace: ns, Name: name}
	if bare[key] {
		delete(md, "namespace")
	}
	return m, key, nil
}

// renderYAML writes objects as a multi-document YAML stream, leaving
// metadata.namespace out for the bare ones.
func renderYAML(objs []runtime.Object, bare map[kube.ObjectKey]bool) ([]byte, error) {
	type doc struct {
		key kube.ObjectKey
		m   map[string]any
	}
	docs := make([]doc, 0, len(objs))
	for _, o := range objs {
		m, key, err := manifestMap(o, bare)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc{key, m})
	}
	sort.SliceStable(docs, func(i, j int) bool { return keyLess(docs[i].key, docs[j].key) })
	var buf bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		writeYAML(&buf, d.m)
	}
	return buf.Bytes(), nil
}
