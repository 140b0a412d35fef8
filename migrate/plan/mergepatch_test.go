package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

func TestMergePatch(t *testing.T) {
	for _, tc := range []struct {
		name           string
		obj            any
		from, to, want string
		err            string
	}{
		{
			name: "annotations added, changed and removed; nothing else",
			obj:  &networkingv1.Ingress{},
			from: `{metadata: {name: web, annotations: {a: "1", b: "2", c: "3"}, labels: {x: y}}, spec: {ingressClassName: alb}}`,
			to:   `{metadata: {name: web, annotations: {a: "1", b: "20", d: "4"}, labels: {x: y}}, spec: {ingressClassName: alb}}`,
			want: `{metadata: {annotations: {b: "20", c: null, d: "4"}}}`,
		},
		{
			name: "a map that goes",
			obj:  &corev1.Namespace{},
			from: `{metadata: {name: a, labels: {x: y}}}`,
			to:   `{metadata: {name: a}}`,
			want: `{metadata: {labels: null}}`,
		},
		{
			// kustomize matches a Service port by port and protocol: each
			// changed element keeps every scalar it does not change.
			name: "a Service to ClusterIP: the ports merged by key, element by element",
			obj:  &corev1.Service{},
			from: `{spec: {type: NodePort, externalTrafficPolicy: Local, ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}, {name: dns, port: 53, protocol: UDP, nodePort: 30053}, {name: keep, port: 9000}]}}`,
			to:   `{spec: {type: ClusterIP, ports: [{name: http, port: 80, targetPort: 8080}, {name: dns, port: 53, protocol: UDP}, {name: keep, port: 9000}]}}`,
			want: `{spec: {type: ClusterIP, externalTrafficPolicy: null, ports: [{name: http, port: 80, targetPort: 8080, nodePort: null}, {name: dns, port: 53, protocol: UDP, nodePort: null}]}}`,
		},
		{
			name: "a list that does not merge is given whole",
			obj:  &networkingv1.Ingress{},
			from: `{spec: {rules: [{host: a}]}}`,
			to:   `{spec: {rules: [{host: a}, {host: b}]}}`,
			want: `{spec: {rules: [{host: a}, {host: b}]}}`,
		},
		{
			name: "a merged list that gains an element",
			obj:  &corev1.Service{},
			from: `{spec: {ports: [{port: 80}]}}`,
			to:   `{spec: {ports: [{port: 80}, {port: 443}]}}`,
			err:  "spec.ports: a patch cannot change the number of elements (1 to 2)",
		},
		{
			name: "a merged list reordered",
			obj:  &corev1.Service{},
			from: `{spec: {ports: [{port: 80}, {port: 443}]}}`,
			to:   `{spec: {ports: [{port: 443}, {port: 80}]}}`,
			err:  "spec.ports[0]: a patch cannot replace or reorder",
		},
		{
			name: "no change",
			obj:  &corev1.Service{},
			from: `{spec: {type: NodePort}}`,
			to:   `{spec: {type: NodePort}}`,
			want: `{}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta, err := strategicpatch.NewPatchMetaFromStruct(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			got, err := mergePatch(yamlMap(t, tc.from), yamlMap(t, tc.to), meta)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(yamlMap(t, tc.want), got); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
}

// yamlMap reads YAML as the unstructured converter gives objects: integers
// as int64.
func yamlMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return ints(m).(map[string]any)
}

func ints(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = ints(e)
		}
	case []any:
		for i, e := range x {
			x[i] = ints(e)
		}
	case float64:
		return int64(x)
	}
	return v
}
