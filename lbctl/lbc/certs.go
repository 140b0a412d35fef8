package lbc

import (
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
)

// Certificate is an issued ACM certificate with the names it covers, as the
// controller's certificate discovery sees it (ListCertificates with status
// ISSUED, the names from its subject alternative names).
type Certificate struct {
	ARN     string
	Domains []string
}

// DiscoversCertificates reports whether the controller discovers this
// Ingress's certificates in ACM: it listens on HTTPS and names none (no
// IngressClassParams certificateArn, no certificate-arn annotation).
func DiscoversCertificates(cfg IngressConfig) bool {
	if len(cfg.CertificateARNs) > 0 {
		return false
	}
	for _, p := range cfg.ListenPorts {
		if p.Protocol == ProtocolHTTPS {
			return true
		}
	}
	return false
}

// DiscoveryHosts are the hosts discovery looks up: the rules' hosts and the
// TLS section's, sorted and distinct (computeIngressInferredTLSCertARNs).
func DiscoveryHosts(ing *networkingv1.Ingress) []string {
	set := map[string]bool{}
	for _, r := range ing.Spec.Rules {
		if r.Host != "" {
			set[r.Host] = true
		}
	}
	for _, t := range ing.Spec.TLS {
		for _, h := range t.Hosts {
			set[h] = true
		}
	}
	return sortedKeys(set)
}

// DiscoverCertificates finds the certificates of each host as the
// controller does: every issued certificate that covers a host is attached
// (controller v3; earlier releases refused a host several certificates
// cover), and a host no certificate covers is an error that stops the whole
// group. The result is sorted and distinct.
func DiscoverCertificates(ing *networkingv1.Ingress, certs []Certificate) ([]string, error) {
	set := map[string]bool{}
	for _, host := range DiscoveryHosts(ing) {
		var found []string
		for _, c := range certs {
			for _, d := range c.Domains {
				if DomainMatchesHost(d, host) {
					found = append(found, c.ARN)
					break
				}
			}
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("ingress %s/%s listens on HTTPS without certificate-arn and no issued ACM certificate covers host %s: the controller cannot build its group (set certificate-arn, or issue a certificate for the host)", ing.Namespace, ing.Name, host)
		}
		for _, arn := range found {
			set[arn] = true
		}
	}
	return sortedKeys(set), nil
}

// DomainMatchesHost is the controller's match of a certificate name against
// a host: equal, or a wildcard "*.example.com" covering exactly one label
// ("a.example.com", not "a.b.example.com" nor "example.com").
func DomainMatchesHost(domain, host string) bool {
	if rest, ok := strings.CutPrefix(domain, "*."); ok {
		_, hostRest, ok := strings.Cut(host, ".")
		return ok && hostRest == rest
	}
	return domain == host
}
