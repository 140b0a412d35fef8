package plan

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func liveDeployment(ns, name, image string) appsv1.Deployment {
	return appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: image}}}}}}
}

// TestPreflightLive: facts read from a running cluster (Options.Live) decide
// the controller, webhook, RBAC and DNS checks that manifests leave
// not-checked; a refused read says what was refused.
func TestPreflightLive(t *testing.T) {
	ctrl := liveDeployment("kube-system", "aws-load-balancer-controller", "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-load-balancer-controller:v2.13.0")
	old := liveDeployment("kube-system", "aws-load-balancer-controller", "registry.example.com/lbc:v2.1.0")
	edns := liveDeployment("external-dns", "external-dns", "registry.k8s.io/external-dns/external-dns:v0.15.0")
	ok := Live{ControllersOK: true, Controllers: []appsv1.Deployment{ctrl}, WebhookOK: true, WebhookFound: true, PodWebhook: "mpod.elbv2.k8s.aws",
		RBACChecked: true, RBACScope: "in namespace shop", ExternalDNSOK: true, ExternalDNS: []appsv1.Deployment{edns}}
	for _, tc := range []struct {
		name  string
		live  func(l *Live)
		check string
		want  string
		says  string
	}{
		{"controller new enough", nil, "controller", CheckPass, "kube-system/aws-load-balancer-controller is v2.13.0"},
		{"controller too old (first container of a labelled Deployment)", func(l *Live) { l.Controllers = []appsv1.Deployment{old} }, "controller", CheckFail, "older than v2.2.0"},
		// The estate has TargetGroupBindings: some v2 controller runs.
		{"no labelled controller", func(l *Live) { l.Controllers = nil }, "controller", CheckWarn, "no Deployment labelled app.kubernetes.io/name=aws-load-balancer-controller"},
		{"controller list refused", func(l *Live) { l.ControllersOK, l.Controllers, l.ControllerErr = false, nil, "forbidden" }, "controller", CheckNotChecked, "TargetGroupBindings exist"},
		{"webhook present", nil, "readiness-gate webhook", CheckPass, "mpod.elbv2.k8s.aws injects readiness gates"},
		{"webhook missing", func(l *Live) { l.WebhookFound, l.PodWebhook = false, "" }, "readiness-gate webhook", CheckFail, "no MutatingWebhookConfiguration aws-load-balancer-webhook"},
		{"webhook without pods", func(l *Live) { l.PodWebhook = "" }, "readiness-gate webhook", CheckWarn, "no webhook on pods"},
		{"rbac allowed", nil, "RBAC and IAM permissions", CheckPass, "RBAC allows every verb the phases use in namespace shop"},
		{"rbac denied", func(l *Live) {
			l.RBACMissing = []string{"create ingresses.networking.k8s.io", "patch deployments.apps"}
		}, "RBAC and IAM permissions", CheckFail, "2 verb(s) RBAC denies in namespace shop: create ingresses.networking.k8s.io, patch deployments.apps"},
		{"rbac not asked", func(l *Live) { l.RBACChecked, l.RBACErr = false, "timeout" }, "RBAC and IAM permissions", CheckNotChecked, "create, patch and delete"},
		{"externaldns runs", nil, "DNS ownership", CheckPass, "ExternalDNS (Deployment external-dns/external-dns)"},
		{"no externaldns", func(l *Live) { l.ExternalDNS = nil }, "DNS ownership", CheckWarn, "no Deployment labelled app.kubernetes.io/name=external-dns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := ok
			if tc.live != nil {
				tc.live(&l)
			}
			p := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{Live: &l})
			c := preflightResult(t, p, tc.check)
			if c.Status != tc.want || !strings.Contains(c.Message, tc.says) {
				t.Errorf("check %s = %+v, want %s saying %q", tc.check, c, tc.want, tc.says)
			}
			if tc.name == "controller list refused" && !strings.Contains(c.Needs, "refused: forbidden") {
				t.Errorf("needs = %q, want the refusal", c.Needs)
			}
			if tc.name == "rbac not asked" && !strings.Contains(c.Needs, "the access reviews failed: timeout") {
				t.Errorf("needs = %q, want why the reviews failed", c.Needs)
			}
		})
	}
	// No controller and no binding at all: the migration cannot start.
	none := ok
	none.Controllers = nil
	p := Build(topoYAML(t, oneApp()), Options{Live: &none})
	if c := preflightResult(t, p, "controller"); c.Status != CheckFail || !strings.Contains(c.Message, "install the controller") || !p.HasErrors() {
		t.Errorf("no controller: %+v", c)
	}
	// Without live facts the same estate leaves them to the objects read.
	p = Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	if c := preflightResult(t, p, "RBAC and IAM permissions"); c.Status != CheckNotChecked {
		t.Errorf("from files: %+v", c)
	}
}
