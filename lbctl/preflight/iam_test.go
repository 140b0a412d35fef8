package preflight

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
)

// startIAM starts the sandbox's AWS endpoint and returns the real IAM and
// STS clients pointed at it.
func startIAM(t *testing.T) (*awsendpoint.Handler, *iam.Client, *sts.Client) {
	t.Helper()
	h := awsendpoint.NewHandler(nil, awsendpoint.Options{})
	srv, err := awsendpoint.Start("", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	return h, iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
		sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

// TestIAMSimulation resolves an assumed-role session to its role (with its
// path) and simulates its policy through the real SDK against the sandbox's
// endpoint.
func TestIAMSimulation(t *testing.T) {
	h, c, _ := startIAM(t)
	ctx := context.Background()
	role := h.State().PutRole("/eks/", "deployer")
	account := awsendpoint.DefaultIdentity().Account
	got, err := PrincipalARN(ctx, c, fmt.Sprintf("arn:aws:sts::%s:assumed-role/deployer/ci-1234", account))
	if err != nil || got != role || got != "arn:aws:iam::"+account+":role/eks/deployer" {
		t.Fatalf("principal of the session = %q, %v; want %s", got, err, role)
	}
	if got, err := PrincipalARN(ctx, c, "arn:aws:iam::1:user/me"); err != nil || got != "arn:aws:iam::1:user/me" {
		t.Errorf("a user is its own principal: %q, %v", got, err)
	}
	if _, err := PrincipalARN(ctx, c, "arn:aws:sts::1:assumed-role/nobody/s"); err == nil {
		t.Error("an unknown role resolved")
	}
	h.State().DenyActions(role, "ec2:DescribeNetworkInterfaces", "elasticloadbalancing:ModifyRule")
	denied, err := DeniedActions(ctx, c, role, ControllerIPModeActions)
	if err != nil || fmt.Sprint(denied) != "[ec2:DescribeNetworkInterfaces elasticloadbalancing:ModifyRule]" {
		t.Errorf("denied = %v, %v", denied, err)
	}
}

// TestControllerRoleARN reads the IRSA annotation of the controller's
// ServiceAccount; none is "" without an error.
func TestControllerRoleARN(t *testing.T) {
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "lbc", Namespace: "kube-system"}}
	dep.Spec.Template.Spec.ServiceAccountName = "lbc"
	kc := fake.NewClientset(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "lbc", Namespace: "kube-system",
		Annotations: map[string]string{RoleARNAnnotation: "arn:aws:iam::1:role/lbc"}}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "kube-system"}})
	if got, err := ControllerRoleARN(context.Background(), kc, dep); err != nil || got != "arn:aws:iam::1:role/lbc" {
		t.Errorf("IRSA role = %q, %v", got, err)
	}
	dep.Spec.Template.Spec.ServiceAccountName = ""
	if got, err := ControllerRoleARN(context.Background(), kc, dep); err != nil || got != "" {
		t.Errorf("default service account: %q, %v", got, err)
	}
}

// fakeEKS answers the EKS Pod Identity calls from a fixed list of
// associations, each page holding one, and records the filters it was given.
type fakeEKS struct {
	assocs []ekstypes.PodIdentityAssociation
	listed []eks.ListPodIdentityAssociationsInput
}

func (f *fakeEKS) ListPodIdentityAssociations(_ context.Context, in *eks.ListPodIdentityAssociationsInput, _ ...func(*eks.Options)) (*eks.ListPodIdentityAssociationsOutput, error) {
	f.listed = append(f.listed, *in)
	var match []ekstypes.PodIdentityAssociationSummary
	for _, a := range f.assocs {
		if aws.ToString(a.ClusterName) == aws.ToString(in.ClusterName) && aws.ToString(a.Namespace) == aws.ToString(in.Namespace) && aws.ToString(a.ServiceAccount) == aws.ToString(in.ServiceAccount) {
			match = append(match, ekstypes.PodIdentityAssociationSummary{AssociationId: a.AssociationId, Namespace: a.Namespace, ServiceAccount: a.ServiceAccount, ClusterName: a.ClusterName})
		}
	}
	return &eks.ListPodIdentityAssociationsOutput{Associations: match}, nil
}

