package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const hcDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: x
        ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9090}]
        readinessProbe: {httpGet: {path: /ready, port: PROBEPORT, scheme: SCHEME}, periodSeconds: PERIOD}
`

const hcService = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: a}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: TARGET, nodePort: 30001}
  - {name: admin, port: 9090, targetPort: admin, nodePort: 30002}
`

func TestHealthCheck(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ann     map[string]string
		target  string // the http port's targetPort
		probe   string // probe port, scheme, period
		scheme  string
		period  string
		want    map[string]string // health-check annotations on the copy
		finding string
		blocked bool
	}{
		{name: "derived from probe on the traffic port", target: "http", probe: "http", scheme: "HTTP", period: "10",
			want: map[string]string{"healthcheck-path": "/ready", "healthcheck-interval-seconds": "10"}, finding: CodeHealthCheckDerived},
		{name: "derived from probe on another port, short period", target: "8080", probe: "admin", scheme: "HTTPS", period: "3",
			want: map[string]string{"healthcheck-path": "/ready", "healthcheck-port": "9090", "healthcheck-protocol": "HTTPS",
				"healthcheck-interval-seconds": "5", "healthcheck-timeout-seconds": "4"}, finding: CodeHealthCheckDerived},
		{name: "explicit path kept", ann: map[string]string{"alb.ingress.kubernetes.io/healthcheck-path": "/live"}, target: "http", probe: "http", scheme: "HTTP", period: "10",
			want: map[string]string{"healthcheck-path": "/live"}},
		{name: "named port with named targetPort fixed", ann: map[string]string{"alb.ingress.kubernetes.io/healthcheck-port": "admin", "alb.ingress.kubernetes.io/healthcheck-path": "/live"},
			target: "http", probe: "http", scheme: "HTTP", period: "10",
			want: map[string]string{"healthcheck-path": "/live", "healthcheck-port": "9090"}, finding: CodeNamedPortFixed},
		{name: "NodePort number fixed", ann: map[string]string{"alb.ingress.kubernetes.io/healthcheck-port": "30002", "alb.ingress.kubernetes.io/healthcheck-path": "/live"},
			target: "http", probe: "http", scheme: "HTTP", period: "10",
			want: map[string]string{"healthcheck-path": "/live", "healthcheck-port": "9090"}, finding: CodeNamedPortFixed},
		{name: "unknown named port blocks", ann: map[string]string{"alb.ingress.kubernetes.io/healthcheck-port": "nope"},
			target: "http", probe: "http", scheme: "HTTP", period: "10", blocked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dep := replaceAll(hcDeployment, "PROBEPORT", tc.probe, "SCHEME", tc.scheme, "PERIOD", tc.period)
			svc := replaceAll(hcService, "TARGET", tc.target)
			y := docs(albClass, dep, svc, yIngress("a", "web", "web.example.com", "web", tc.ann))
			p := Build(topoYAML(t, y), Options{})
			if tc.blocked {
				if len(findingsWith(p, CodeBlocked)) != 1 || len(p.Groups) != 0 {
					t.Fatalf("want the Ingress blocked: %v", codes(p))
				}
				return
			}
			cp := copyOf(t, p, "a", "web-ip")
			got := map[string]string{}
			for k, v := range cp.Annotations {
				if short, ok := strings.CutPrefix(k, "alb.ingress.kubernetes.io/"); ok && strings.HasPrefix(short, "healthcheck-") {
					got[short] = v
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("health-check annotations (-want +got):\n%s", diff)
			}
			if tc.finding != "" && len(findingsWith(p, tc.finding)) != 1 {
				t.Errorf("want a %s finding: %v", tc.finding, codes(p))
			}
		})
	}
}

func TestHealthCheckServiceAnnotationBlocks(t *testing.T) {
	svc := replaceAll(hcService, "TARGET", "http", "metadata: {name: web, namespace: a}", "metadata: {name: web, namespace: a, annotations: {alb.ingress.kubernetes.io/healthcheck-port: admin}}")
	dep := replaceAll(hcDeployment, "PROBEPORT", "http", "SCHEME", "HTTP", "PERIOD", "10")
	p := Build(topoYAML(t, docs(albClass, dep, svc, yIngress("a", "web", "web.example.com", "web", nil))), Options{})
	if len(findingsWith(p, CodeBlocked)) != 1 {
		t.Errorf("a Service healthcheck-port that breaks in ip mode blocks the move: %v", codes(p))
	}
}

func TestHealthCheckNoProbe(t *testing.T) {
	p := Build(topoYAML(t, docs(albClass, yService("a", "web", 30001), yIngress("a", "web", "web.example.com", "web", nil))), Options{})
	if len(findingsWith(p, CodeHealthCheckDefault)) != 1 {
		t.Errorf("want a %s warning: %v", CodeHealthCheckDefault, codes(p))
	}
}

func replaceAll(s string, oldNew ...string) string { return strings.NewReplacer(oldNew...).Replace(s) }
