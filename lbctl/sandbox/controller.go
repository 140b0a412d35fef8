package sandbox

import (
	"context"
	"fmt"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

// ControllerImage is the controller release the sandbox's emulator stands
// in for; tools that read the controller's version from its Deployment
// (doctor, plan's preflight) see this tag.
const ControllerImage = "public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0"

// ControllerArgs are the flags the sandbox's controller runs with: its
// Deployment lists them and the emulator takes its settings from them, so
// what render reads from the Deployment is what the emulator does. The
// IngressPlanAnnotation gate makes it write each group's model into the
// alb.ingress.kubernetes.io/dry-run-plan annotation.
func ControllerArgs() []string {
	return []string{"--cluster-name=" + ClusterName, "--ingress-class=" + lbc.IngressClassALB, "--feature-gates=IngressPlanAnnotation=true"}
}

// controllerNamespace is where the upstream Helm chart is usually installed.
const controllerNamespace = "kube-system"

// installController creates what an installed controller leaves in a
// cluster, as its Helm chart names them: the Deployment (whose pod the
// sandbox kubelet runs; the reconciling is the emulator's) and the pod
// mutating webhook configuration. The webhook's namespace selector matches
// no namespace, because the sandbox kubelet injects readiness gates itself
// at pod creation (kubelet.injectReadinessGates): the API server never
// calls it. Its object selector is the chart's.
func installController(ctx context.Context, kc kubernetes.Interface, roleARN string) error {
	labels := map[string]string{"app.kubernetes.io/name": lbc.ControllerNameLabel, "app.kubernetes.io/instance": lbc.ControllerNameLabel}
	// Its ServiceAccount names the IAM role its pods assume (IRSA), which
	// plan's preflight simulates.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: lbc.ControllerNameLabel, Namespace: controllerNamespace, Labels: labels,
		Annotations: map[string]string{"eks.amazonaws.com/role-arn": roleARN}}}
	if _, err := kc.CoreV1().ServiceAccounts(controllerNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create controller service account: %w", err)
	}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: lbc.ControllerNameLabel, Namespace: controllerNamespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{ServiceAccountName: sa.Name, Containers: []corev1.Container{{
					Name: lbc.ControllerNameLabel, Image: ControllerImage,
					Args:  ControllerArgs(),
					Ports: []corev1.ContainerPort{{Name: "webhook-server", ContainerPort: 9443}},
				}}},
			},
		},
	}
	if _, err := kc.AppsV1().Deployments(controllerNamespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create controller deployment: %w", err)
	}
	none := admissionv1.SideEffectClassNone
	ignore := admissionv1.Ignore
	w := &admissionv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: lbc.WebhookConfigName, Labels: labels},
		Webhooks: []admissionv1.MutatingWebhook{{
			Name: "mpod.elbv2.k8s.aws",
			ClientConfig: admissionv1.WebhookClientConfig{
				URL: ptr.To("https://127.0.0.1:9443/mutate-v1-pod"),
			},
			Rules: []admissionv1.RuleWithOperations{{
				Operations: []admissionv1.OperationType{admissionv1.Create},
				Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
			// No namespace carries this label: the API server never calls
			// the webhook (see above).
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: "sandbox.lbctl.dev/webhook", Operator: metav1.LabelSelectorOpIn, Values: []string{"served-by-api-server"},
			}}},
			// The chart's object selector, which plan's preflight judges
			// the pods by.
			ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: "app.kubernetes.io/name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{lbc.ControllerNameLabel},
			}}},
			FailurePolicy:           &ignore,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	if _, err := kc.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, w, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create controller webhook configuration: %w", err)
	}
	return nil
}
