package preflight

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/permissions"
)

func TestReadWebhook(t *testing.T) {
	ctx := context.Background()
	kc := fake.NewSimpleClientset()
	if wh, err := ReadWebhook(ctx, kc); err != nil || wh.Found {
		t.Fatalf("no configuration: %+v %v, want not found and no error", wh, err)
	}
	cfg := &admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: lbc.WebhookConfigName}, Webhooks: []admissionv1.MutatingWebhook{
		{Name: "mtargetgroupbinding.elbv2.k8s.aws", Rules: []admissionv1.RuleWithOperations{{Rule: admissionv1.Rule{Resources: []string{"targetgroupbindings"}}}}},
		{Name: "mpod.elbv2.k8s.aws", Rules: []admissionv1.RuleWithOperations{{Rule: admissionv1.Rule{Resources: []string{"pods"}}}}},
	}}
	if _, err := kc.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if wh, err := ReadWebhook(ctx, kc); err != nil || !wh.Found || wh.PodWebhook != "mpod.elbv2.k8s.aws" {
		t.Errorf("configuration with a pod webhook: %+v %v", wh, err)
	}
}

func TestControllerDeployments(t *testing.T) {
	dep := func(ns, name string, labels map[string]string, images ...string) *appsv1.Deployment {
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
		for _, im := range images {
			d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "c", Image: im})
		}
		return d
	}
	ctrl := map[string]string{"app.kubernetes.io/name": lbc.ControllerNameLabel}
	kc := fake.NewSimpleClientset(
		dep("z-system", "lbc", ctrl, "sidecar:1", "registry.example.com/aws-load-balancer-controller:v2.9.0"),
		dep("kube-system", "aws-load-balancer-controller", ctrl, "mirror.example.com/lbc:v2.13.0"),
		dep("kube-system", "other", map[string]string{"app.kubernetes.io/name": "other"}, "other:1"),
		dep("dns", "external-dns", map[string]string{"app.kubernetes.io/name": "external-dns"}, "external-dns:v0.15.0"),
	)
	deps, err := ControllerDeployments(context.Background(), kc)
	if err != nil || len(deps) != 2 || deps[0].Namespace != "kube-system" || deps[1].Namespace != "z-system" {
		t.Fatalf("controller Deployments = %v %v, want the two labelled ones sorted", deps, err)
	}
	if got := ControllerImage(&deps[1]); got != "registry.example.com/aws-load-balancer-controller:v2.9.0" {
		t.Errorf("ControllerImage = %q, want the controller's container", got)
	}
	if got := ControllerImage(&deps[0]); got != "mirror.example.com/lbc:v2.13.0" {
		t.Errorf("ControllerImage = %q, want the only container", got)
	}
	edns, err := ExternalDNSDeployments(context.Background(), kc)
	if err != nil || len(edns) != 1 || edns[0].Name != "external-dns" {
		t.Errorf("ExternalDNS Deployments = %v %v", edns, err)
	}
}

func TestKubectlVerb(t *testing.T) {
	for k, want := range map[permissions.KubeRule]string{
		{Group: "networking.k8s.io", Resource: "ingresses", Verb: "list"}: "list ingresses.networking.k8s.io",
		{Group: "", Resource: "pods/status", Verb: "update"}:              "update pods/status",
		{Group: "apps", Resource: "deployments/scale", Verb: "get"}:       "get deployments.apps/scale",
	} {
		if got := KubectlVerb(k); got != want {
			t.Errorf("KubectlVerb(%v) = %q, want %q", k, got, want)
		}
	}
}

// TestReadWebhookSelectorAndPolicy reads the readiness-gate webhook (mpod,
// even after other pod webhooks) with its failurePolicy, the API server's
// default Fail when unset, and its objectSelector.
func TestReadWebhookSelectorAndPolicy(t *testing.T) {
	ctx := context.Background()
	ignore := admissionv1.Ignore
	sel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: lbc.LabelReadinessGateInject, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"disabled"}}}}
	pods := []admissionv1.RuleWithOperations{{Rule: admissionv1.Rule{Resources: []string{"pods"}}}}
	for _, tc := range []struct {
		name     string
		webhooks []admissionv1.MutatingWebhook
		want     Webhook
	}{
		{"mpod after another pod webhook", []admissionv1.MutatingWebhook{
			{Name: "alb-target-control.namespace.elbv2.k8s.aws", Rules: pods},
			{Name: lbc.PodWebhookName, Rules: pods, FailurePolicy: &ignore, ObjectSelector: sel},
		}, Webhook{Found: true, PodWebhook: lbc.PodWebhookName, FailurePolicy: "Ignore", ObjectSelector: sel}},
		{"failurePolicy unset", []admissionv1.MutatingWebhook{{Name: lbc.PodWebhookName, Rules: pods}},
			Webhook{Found: true, PodWebhook: lbc.PodWebhookName, FailurePolicy: "Fail"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := fake.NewClientset(&admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: lbc.WebhookConfigName}, Webhooks: tc.webhooks})
			got, err := ReadWebhook(ctx, kc)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
