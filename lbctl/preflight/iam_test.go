package preflight

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
)

// TestIAMSimulation resolves an assumed-role session to its role (with its
// path) and simulates its policy through the real SDK against the sandbox's
// endpoint.
func TestIAMSimulation(t *testing.T) {
	h := awsendpoint.NewHandler(nil, awsendpoint.Options{})
	srv, err := awsendpoint.Start("", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := iam.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")},
		func(o *iam.Options) { o.BaseEndpoint = aws.String(srv.URL) })
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
