package scan_test

import (
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

const classFixture = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb-public}
spec:
  controller: ingress.k8s.aws/alb
  parameters: {apiGroup: elbv2.k8s.aws, kind: IngressClassParams, name: public}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: internal, namespace: shop}
spec: {ingressClassName: alb-internal, defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: public, namespace: shop}
spec: {ingressClassName: alb-public, defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: classless, namespace: shop}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
`

// Findings about classes say what the Ingress names and where lbctl looked:
// a class nowhere to be read is not "no class", and missing
// IngressClassParams are named, an error only where they surely do not exist.
func TestClassFindings(t *testing.T) {
	type want struct {
		severity scan.Severity
		says     []string
	}
	tests := []struct {
		name      string
		fromFiles bool
		whole     bool
		want      map[string]want // by "code object"
	}{
		{"manifests, no cluster", true, false, map[string]want{
			"ingress-class-problem Ingress shop/internal":      {scan.Warning, []string{`names IngressClass "alb-internal" (spec.ingressClassName)`, "not in the manifests and no cluster was read", "--ingress-class alb-internal=ingress.k8s.aws/alb"}},
			"ingress-class-params-missing Ingress shop/public": {scan.Warning, []string{`IngressClassParams "public"`, "not in the manifests", "reads the Ingress without it"}},
			"other-controller Ingress shop/classless":          {scan.Info, []string{"names no ingress class"}},
		}},
		{"manifests with the cluster's classes", true, true, map[string]want{
			"ingress-class-problem Ingress shop/internal":      {scan.Warning, []string{"neither in the manifests nor in the cluster"}},
			"ingress-class-params-missing Ingress shop/public": {scan.Error, []string{"not in the manifests nor the cluster", "the controller ignores the Ingress"}},
			"other-controller Ingress shop/classless":          {scan.Info, []string{"names no ingress class"}},
		}},
		{"a cluster", false, true, map[string]want{
			"ingress-class-problem Ingress shop/internal":      {scan.Warning, []string{"does not exist in the cluster"}},
			"ingress-class-params-missing Ingress shop/public": {scan.Error, []string{"not in the cluster", "the controller ignores the Ingress"}},
			"other-controller Ingress shop/classless":          {scan.Info, []string{"names no ingress class"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: strings.NewReader(classFixture)})
			if err != nil {
				t.Fatal(err)
			}
			objs.FromFiles, objs.ClassesFromCluster = tc.fromFiles, tc.whole
			d := lbc.DefaultDefaults()
			d.ClusterName = "prod"
			got := map[string]scan.Finding{}
			for _, f := range scan.Findings(topology.Build(objs, nil, topology.Options{Defaults: d}), scan.Options{}) {
				switch f.Code {
				case scan.CodeClassMissing, scan.CodeParamsMissing, scan.CodeOtherController:
					got[f.Code+" "+f.Objects[0].String()] = f
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("class findings %v, want %d", got, len(tc.want))
			}
			for k, w := range tc.want {
				f, ok := got[k]
				if !ok {
					t.Errorf("no finding %s", k)
					continue
				}
				if f.Severity != w.severity {
					t.Errorf("%s: severity %s, want %s", k, f.Severity, w.severity)
				}
				for _, s := range w.says {
					if !strings.Contains(f.Message+" "+f.Remedy, s) {
						t.Errorf("%s: %q (remedy %q) does not say %q", k, f.Message, f.Remedy, s)
					}
				}
			}
		})
	}
}

func TestAutoModeIngressesNamed(t *testing.T) {
	manifests := autoModeManifests
	var found bool
	for _, f := range scanManifests(t, manifests) {
		if f.Code == scan.CodeOtherController && strings.Contains(f.Message, "EKS Auto Mode") && strings.Contains(f.Message, "eks.amazonaws.com/v1") {
			found = true
		}
	}
	if !found {
		t.Error("no finding names EKS Auto Mode for an Ingress of its class")
	}
}

// autoModeManifests hold an Auto Mode Ingress and an ALB controller one
// that both set group.name shared.
const autoModeManifests = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: auto}
spec: {controller: eks.amazonaws.com/alb}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {namespace: shop, name: web, annotations: {alb.ingress.kubernetes.io/group.name: shared}}
spec:
  ingressClassName: auto
  rules: [{host: web.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {namespace: shop, name: api, annotations: {alb.ingress.kubernetes.io/group.name: shared}}
spec:
  ingressClassName: alb
  rules: [{host: api.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]
`

func TestAutoModeGroupNameIsIgnored(t *testing.T) {
	manifests := autoModeManifests
	var msgs []string
	for _, f := range scanManifests(t, manifests) {
		if f.Code == scan.CodeOtherController && strings.Contains(f.Message, "ignores its alb.ingress.kubernetes.io/group.name") {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "its own, shop/web") || !strings.Contains(msgs[0], "shares no ALB with shop/api") {
		t.Errorf("findings %q, want one saying shop/web keeps its own group apart from shop/api's", msgs)
	}
}

func TestLoadBalancerNameAWSRefuses(t *testing.T) {
	const manifests = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: alb}
spec: {controller: ingress.k8s.aws/alb}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  namespace: shop
  name: web
  annotations: {alb.ingress.kubernetes.io/load-balancer-name: shop_public}
spec:
  ingressClassName: alb
  rules: [{host: web.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`
	objs, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: strings.NewReader(manifests)})
	if err != nil {
		t.Fatal(err)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = "prod"
	var found bool
	for _, f := range scan.Findings(topology.Build(objs, nil, topology.Options{Defaults: d}), scan.Options{}) {
		if f.Code == scan.CodeAnnotationInvalid && f.Severity == scan.Error && strings.Contains(f.Message, `"shop_public" is one AWS refuses`) {
			found = true
		}
	}
	if !found {
		t.Error("no finding for a load-balancer-name AWS refuses")
	}
}

// scanManifests scans manifests offline as a controller of cluster prod
// with default flags would serve them.
func scanManifests(t *testing.T, manifests string) []scan.Finding {
	t.Helper()
	objs, err := kube.ReadManifests(kube.Manifests{Files: []string{"-"}, Stdin: strings.NewReader(manifests)})
	if err != nil {
		t.Fatal(err)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = "prod"
	return scan.Findings(topology.Build(objs, nil, topology.Options{Defaults: d}), scan.Options{})
}
