package awsendpoint

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	route53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
)

func route53Client(e *env) *route53.Client {
	return route53.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")},
		func(o *route53.Options) { o.BaseEndpoint = aws.String(e.server.URL) })
}

// TestRoute53ListHostedZones pages through the zones with the SDK's
// paginator, and a refused call is the SDK's AccessDenied.
func TestRoute53ListHostedZones(t *testing.T) {
	e := newEnv(t, envConfig{})
	for i := range 5 {
		z := route53types.HostedZone{Id: aws.String(fmt.Sprintf("/hostedzone/Z%d", i)), Name: aws.String(fmt.Sprintf("zone%d.example.com", i))}
		if i == 3 {
			z.Config = &route53types.HostedZoneConfig{PrivateZone: true}
		}
		if err := e.state.PutHostedZone(z); err != nil {
			t.Fatal(err)
		}
	}
	c := route53Client(e)
	p := route53.NewListHostedZonesPaginator(c, &route53.ListHostedZonesInput{MaxItems: aws.Int32(2)})
	var got []string
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, z := range page.HostedZones {
			private := z.Config != nil && z.Config.PrivateZone
			got = append(got, fmt.Sprintf("%s=%s/%v", aws.ToString(z.Id), aws.ToString(z.Name), private))
		}
	}
	want := "[/hostedzone/Z0=zone0.example.com./false /hostedzone/Z1=zone1.example.com./false /hostedzone/Z2=zone2.example.com./false /hostedzone/Z3=zone3.example.com./true /hostedzone/Z4=zone4.example.com./false]"
	if fmt.Sprint(got) != want || pages != 3 {
		t.Errorf("%d pages: %v\nwant 3 pages: %s", pages, got, want)
	}
	e.handler.Faults().Set("ListHostedZones", Fault{AccessDenied: true})
	_, err := c.ListHostedZones(context.Background(), &route53.ListHostedZonesInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("refused: %v", err)
	}
}
