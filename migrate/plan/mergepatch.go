package plan

import (
	"fmt"
	"reflect"
	"slices"

	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// mergePatch is the strategic-merge patch that turns from into to, two
// objects as the manifests write them (unstructured): what to changes or
// adds with its new value, what it removes as null, nothing it keeps, so a
// reviewer reads only the change. meta (the object's Go type, through
// strategicpatch) says which lists merge by key: such a list (a Service's
// ports) is patched element by element, each element with its scalar fields
// that to keeps, so that the list's keys — kustomize matches a Service port
// by port and protocol, apimachinery by port alone — are among them. Any
// other list is given whole, which kustomize and kubectl take as a
// replacement. A change a patch cannot say (a merged list that gains, loses
// or reorders elements) is an error.
func mergePatch(from, to map[string]any, meta strategicpatch.LookupPatchMeta) (map[string]any, error) {
	out := map[string]any{}
	for k := range from {
		if _, ok := to[k]; !ok {
			out[k] = nil
		}
	}
	for k, tv := range to {
		fv, had := from[k]
		if had && reflect.DeepEqual(fv, tv) {
			continue
		}
		switch t := tv.(type) {
		case map[string]any:
			if f, ok := fv.(map[string]any); ok {
				p, err := mergePatch(f, t, structMeta(meta, k))
				if err != nil {
					return nil, fmt.Errorf("%s.%w", k, err)
				}
				out[k] = p
				continue
			}
		case []any:
			if f, ok := fv.([]any); ok {
				p, err := listPatch(f, t, meta, k)
				if err != nil {
					return nil, fmt.Errorf("%s%w", k, err)
				}
				out[k] = p
				continue
			}
		}
		out[k] = tv
	}
	return out, nil
}

// listPatch patches the list under key (from and to differ).
func listPatch(from, to []any, meta strategicpatch.LookupPatchMeta, key string) ([]any, error) {
	if meta == nil {
		return to, nil
	}
	elem, pm, err := meta.LookupPatchMetadataForSlice(key)
	mk := pm.GetPatchMergeKey()
	if err != nil || mk == "" || !slices.Contains(pm.GetPatchStrategies(), "merge") {
		return to, nil
	}
	if len(from) != len(to) {
		return nil, fmt.Errorf(": a patch cannot change the number of elements (%d to %d) of a list merged by %s", len(from), len(to), mk)
	}
	var out []any
	for i := range to {
		f, ok1 := from[i].(map[string]any)
		t, ok2 := to[i].(map[string]any)
		if !ok1 || !ok2 || !reflect.DeepEqual(f[mk], t[mk]) {
			return nil, fmt.Errorf("[%d]: a patch cannot replace or reorder elements of a list merged by %s", i, mk)
		}
		if reflect.DeepEqual(f, t) {
			continue
		}
		p, err := mergePatch(f, t, elem)
		if err != nil {
			return nil, fmt.Errorf("[%d].%w", i, err)
		}
		for k, v := range f {
			if isScalar(v) && reflect.DeepEqual(v, t[k]) {
				p[k] = v
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// structMeta is the patch metadata of the field key, or nil when the field
// is not a struct's (a map of strings: annotations, labels, selectors).
func structMeta(meta strategicpatch.LookupPatchMeta, key string) strategicpatch.LookupPatchMeta {
	if meta == nil {
		return nil
	}
	sub, _, err := meta.LookupPatchMetadataForStruct(key)
	if err != nil {
		return nil
	}
	return sub
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any, nil:
		return false
	}
	return true
}
