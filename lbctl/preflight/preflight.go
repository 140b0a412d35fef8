// Package preflight reads the live facts a migration depends on from the
// cluster: the controller's Deployment (its version), its pod webhook (the
// readiness gates), ExternalDNS, and what the caller may do (one
// SelfSubjectAccessReview per rule). doctor reports them as they are; plan
// hands them to its pure preflight checks. Clients are passed in; nothing
// here prints.
package preflight

import (
	"context"
	"slices"
	"sort"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/permissions"
)

// ControllerSelector selects the controller's Deployment (the Helm chart's
// label).
const ControllerSelector = "app.kubernetes.io/name=" + lbc.ControllerNameLabel

// ExternalDNSSelector selects ExternalDNS's Deployment (its chart's label).
const ExternalDNSSelector = "app.kubernetes.io/name=external-dns"

// ControllerDeployments lists the controller's Deployments in every
// namespace, sorted by namespace/name.
func ControllerDeployments(ctx context.Context, kc kubernetes.Interface) ([]appsv1.Deployment, error) {
	deps, err := kc.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: ControllerSelector})
	if err != nil {
		return nil, err
	}
	return sorted(deps.Items), nil
}

// ExternalDNSDeployments lists ExternalDNS's Deployments in every namespace,
// sorted by namespace/name.
func ExternalDNSDeployments(ctx context.Context, kc kubernetes.Interface) ([]appsv1.Deployment, error) {
	deps, err := kc.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: ExternalDNSSelector})
	if err != nil {
		return nil, err
	}
	return sorted(deps.Items), nil
}

func sorted(deps []appsv1.Deployment) []appsv1.Deployment {
	sort.Slice(deps, func(i, j int) bool {
		return deps[i].Namespace+"/"+deps[i].Name < deps[j].Namespace+"/"+deps[j].Name
	})
	return deps
}

// ControllerImage is the controller container's image of a Deployment: the
// container whose image names the controller, else the first.
func ControllerImage(dep *appsv1.Deployment) string {
	image := ""
	for _, c := range dep.Spec.Template.Spec.Containers {
		if image == "" || strings.Contains(c.Image, lbc.ControllerNameLabel) {
			image = c.Image
		}
	}
	return image
}

// Webhook is what the controller's MutatingWebhookConfiguration says.
type Webhook struct {
	// Found is false when the configuration does not exist.
	Found bool
	// PodWebhook names its webhook on pods that injects readiness gates
	// (lbc.PodWebhookName, else the first on pods; "" when there is none).
	PodWebhook string
	// FailurePolicy is that webhook's failurePolicy ("Ignore" lets a pod
	// be created without a gate while the controller cannot answer), and
	// ObjectSelector the labels a pod must match to be sent to it (nil:
	// every pod).
	FailurePolicy  string
	ObjectSelector *metav1.LabelSelector
}

// ReadWebhook reads the controller's MutatingWebhookConfiguration. Not
// found is an answer (Found false), not an error.
func ReadWebhook(ctx context.Context, kc kubernetes.Interface) (Webhook, error) {
	wh, err := kc.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, lbc.WebhookConfigName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return Webhook{}, nil
	}
	if err != nil {
		return Webhook{}, err
	}
	out := Webhook{Found: true}
	for _, w := range wh.Webhooks {
		onPods := slices.ContainsFunc(w.Rules, func(r admissionregistrationv1.RuleWithOperations) bool { return slices.Contains(r.Resources, "pods") })
		if !onPods || (out.PodWebhook != "" && w.Name != lbc.PodWebhookName) {
			continue
		}
		out.PodWebhook, out.ObjectSelector = w.Name, w.ObjectSelector
		// The API server defaults failurePolicy to Fail.
		out.FailurePolicy = string(admissionregistrationv1.Fail)
		if w.FailurePolicy != nil {
			out.FailurePolicy = string(*w.FailurePolicy)
		}
		if w.Name == lbc.PodWebhookName {
			break
		}
	}
	return out, nil
}

// Answer is one access review's verdict, or why it could not be asked.
type Answer struct {
	Allowed bool
	Err     error
}

// AccessReviews asks the API server, once per distinct rule, whether the
// caller may do it: namespaced rules in namespace ("" means every
// namespace), the others cluster-wide. each, when set, bounds each call.
func AccessReviews(ctx context.Context, kc kubernetes.Interface, rules []permissions.KubeRule, namespace string, each func(context.Context) (context.Context, context.CancelFunc)) map[permissions.KubeRule]Answer {
	out := make(map[permissions.KubeRule]Answer, len(rules))
	for _, k := range rules {
		if _, seen := out[k]; seen {
			continue
		}
		res, sub, _ := strings.Cut(k.Resource, "/")
		ra := &authv1.ResourceAttributes{Group: k.Group, Resource: res, Subresource: sub, Verb: k.Verb}
		if permissions.Namespaced(k.Resource) {
			ra.Namespace = namespace
		}
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if each != nil {
			cctx, cancel = each(ctx)
		}
		review, err := kc.AuthorizationV1().SelfSubjectAccessReviews().Create(cctx,
			&authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: ra}}, metav1.CreateOptions{})
		cancel()
		a := Answer{Err: err}
		if err == nil {
			a.Allowed = review.Status.Allowed
		}
		out[k] = a
	}
	return out
}

// KubectlVerb spells a rule as `kubectl auth can-i` takes it: "list
// ingresses.networking.k8s.io", "update pods/status".
func KubectlVerb(k permissions.KubeRule) string {
	res, sub, _ := strings.Cut(k.Resource, "/")
	if k.Group != "" {
		res += "." + k.Group
	}
	if sub != "" {
		res += "/" + sub
	}
	return k.Verb + " " + res
}
