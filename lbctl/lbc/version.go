package lbc

import (
	"strconv"
	"strings"
)

// The controller's Deployment, its pod mutating webhook and the image it
// runs, as the upstream Helm chart and manifests install them.
const (
	// ControllerNameLabel is the app.kubernetes.io/name label value of the
	// controller's Deployment.
	ControllerNameLabel = "aws-load-balancer-controller"
	// WebhookConfigName is the MutatingWebhookConfiguration that injects
	// readiness gates into pods at creation.
	WebhookConfigName = "aws-load-balancer-webhook"
	// PodWebhookName is the webhook of that configuration that injects
	// readiness gates into pods (the chart's mpod, path /mutate-v1-pod).
	PodWebhookName = "mpod.elbv2.k8s.aws"
)

// Feature is a controller capability lbctl's migration relies on.
type Feature struct {
	Name string
	// Since is the first controller release with the feature.
	Since string
}

// Features are the capabilities a migration to shared-ALB ip targets uses,
// with the release that brought each: IngressGroup (group.name), pod
// readiness gates and weighted forward actions (several target groups in one
// actions.NAME forward) arrived with v2.0.0 (the controller's v2.0 docs,
// guide/ingress/annotations and guide/controller/pod_readiness_gate);
// IngressClassParams with v2.2.0.
func Features() []Feature {
	return []Feature{
		{Name: "IngressGroup", Since: "v2.0.0"},
		{Name: "pod readiness gates", Since: "v2.0.0"},
		{Name: "weighted target groups", Since: "v2.0.0"},
		{Name: "IngressClassParams", Since: "v2.2.0"},
	}
}

// ImageTag returns the tag of a container image reference
// ("public.ecr.aws/eks/aws-load-balancer-controller:v2.13.0@sha256:…" →
// "v2.13.0"), or "" when it has none.
func ImageTag(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	slash := strings.LastIndexByte(image, '/')
	colon := strings.LastIndexByte(image, ':')
	if colon <= slash {
		return ""
	}
	return image[colon+1:]
}

// VersionAtLeast compares release tags such as "v2.13.0" (a pre-release or
// build suffix is ignored); known is false when v is not such a tag.
func VersionAtLeast(v, min string) (ok, known bool) {
	a, okA := parseVersion(v)
	m, okM := parseVersion(min)
	if !okA || !okM {
		return false, false
	}
	for i := range a {
		if a[i] != m[i] {
			return a[i] > m[i], true
		}
	}
	return true, true
}

func parseVersion(s string) ([3]int, bool) {
	var out [3]int
	s = strings.TrimPrefix(s, "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}
