package awsapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
)

// TestReadCertificates reads ACM through the real SDK client from the
// sandbox endpoint: issued certificates only, ACM's default key type, the
// names from the summary, and DescribeCertificate only for a certificate
// whose names do not fit in it.
func TestReadCertificates(t *testing.T) {
	w := newWorld(t, 1)
	st := w.h.State()
	arn := func(id string) string { return "arn:aws:acm:us-west-2:123456789012:certificate/" + id }
	var many []string
	for i := range 120 {
		many = append(many, fmt.Sprintf("h%03d.big.example.com", i))
	}
	for _, c := range []acmtypes.CertificateDetail{
		{CertificateArn: aws.String(arn("a")), DomainName: aws.String("*.team-a.example.com"), Status: acmtypes.CertificateStatusIssued},
		{CertificateArn: aws.String(arn("b")), DomainName: aws.String("b.example.com"), SubjectAlternativeNames: []string{"www.b.example.com"}, Status: acmtypes.CertificateStatusIssued},
		{CertificateArn: aws.String(arn("big")), DomainName: aws.String("big.example.com"), SubjectAlternativeNames: many, Status: acmtypes.CertificateStatusIssued},
		{CertificateArn: aws.String(arn("pending")), DomainName: aws.String("p.example.com"), Status: acmtypes.CertificateStatusPendingValidation},
		{CertificateArn: aws.String(arn("ec")), DomainName: aws.String("ec.example.com"), Status: acmtypes.CertificateStatusIssued, KeyAlgorithm: acmtypes.KeyAlgorithmEcPrime256v1},
	} {
		must(t, st.PutCertificate(c))
	}
	srvURL := w.elb.Options().BaseEndpoint
	client := acm.NewFromConfig(aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")},
		func(o *acm.Options) { o.BaseEndpoint = srvURL })
	r := &awsapi.Reader{ELB: w.elb, EC2: w.ec2, ACM: client, SkipTargetHealth: true}
	got, err := r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !got.CertificatesRead {
		t.Fatalf("certificates not read: problems %v", got.Problems)
	}
	want := []awsapi.Certificate{
		{ARN: arn("a"), Domains: []string{"*.team-a.example.com"}},
		{ARN: arn("b"), Domains: []string{"b.example.com", "www.b.example.com"}},
		{ARN: arn("big"), Domains: append([]string{"big.example.com"}, many...)},
	}
	if diff := cmp.Diff(want, got.Certificates); diff != "" {
		t.Errorf("certificates (-want +got):\n%s", diff)
	}
	if got.Calls["ListCertificates"] != 1 || got.Calls["DescribeCertificate"] != 1 {
		t.Errorf("calls = %v, want one ListCertificates and one DescribeCertificate (for the certificate with 121 names)", got.Calls)
	}

	// Denied: the state says ACM was not read, the reason is a problem.
	w.h.Faults().Set("ListCertificates", awsendpoint.Fault{AccessDenied: true})
	got, err = r.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.CertificatesRead || len(got.Certificates) != 0 {
		t.Errorf("denied ListCertificates: read %v %v", got.CertificatesRead, got.Certificates)
	}
	found := false
	for _, p := range got.Problems {
		found = found || (p.Action == "ListCertificates" && p.Code == "AccessDeniedException")
	}
	if !found {
		t.Errorf("problems = %v, want ListCertificates AccessDeniedException", got.Problems)
	}
}
