package awsendpoint

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// TestPodIdentityAssociations: the EKS Pod Identity reads through the real
// SDK client: a filtered, paged list and a describe with the role; an
// unknown association is ResourceNotFoundException.
func TestPodIdentityAssociations(t *testing.T) {
	e := newEnv(t, envConfig{})
	a := e.state.PutPodIdentityAssociation(PodIdentityAssociation{Cluster: "c", Namespace: "kube-system", ServiceAccount: "lbc", RoleARN: "arn:aws:iam::123456789012:role/lbc"})
	e.state.PutPodIdentityAssociation(PodIdentityAssociation{Cluster: "c", Namespace: "dns", ServiceAccount: "external-dns", RoleARN: "arn:aws:iam::123456789012:role/dns"})
	e.state.PutPodIdentityAssociation(PodIdentityAssociation{Cluster: "other", Namespace: "kube-system", ServiceAccount: "lbc", RoleARN: "arn:aws:iam::123456789012:role/x"})
	cfg := aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""), RetryMaxAttempts: 1}
	c := eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = aws.String(e.server.URL) })
	ctx := context.Background()
	var ids []string
	p := eks.NewListPodIdentityAssociationsPaginator(c, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("c"), MaxResults: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.Associations {
			ids = append(ids, aws.ToString(s.AssociationId))
		}
	}
	if len(ids) != 2 || ids[0] != a {
		t.Errorf("cluster c's associations %v, want two, %s first", ids, a)
	}
	out, err := c.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String("c"), Namespace: aws.String("kube-system"), ServiceAccount: aws.String("lbc")})
	if err != nil || len(out.Associations) != 1 {
		t.Fatalf("filtered list: %v %+v", err, out)
	}
	d, err := c.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String("c"), AssociationId: aws.String(a)})
	if err != nil || aws.ToString(d.Association.RoleArn) != "arn:aws:iam::123456789012:role/lbc" {
		t.Fatalf("describe: %v %+v", err, d)
	}
	_, err = c.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String("c"), AssociationId: aws.String("a-nope")})
	var nf *ekstypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("unknown association: %v, want ResourceNotFoundException", err)
	}
}
