package preflight

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

// doctorCluster is a cluster with the controller installed: its
// Deployment at image tag, its webhook, the IngressClass alb; access
// reviews answer allowed unless the verb is in denied.
func doctorCluster(tag string, denied ...string) *fake.Clientset {
	ctrl := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "aws-load-balancer-controller",
		Labels: map[string]string{"app.kubernetes.io/name": lbc.ControllerNameLabel}}}
	ctrl.Spec.Template.Spec.Containers = []corev1.Container{{Name: "controller", Image: "public.ecr.aws/eks/aws-load-balancer-controller:" + tag}}
	ctrl.Status.AvailableReplicas = 2
	wh := &admissionv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: lbc.WebhookConfigName}, Webhooks: []admissionv1.MutatingWebhook{
		{Name: "mpod.elbv2.k8s.aws", Rules: []admissionv1.RuleWithOperations{{Rule: admissionv1.Rule{Resources: []string{"pods"}}}}},
	}}
	class := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: lbc.IngressClassALB}, Spec: networkingv1.IngressClassSpec{Controller: lbc.ControllerName}}
	kc := fake.NewSimpleClientset(ctrl, wh, class)
	kc.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: "v1.33.4"}
	kc.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview)
		ra := r.Spec.ResourceAttributes
		r.Status.Allowed = true
		for _, d := range denied {
			if d == ra.Verb+" "+ra.Resource {
				r.Status.Allowed = false
			}
		}
		return true, r, nil
	})
	return kc
}

func runDoctor(t *testing.T, kc kubernetes.Interface, in DoctorInput) map[string]DoctorCheck {
	t.Helper()
	in.Kube = func() (kubernetes.Interface, error) { return kc, nil }
	got := map[string]DoctorCheck{}
	for _, c := range Doctor(context.Background(), in) {
		if _, dup := got[c.Check]; dup {
			t.Errorf("check %s reported twice", c.Check)
		}
		got[c.Check] = c
	}
	return got
}

func TestDoctorCluster(t *testing.T) {
	tests := []struct {
		name   string
		tag    string
		denied []string
		want   map[string]DoctorStatus
		says   map[string]string
	}{
		{"all good", "v2.13.0", nil,
			map[string]DoctorStatus{"kube/context": DoctorOK, "rbac/scan": DoctorOK, "rbac/migrate": DoctorOK, "controller/deployment": DoctorOK,
				"controller/webhook": DoctorOK, "controller/ingressclass": DoctorOK, "aws": DoctorNotChecked},
			map[string]string{"kube/context": "context prod: Kubernetes v1.33.4 at https://api.example", "controller/deployment": "(2/1 replicas available)"}},
		{"old controller", "v2.1.0", nil,
			map[string]DoctorStatus{"controller/deployment": DoctorOK, "controller/ingressgroup": DoctorOK},
			map[string]string{}},
		{"model version: an older controller builds otherwise", "v2.13.0", nil,
			map[string]DoctorStatus{"controller/model-version": DoctorWarn},
			map[string]string{"controller/model-version": "IngressClassParams loadBalancerName and sslRedirectPort (v2.14.0)"}},
		{"model version: the modelled release", lbc.ModelVersion, nil,
			map[string]DoctorStatus{"controller/model-version": DoctorOK, "controller/model": DoctorNotChecked},
			map[string]string{"controller/model": "IngressPlanAnnotation"}},
		{"a verb denied", "v2.13.0", []string{"list pods"},
			map[string]DoctorStatus{"rbac/scan": DoctorFail, "rbac/health": DoctorFail},
			map[string]string{"rbac/scan": "list pods"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runDoctor(t, doctorCluster(tc.tag, tc.denied...), DoctorInput{Host: "https://api.example", Context: "prod", NoAWS: true})
			for check, st := range tc.want {
				if got[check].Status != st {
					t.Errorf("%s = %s (%s), want %s", check, got[check].Status, got[check].Message, st)
				}
			}
			for check, s := range tc.says {
				if !strings.Contains(got[check].Message, s) {
					t.Errorf("%s says %q, want it to mention %q", check, got[check].Message, s)
				}
			}
		})
	}
	// A controller older than a feature needs fails that feature's line.
	got := runDoctor(t, doctorCluster("v2.1.0"), DoctorInput{NoAWS: true})
	failed := 0
	for _, f := range lbc.Features() {
		c := got["controller/"+strings.ReplaceAll(strings.ToLower(f.Name), " ", "-")]
		if ok, _ := lbc.VersionAtLeast("v2.1.0", f.Since); !ok {
			failed++
			if c.Status != DoctorFail || !strings.Contains(c.Fix, f.Since) {
				t.Errorf("%s on v2.1.0 = %+v, want fail naming %s", f.Name, c, f.Since)
			}
		}
	}
	if failed == 0 {
		t.Fatal("no feature is newer than v2.1.0: the case tests nothing")
	}
}

