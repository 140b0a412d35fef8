package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestServicesToClusterIP(t *testing.T) {
	nginx := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: docs, namespace: a}
spec:
  ingressClassName: nginx
  rules:
  - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shared, port: {number: 80}}}}]}
`
	nginxClass := "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n"
	lb := "apiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: a}\nspec: {type: LoadBalancer, selector: {app: lb}, ports: [{port: 80, targetPort: 8080, nodePort: 30009}]}\n"
	y := docs(albClass, nginxClass, yService("a", "only", 30001), yService("a", "shared", 30002), lb,
		yService("a", "stays", 30003),
		yIngress("a", "one", "one.example.com", "only", nil),
		yIngress("a", "two", "two.example.com", "shared", nil),
		yIngress("a", "three", "three.example.com", "lb", nil),
		// an instance Ingress that is blocked keeps its Service NodePort
		yIngress("a", "broken", "broken.example.com", "stays", map[string]string{"alb.ingress.kubernetes.io/listen-ports": "[oops"}),
		yIngress("a", "four", "four.example.com", "stays", nil),
		nginx)
	p := Build(topoYAML(t, y), Options{})
	var got []string
	for _, st := range p.Phases[5].Steps {
		if strings.Contains(st.Action, "ClusterIP") {
			for _, o := range st.Objects {
				got = append(got, o.Name)
			}
			data := string(fileNamed(p, st.Manifest))
			if !strings.Contains(data, "type: ClusterIP") || strings.Contains(data, "nodePort") {
				t.Errorf("ClusterIP manifest:\n%s", data)
			}
		}
	}
	if diff := cmp.Diff([]string{"only"}, got); diff != "" {
		t.Errorf("Services turned ClusterIP (-want +got):\n%s", diff)
	}
	if n := len(findingsWith(p, CodeServiceKept)); n != 3 {
		t.Errorf("want 3 %s findings (shared, lb, stays), got %d: %v", CodeServiceKept, n, p.Findings)
	}
	if backup := string(fileNamed(p, "backup/services.yaml")); !strings.Contains(backup, "nodePort: 30001") {
		t.Errorf("backup keeps the NodePort:\n%s", backup)
	}
}
