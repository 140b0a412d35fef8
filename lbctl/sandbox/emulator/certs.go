package emulator

import (
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// certificates are the issued ACM certificates the controller's discovery
// by host picks from: as the AWS side topology.Build discovers with (the
// same code the planner predicts with), and as lbc's matcher takes them.
func (e *Emulator) certificates() (*awsapi.State, []lbc.Certificate) {
	issued := e.state.IssuedCertificates()
	st := &awsapi.State{CertificatesRead: true, Certificates: make([]awsapi.Certificate, 0, len(issued))}
	certs := make([]lbc.Certificate, 0, len(issued))
	for _, c := range issued {
		arn := aws.ToString(c.CertificateArn)
		st.Certificates = append(st.Certificates, awsapi.Certificate{ARN: arn, Domains: c.SubjectAlternativeNames})
		certs = append(certs, lbc.Certificate{ARN: arn, Domains: c.SubjectAlternativeNames})
	}
	return st, certs
}

// discoveryFailure says, in the controller's words, why it cannot discover
// the certificates of an Ingress that listens on HTTPS and names none: the
// first host (in sorted order, as the controller looks them up) that no
// issued certificate covers. It is "" when discovery succeeds or the
// Ingress does not discover.
func discoveryFailure(in *topology.Ingress, certs []lbc.Certificate) string {
	if !lbc.DiscoversCertificates(in.Config) {
		return ""
	}
	_, err := lbc.DiscoverCertificates(in.Object, certs)
	if err == nil {
		return ""
	}
	for _, host := range lbc.DiscoveryHosts(in.Object) {
		var arns []string
		for _, c := range certs {
			if slices.ContainsFunc(c.Domains, func(d string) bool { return lbc.DomainMatchesHost(d, host) }) {
				arns = append(arns, c.ARN)
			}
		}
		if len(arns) == 0 {
			return fmt.Sprintf("ingress: %s: no certificate found for host: %s", in.Key(), host)
		}
	}
	return err.Error()
}

// errHTTPSWithoutCertificate is what ELBv2 answers CreateListener for an
// HTTPS listener without a certificate (an HTTPS Ingress with neither
// certificate-arn nor a host to discover one for).
const errHTTPSWithoutCertificate = "ValidationError: A certificate must be specified for HTTPS listeners"

// listenerCertificates are a listener's certificates as the state keeps
// them: the first is the default certificate (CreateListener's), the rest
// the listener certificates AddListenerCertificates adds, marked IsDefault
// false, so DescribeListeners shows the default and
// DescribeListenerCertificates all of them.
func listenerCertificates(arns []string) []elbv2types.Certificate {
	if len(arns) == 0 {
		return nil
	}
	out := []elbv2types.Certificate{{CertificateArn: aws.String(arns[0])}}
	for _, arn := range arns[1:] {
		out = append(out, elbv2types.Certificate{CertificateArn: aws.String(arn), IsDefault: aws.Bool(false)})
	}
	return out
}