func TestDoctorNoController(t *testing.T) {
	kc := fake.NewSimpleClientset()
	kc.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: "v1.33.4"}
	got := runDoctor(t, kc, DoctorInput{NoAWS: true})
	for check, st := range map[string]DoctorStatus{"controller/deployment": DoctorFail, "controller/features": DoctorNotChecked,
		"controller/webhook": DoctorFail, "controller/ingressclass": DoctorFail, "controller/crd-targetgroupbindings": DoctorFail} {
		if got[check].Status != st {
			t.Errorf("%s = %s (%s), want %s", check, got[check].Status, got[check].Message, st)
		}
	}
	if !strings.Contains(got["controller/deployment"].Fix, "helm install") {
		t.Errorf("no controller: fix %q does not say how to install it", got["controller/deployment"].Fix)
	}
}

// fakeAWS answers doctor's probes: one load balancer, listener, target
// group and certificate, and AccessDenied for the actions in denied.
type fakeAWS struct{ denied map[string]bool }

func (f fakeAWS) err(action string) error {
	if f.denied[action] {
		return &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform " + action}
	}
	return nil
}

func (f fakeAWS) DescribeLoadBalancers(context.Context, *elbv2.DescribeLoadBalancersInput, ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbtypes.LoadBalancer{{LoadBalancerArn: aws.String("arn:lb")}}}, f.err("elasticloadbalancing:DescribeLoadBalancers")
}
func (f fakeAWS) DescribeListeners(context.Context, *elbv2.DescribeListenersInput, ...func(*elbv2.Options)) (*elbv2.DescribeListenersOutput, error) {
	return &elbv2.DescribeListenersOutput{Listeners: []elbtypes.Listener{{ListenerArn: aws.String("arn:listener")}}}, f.err("elasticloadbalancing:DescribeListeners")
}
func (f fakeAWS) DescribeRules(context.Context, *elbv2.DescribeRulesInput, ...func(*elbv2.Options)) (*elbv2.DescribeRulesOutput, error) {
	return &elbv2.DescribeRulesOutput{}, f.err("elasticloadbalancing:DescribeRules")
}
func (f fakeAWS) DescribeTargetGroups(context.Context, *elbv2.DescribeTargetGroupsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	return &elbv2.DescribeTargetGroupsOutput{TargetGroups: []elbtypes.TargetGroup{{TargetGroupArn: aws.String("arn:tg")}}}, f.err("elasticloadbalancing:DescribeTargetGroups")
}
func (f fakeAWS) DescribeTargetHealth(context.Context, *elbv2.DescribeTargetHealthInput, ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	return &elbv2.DescribeTargetHealthOutput{}, f.err("elasticloadbalancing:DescribeTargetHealth")
}
func (f fakeAWS) DescribeTags(context.Context, *elbv2.DescribeTagsInput, ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error) {
	return &elbv2.DescribeTagsOutput{}, f.err("elasticloadbalancing:DescribeTags")
}
func (f fakeAWS) DescribeAccountLimits(context.Context, *elbv2.DescribeAccountLimitsInput, ...func(*elbv2.Options)) (*elbv2.DescribeAccountLimitsOutput, error) {
	return &elbv2.DescribeAccountLimitsOutput{}, f.err("elasticloadbalancing:DescribeAccountLimits")
}
func (f fakeAWS) DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	return &ec2.DescribeSubnetsOutput{}, f.err("ec2:DescribeSubnets")
}
func (f fakeAWS) DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error) {
	return &ec2.DescribeInstancesOutput{}, f.err("ec2:DescribeInstances")
}
func (f fakeAWS) DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	return &ec2.DescribeSecurityGroupsOutput{}, f.err("ec2:DescribeSecurityGroups")
}
func (f fakeAWS) ListCertificates(context.Context, *acm.ListCertificatesInput, ...func(*acm.Options)) (*acm.ListCertificatesOutput, error) {
	return &acm.ListCertificatesOutput{}, f.err("acm:ListCertificates")
}
func (f fakeAWS) DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error) {
	return &acm.DescribeCertificateOutput{}, f.err("acm:DescribeCertificate")
}
func (f fakeAWS) DescribeNetworkInterfaces(context.Context, *ec2.DescribeNetworkInterfacesInput, ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error) {
	return &ec2.DescribeNetworkInterfacesOutput{}, f.err("ec2:DescribeNetworkInterfaces")
}
func (f fakeAWS) ListHostedZones(context.Context, *route53.ListHostedZonesInput, ...func(*route53.Options)) (*route53.ListHostedZonesOutput, error) {
	return &route53.ListHostedZonesOutput{}, f.err("route53:ListHostedZones")
}
func (f fakeAWS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{Arn: aws.String("arn:aws:iam::111122223333:user/ops"), Account: aws.String("111122223333")}, f.err("sts:GetCallerIdentity")
}
func (f fakeAWS) GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	if err := f.err("iam:GetRole"); err != nil {
		return nil, err
	}
	return nil, &iamtypes.NoSuchEntityException{Message: aws.String("no such role")}
}
func (f fakeAWS) SimulatePrincipalPolicy(context.Context, *iam.SimulatePrincipalPolicyInput, ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	return &iam.SimulatePrincipalPolicyOutput{}, f.err("iam:SimulatePrincipalPolicy")
}

