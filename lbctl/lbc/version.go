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

// ModelVersion is the controller release lbctl's model of it (render,
// plan's predictions, the sandbox's emulator) follows.
const ModelVersion = "v3.5.0"

// Behaviours are what lbctl's model does that older controller releases do
// not, with the release each came with: a controller older than one builds
// something else from the same Ingresses, and predictions for it may be
// wrong where that behaviour matters. Releases are from the controller's
// release notes (mutual TLS v2.7.0, HTTP/HTTPS listener attributes
// v2.10.1, capacity reservation v2.11.0, IPAM pools v2.12.0; EKS's notes
// put IngressClassParams prefixListsIDs with v2.13/v2.14, pinned here with
// loadBalancerName); ModelVersion ones were observed in ModelVersion, the
// release that brought them not pinned.
func Behaviours() []Feature {
	return []Feature{
		{Name: "a class-less Ingress is the default IngressClass's", Since: "v2.5.0"},
		{Name: "a missing backend Service becomes a 503 rule", Since: "v2.7.0"},
		{Name: "load-balancer attributes set by IngressClassParams never conflict", Since: "v2.10.1"},
		{Name: "IngressClassParams loadBalancerName and sslRedirectPort", Since: "v2.14.0"},
		{Name: "target-control-port in target group names", Since: "v2.16.0"},
		{Name: "every ACM certificate covering a host is attached", Since: ModelVersion},
		{Name: "url-rewrite and host-header-rewrite transforms", Since: ModelVersion},
		{Name: "mutual-authentication sets HTTPS listeners' mutual TLS", Since: "v2.7.0"},
		{Name: "listener-attributes and IngressClassParams listeners set listener attributes", Since: "v2.10.1"},
		{Name: "minimum-load-balancer-capacity and IngressClassParams minimumLoadBalancerCapacity reserve ALB capacity", Since: "v2.11.0"},
		{Name: "ipam-ipv4-pool-id and IngressClassParams ipamConfiguration take the ALB's addresses from an IPAM pool", Since: "v2.12.0"},
		{Name: "IngressClassParams prefixListsIDs", Since: "v2.14.0"},
		{Name: "listeners without mutual-authentication get no mutual TLS setting", Since: ModelVersion},
		{Name: "security-group-prefix-lists alone let in only the prefix lists", Since: ModelVersion},
		{Name: "wafv2-acl-arn and waf-acl-id none, and IngressClassParams wafv2AclArn", Since: ModelVersion},
		{Name: "members must agree on enable-frontend-nlb and the frontend NLB's scheme, subnets, security groups and tags", Since: ModelVersion},
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
