package lbc

import (
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// ExternalDNS annotations on Ingresses: the host names it publishes beside
// the rules' hosts, and the Route53 weighted-record identity and weight.
const (
	ExternalDNSHostname      = "external-dns.alpha.kubernetes.io/hostname"
	ExternalDNSSetIdentifier = "external-dns.alpha.kubernetes.io/set-identifier"
	ExternalDNSAWSWeight     = "external-dns.alpha.kubernetes.io/aws-weight"
)

// DNSRecords is what ExternalDNS publishes for an Ingress: its hosts (rule
// hosts and the hostname annotation, sorted, deduplicated), and for a
// weighted record the set identifier and weight (0 when absent or invalid).
func DNSRecords(in *networkingv1.Ingress) (hosts []string, setID string, weight int) {
	seen := map[string]bool{}
	add := func(h string) {
		h = strings.ToLower(strings.TrimSpace(h))
		if h != "" && !strings.HasPrefix(h, "*") && !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	for _, r := range in.Spec.Rules {
		add(r.Host)
	}
	for _, h := range strings.Split(in.Annotations[ExternalDNSHostname], ",") {
		add(h)
	}
	sort.Strings(hosts)
	setID = in.Annotations[ExternalDNSSetIdentifier]
	if n, err := strconv.Atoi(in.Annotations[ExternalDNSAWSWeight]); err == nil && n >= 0 {
		weight = n
	}
	return hosts, setID, weight
}
