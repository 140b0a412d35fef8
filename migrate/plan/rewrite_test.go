package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

func TestNormalizeWeights(t *testing.T) {
	w := func(ws ...int64) []lbc.TargetGroupTuple {
		var out []lbc.TargetGroupTuple
		for _, x := range ws {
			out = append(out, lbc.TargetGroupTuple{Weight: ptr(x)})
		}
		return out
	}
	get := func(ts []lbc.TargetGroupTuple) []int64 {
		var out []int64
		for _, t := range ts {
			out = append(out, *t.Weight)
		}
		return out
	}
	for _, tc := range []struct {
		in, want []int64
	}{
		{[]int64{100, 0}, []int64{1, 0}},
		{[]int64{90, 10}, []int64{9, 1}},
		{[]int64{50, 50}, []int64{1, 1}},
		{[]int64{270, 30, 90, 10}, []int64{27, 3, 9, 1}},
		{[]int64{99900, 1}, []int64{999, 1}},
	} {
		if got := get(normalizeWeights(w(tc.in...))); !cmp.Equal(got, tc.want) {
			t.Errorf("normalizeWeights(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestShiftActionName(t *testing.T) {
	for _, tc := range []struct {
		svc  string
		port intstr.IntOrString
		want string
	}{
		{"web", intstr.FromInt32(80), "shift-web-80"},
		{"Web_API", intstr.FromString("http"), "shift-web-api-http"},
	} {
		if got := shiftActionName(tc.svc, tc.port); got != tc.want {
			t.Errorf("shiftActionName(%s, %s) = %q, want %q", tc.svc, tc.port.String(), got, tc.want)
		}
	}
	long := shiftActionName(strings.Repeat("a", 70), intstr.FromInt32(80))
	if len(long) > 63 || long != shiftActionName(strings.Repeat("a", 70), intstr.FromInt32(80)) {
		t.Errorf("long name %q", long)
	}
}

// copyOf finds the copy of ns/name in the plan's phase-2 manifest.
func copyOf(t *testing.T, p *Plan, ns, name string) *networkingv1.Ingress {
	t.Helper()
	for _, f := range p.Files() {
		if !strings.HasPrefix(f.Path, "02-create/") {
			continue
		}
		for _, doc := range strings.Split(string(f.Data), "---\n") {
			var ing networkingv1.Ingress
			if err := yaml.Unmarshal([]byte(doc), &ing); err != nil {
				t.Fatal(err)
			}
			if ing.Kind == "Ingress" && ing.Namespace == ns && ing.Name == name {
				return &ing
			}
		}
	}
	t.Fatalf("no copy %s/%s in the phase-2 manifests", ns, name)
	return nil
}

func TestNewALBCopy(t *testing.T) {
	ann := map[string]string{
		"alb.ingress.kubernetes.io/scheme":             "internet-facing",
		"alb.ingress.kubernetes.io/load-balancer-name": "my-alb",
		"alb.ingress.kubernetes.io/healthcheck-path":   "/ready",
		"meta.helm.sh/release-name":                    "web",
	}
	y := docs(albClass, yService("a", "web", 30001), yIngress("a", "web", "web.example.com", "web", ann))
	p := Build(topoYAML(t, y), Options{})
	cp := copyOf(t, p, "a", "web-ip")
	want := map[string]string{
		"alb.ingress.kubernetes.io/scheme":           "internet-facing",
		"alb.ingress.kubernetes.io/healthcheck-path": "/ready",
		"alb.ingress.kubernetes.io/target-type":      "ip",
		"alb.ingress.kubernetes.io/group.name":       "a",
		"alb.ingress.kubernetes.io/group.order":      "10",
		AnnotationSetIdentifier:                      "a-web-ip",
		AnnotationAWSWeight:                          "0",
		AnnotationMigratedFrom:                       "a/web",
	}
	if diff := cmp.Diff(want, cp.Annotations); diff != "" {
		t.Errorf("copy annotations (-want +got):\n%s", diff)
	}
	if len(findingsWith(p, CodeLBNameDropped)) != 1 {
		t.Errorf("want a %s finding: %v", CodeLBNameDropped, codes(p))
	}
	// The old Ingress gets its weighted record first.
	old := string(fileNamed(p, "02-create/02-dns-weights-a.yaml"))
	if !strings.Contains(old, "set-identifier: a-web") || !strings.Contains(old, `aws-weight: '100'`) {
		t.Errorf("old Ingress weights:\n%s", old)
	}
	// And the last shift step puts all the weight on the copy.
	last := string(fileNamed(p, "05-shift-traffic/03-a-100.yaml"))
	if !strings.Contains(last, `aws-weight: '0'`) || !strings.Contains(last, `aws-weight: '100'`) {
		t.Errorf("last shift step:\n%s", last)
	}
}

func TestInPlaceShiftCopy(t *testing.T) {
	grp := map[string]string{"alb.ingress.kubernetes.io/group.name": "g", "alb.ingress.kubernetes.io/group.order": "10"}
	y := docs(albClass, yService("a", "web", 30001), yIngress("a", "web", "web.example.com", "web", grp))
	p := Build(topoYAML(t, y), Options{})
	cp := copyOf(t, p, "a", "web-ip")
	be := cp.Spec.Rules[0].HTTP.Paths[0].Backend.Service
	if be.Name != "shift-web-80" || be.Port.Name != lbc.UseAnnotationPort {
		t.Fatalf("backend = %+v", be)
	}
	act, err := lbc.ParseActions(cp.Annotations[lbc.ActionKey("shift-web-80")])
	if err != nil {
		t.Fatal(err)
	}
	tgs := act.ForwardConfig.TargetGroups
	if len(tgs) != 2 || tgs[0].TargetGroupName == nil || *tgs[0].Weight != 1 || *tgs[1].ServiceName != "web" || *tgs[1].Weight != 0 {
		t.Errorf("phase-2 action = %s", cp.Annotations[lbc.ActionKey("shift-web-80")])
	}
	if *tgs[0].TargetGroupName != p.Replacements[len(p.Replacements)-2].Name {
		t.Errorf("old target group %s is not the one deleted in phase 6 (%+v)", *tgs[0].TargetGroupName, p.Replacements)
	}
	if cp.Annotations["alb.ingress.kubernetes.io/group.order"] != "9" || cp.Annotations["alb.ingress.kubernetes.io/group.name"] != "g" {
		t.Errorf("copy group annotations: %v", cp.Annotations)
	}
	final := string(fileNamed(p, "06-cleanup/01-final-g.yaml"))
	if strings.Contains(final, "shift-") || !strings.Contains(final, "name: web\n") {
		t.Errorf("final form still shifts:\n%s", final)
	}
}

func TestLegacyClassKept(t *testing.T) {
	y := docs(yService("a", "web", 30001), strings.Replace(yIngress("a", "web", "web.example.com", "web", map[string]string{"kubernetes.io/ingress.class": "alb"}), "  ingressClassName: alb\n", "", 1))
	p := Build(topoYAML(t, y), Options{})
	cp := copyOf(t, p, "a", "web-ip")
	if cp.Annotations["kubernetes.io/ingress.class"] != "alb" || cp.Spec.IngressClassName != nil {
		t.Errorf("without an IngressClass the copy keeps the annotation: %v %v", cp.Annotations, cp.Spec.IngressClassName)
	}
}