func (f *fakeEKS) DescribePodIdentityAssociation(_ context.Context, in *eks.DescribePodIdentityAssociationInput, _ ...func(*eks.Options)) (*eks.DescribePodIdentityAssociationOutput, error) {
	for _, a := range f.assocs {
		if aws.ToString(a.AssociationId) == aws.ToString(in.AssociationId) && aws.ToString(a.ClusterName) == aws.ToString(in.ClusterName) {
			return &eks.DescribePodIdentityAssociationOutput{Association: &a}, nil
		}
	}
	return nil, &ekstypes.ResourceNotFoundException{Message: aws.String("no association " + aws.ToString(in.AssociationId))}
}

// TestControllerPodIdentity: a controller ServiceAccount without the IRSA
// annotation gets its role from its EKS Pod Identity association (the
// target role when the association names one), and that role is simulated
// as an IRSA role is; without an association, or without the cluster name,
// the probe says why it was not simulated.
func TestControllerPodIdentity(t *testing.T) {
	h, iamc, stsc := startIAM(t)
	role := h.State().PutRole("/", "lbc-pod-identity")
	target := h.State().PutRole("/", "lbc-target")
	h.State().DenyActions(role, "elasticloadbalancing:ModifyRule")
	h.State().DenyActions(target, "ec2:CreateTags")

	dep := appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "lbc", Namespace: "kube-system"}}
	dep.Spec.Template.Spec.ServiceAccountName = "lbc"
	kc := fake.NewClientset(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "lbc", Namespace: "kube-system"}})
	assoc := func(id, cluster, sa, role, targetRole, policy string) ekstypes.PodIdentityAssociation {
		a := ekstypes.PodIdentityAssociation{AssociationId: aws.String(id), ClusterName: aws.String(cluster), Namespace: aws.String("kube-system"), ServiceAccount: aws.String(sa), RoleArn: aws.String(role)}
		if targetRole != "" {
			a.TargetRoleArn = aws.String(targetRole)
		}
		if policy != "" {
			a.Policy = aws.String(policy)
		}
		return a
	}
	call := func(fn func(context.Context) error) error { return fn(context.Background()) }
	text := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	for _, tc := range []struct {
		name    string
		eks     *fakeEKS
		cluster string
		want    IAMProbe
	}{
		{"association", &fakeEKS{assocs: []ekstypes.PodIdentityAssociation{
			assoc("a-other", "prod", "other", target, "", ""), assoc("a-1", "prod", "lbc", role, "", ""),
		}}, "prod", IAMProbe{Who: "the controller", ARN: role, Via: "EKS Pod Identity association a-1", Actions: len(ControllerIPModeActions), Denied: []string{"elasticloadbalancing:ModifyRule"}}},
		{"target role", &fakeEKS{assocs: []ekstypes.PodIdentityAssociation{assoc("a-2", "prod", "lbc", role, target, `{"Version":"2012-10-17"}`)}}, "prod",
			IAMProbe{Who: "the controller", ARN: target, Via: "EKS Pod Identity association a-2, whose own policy may narrow it further (not simulated)", Actions: len(ControllerIPModeActions), Denied: []string{"ec2:CreateTags"}}},
		{"other cluster's association", &fakeEKS{assocs: []ekstypes.PodIdentityAssociation{assoc("a-1", "staging", "lbc", role, "", "")}}, "prod",
			IAMProbe{Who: "the controller", Actions: len(ControllerIPModeActions), Err: "its ServiceAccount kube-system/lbc has no eks.amazonaws.com/role-arn annotation nor an EKS Pod Identity association in cluster prod (the node's instance role, which lbctl cannot see, may serve it)"}},
		{"no cluster name", &fakeEKS{}, "",
			IAMProbe{Who: "the controller", Actions: len(ControllerIPModeActions), Err: "its ServiceAccount kube-system/lbc has no eks.amazonaws.com/role-arn annotation and the cluster name is unknown, so its EKS Pod Identity association cannot be looked up: pass --cluster-name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := GatherOptions{STS: stsc, IAM: iamc, EKS: tc.eks, Cluster: tc.cluster}
			got := simulateIAM(kc, o, []appsv1.Deployment{dep}, call, text)
			if diff := cmp.Diff(tc.want, got[1]); diff != "" {
				t.Errorf("controller probe (-want +got):\n%s", diff)
			}
			for _, in := range tc.eks.listed {
				if aws.ToString(in.Namespace) != "kube-system" || aws.ToString(in.ServiceAccount) != "lbc" || aws.ToString(in.ClusterName) != tc.cluster {
					t.Errorf("listed with filters %s/%s in %s", aws.ToString(in.Namespace), aws.ToString(in.ServiceAccount), aws.ToString(in.ClusterName))
				}
			}
		})
	}
}