func TestDoctorAWS(t *testing.T) {
	f := fakeAWS{denied: map[string]bool{"elasticloadbalancing:DescribeRules": true}}
	in := DoctorInput{
		AWSConfig: func(context.Context) (aws.Config, error) {
			return aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}, nil
		},
		AWS: func(context.Context) (*DoctorAWS, error) {
			return &DoctorAWS{ELB: f, EC2: f, ACM: f, Route53: f, IAM: f, STS: f}, nil
		},
	}
	got := runDoctor(t, doctorCluster("v2.13.0"), in)
	for check, st := range map[string]DoctorStatus{
		"aws/region":   DoctorOK,
		"aws/identity": DoctorOK,
		"iam/elasticloadbalancing:DescribeLoadBalancers": DoctorOK,
		"iam/elasticloadbalancing:DescribeRules":         DoctorFail,
		"iam/iam:GetRole":                                DoctorOK,
		"iam/acm:DescribeCertificate":                    DoctorNotChecked, // no certificate to try it on
	} {
		if got[check].Status != st {
			t.Errorf("%s = %s (%s), want %s", check, got[check].Status, got[check].Message, st)
		}
	}
	if fix := got["iam/elasticloadbalancing:DescribeRules"].Fix; !strings.Contains(fix, "arn:aws:iam::111122223333:user/ops") {
		t.Errorf("denied action's fix %q does not name the caller", fix)
	}

	// Without a region nothing further is tried.
	in.AWSConfig = func(context.Context) (aws.Config, error) { return aws.Config{}, errors.New("no AWS region is set") }
	got = runDoctor(t, doctorCluster("v2.13.0"), in)
	if got["aws/region"].Status != DoctorFail || got["aws"].Status != DoctorNotChecked || got["aws/identity"].Check != "" {
		t.Errorf("no region: %+v / %+v / %+v", got["aws/region"], got["aws"], got["aws/identity"])
	}
}

func TestDoctorReportCounts(t *testing.T) {
	rep := NewDoctorReport([]DoctorCheck{{Check: "a", Status: DoctorOK}, {Check: "b", Status: DoctorFail}, {Check: "c", Status: DoctorFail}})
	if rep.Counts[DoctorFail] != 2 || rep.Counts[DoctorOK] != 1 || rep.Counts[DoctorWarn] != 0 || !rep.Failed() {
		t.Errorf("counts %v failed %v", rep.Counts, rep.Failed())
	}
	if empty := NewDoctorReport(nil); empty.Checks == nil || empty.Failed() {
		t.Errorf("empty report: %+v", empty)
	}
}

func TestDoctorText(t *testing.T) {
	rep := NewDoctorReport([]DoctorCheck{
		{Check: "kube/context", Status: DoctorOK, Message: "Kubernetes v1.33.0"},
		{Check: "rbac/scan", Status: DoctorFail, Message: "missing 1 of 9 verbs across all namespaces: list pods", Fix: "kubectl lbctl rbac --for scan | kubectl apply -f -"},
		{Check: "iam/elasticloadbalancing:DescribeRules", Status: DoctorNotChecked, Message: "no load balancer in the region to try it on"},
	})
	var b bytes.Buffer
	if err := WriteDoctorText(&b, rep); err != nil {
		t.Fatal(err)
	}
	want := `ok           kube/context                            Kubernetes v1.33.0
fail         rbac/scan                               missing 1 of 9 verbs across all namespaces: list pods — fix: kubectl lbctl rbac --for scan | kubectl apply -f -
not-checked  iam/elasticloadbalancing:DescribeRules  no load balancer in the region to try it on

1 ok, 0 warn, 1 fail, 1 not checked
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	if !rep.Failed() {
		t.Error("a fail line must fail the report")
	}
}
