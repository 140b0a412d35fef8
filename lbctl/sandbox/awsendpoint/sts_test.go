package awsendpoint

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

func stsClient(e *env) *sts.Client {
	return sts.New(sts.Options{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(e.server.URL),
		RetryMaxAttempts: 1,
	})
}

// TestGetCallerIdentity: the real STS client reads the fixed identity, and
// a denied call surfaces as the AccessDenied API error AWS returns.
func TestGetCallerIdentity(t *testing.T) {
	e := newEnv(t, envConfig{})
	c := stsClient(e)
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultIdentity()
	got := Identity{Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	if n := e.handler.Calls()["GetCallerIdentity"]; n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}

	e.handler.Faults().Set("GetCallerIdentity", Fault{AccessDenied: true})
	_, err = c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("denied call: err = %v, want AccessDenied", err)
	}
}

func TestGetCallerIdentityCustom(t *testing.T) {
	id := Identity{Account: "210987654321", Arn: "arn:aws:sts::210987654321:assumed-role/ci/session", UserID: "AROAEXAMPLE:session"}
	e := newEnv(t, envConfig{opts: Options{Identity: id}})
	out, err := stsClient(e).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != id.Arn || aws.ToString(out.Account) != id.Account {
		t.Errorf("got %s in %s, want %s in %s", aws.ToString(out.Arn), aws.ToString(out.Account), id.Arn, id.Account)
	}
}
