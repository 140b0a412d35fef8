package awsendpoint

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/google/go-cmp/cmp"
)

func acmClient(e *env) *acm.Client {
	return acm.New(acm.Options{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(e.server.URL),
		RetryMaxAttempts: 1,
	})
}

func certARN(i int) string {
	return fmt.Sprintf("arn:aws:acm:%s:123456789012:certificate/%08d-0000-4000-8000-000000000000", testRegion, i)
}

// TestACMListAndDescribe: the real ACM client (JSON 1.1) pages through the
// issued RSA-2048 certificates, sees a key type only when it asks for it,
// and describes one; unknown ARNs and denied calls are ACM's errors.
func TestACMListAndDescribe(t *testing.T) {
	e := newEnv(t, envConfig{})
	st := e.handler.State()
	for i := range 7 {
		c := acmtypes.CertificateDetail{CertificateArn: aws.String(certARN(i)), DomainName: aws.String(fmt.Sprintf("s%d.example.com", i)),
			SubjectAlternativeNames: []string{fmt.Sprintf("www.s%d.example.com", i)}, Status: acmtypes.CertificateStatusIssued, Type: acmtypes.CertificateTypeAmazonIssued}
		switch i {
		case 5:
			c.Status = acmtypes.CertificateStatusExpired
		case 6:
			c.KeyAlgorithm = acmtypes.KeyAlgorithmEcPrime256v1
		}
		must(t, st.PutCertificate(c))
	}
	if err := st.PutCertificate(acmtypes.CertificateDetail{CertificateArn: aws.String("not-an-arn")}); err == nil {
		t.Error("PutCertificate accepted a malformed ARN")
	}
	c := acmClient(e)
	ctx := context.Background()
	var arns []string
	pages := 0
	p := acm.NewListCertificatesPaginator(c, &acm.ListCertificatesInput{CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusIssued}, MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.CertificateSummaryList {
			arns = append(arns, aws.ToString(s.CertificateArn))
			if want := []string{aws.ToString(s.DomainName), "www." + aws.ToString(s.DomainName)}; !cmp.Equal(want, s.SubjectAlternativeNameSummaries) {
				t.Errorf("%s: names %v, want %v", aws.ToString(s.CertificateArn), s.SubjectAlternativeNameSummaries, want)
			}
		}
	}
	if want := []string{certARN(0), certARN(1), certARN(2), certARN(3), certARN(4)}; !cmp.Equal(want, arns) || pages != 3 {
		t.Errorf("issued RSA-2048 certificates %v in %d pages, want %v in 3", arns, pages, want)
	}
	out, err := c.ListCertificates(ctx, &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmEcPrime256v1}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CertificateSummaryList) != 1 || aws.ToString(out.CertificateSummaryList[0].CertificateArn) != certARN(6) {
		t.Errorf("EC certificates: %+v", out.CertificateSummaryList)
	}

	d, err := c.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(certARN(3))})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Certificate.SubjectAlternativeNames; !cmp.Equal([]string{"s3.example.com", "www.s3.example.com"}, got) || d.Certificate.Status != acmtypes.CertificateStatusIssued {
		t.Errorf("describe: names %v status %s", got, d.Certificate.Status)
	}
	_, err = c.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(certARN(99))})
	if !errors.As(err, new(*acmtypes.ResourceNotFoundException)) {
		t.Errorf("unknown certificate: %v, want ResourceNotFoundException", err)
	}
	e.handler.Faults().Set("ListCertificates", Fault{AccessDenied: true})
	_, err = c.ListCertificates(ctx, &acm.ListCertificatesInput{})
	if !errors.As(err, new(*acmtypes.AccessDeniedException)) {
		t.Errorf("denied: %v, want AccessDeniedException", err)
	}
	if n := e.handler.Calls()["ListCertificates"]; n != 5 {
		t.Errorf("ListCertificates calls = %d, want 5", n)
	}
}
