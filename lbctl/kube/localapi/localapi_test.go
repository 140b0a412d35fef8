package localapi_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/kube/kubetest"
	"github.com/lbctl/lbctl/lbctl/kube/localapi"
)

var env *kubetest.Env

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m, &env)) }

func TestVersionMatchesWrapperModule(t *testing.T) {
	b, err := os.ReadFile("../../../hack/kube-apiserver/go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "require k8s.io/kubernetes "+localapi.KubernetesVersion+"\n") {
		t.Fatalf("hack/kube-apiserver/go.mod does not require k8s.io/kubernetes %s; keep KubernetesVersion in step", localapi.KubernetesVersion)
	}
}

func TestCRDsParse(t *testing.T) {
	defs, err := localapi.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
	}
	want := []string{"ingressclassparams.elbv2.k8s.aws", "targetgroupbindings.elbv2.k8s.aws"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("CRDs (-want +got):\n%s", diff)
	}
}

func TestTargetGroupBindingRoundTrip(t *testing.T) {
	s := env.Require(t)
	ctx := context.Background()
	kc := kubernetes.NewForConfigOrDie(s.Config)
	dc := dynamic.NewForConfigOrDie(s.Config)
	if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ip := v1beta1.TargetTypeIP
	want := &v1beta1.TargetGroupBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "TargetGroupBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: "k8s-teama-web-0123456789", Namespace: "team-a"},
		Spec: v1beta1.TargetGroupBindingSpec{
			TargetGroupARN: "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/k8s-teama-web-0123456789/0123456789abcdef",
			TargetType:     &ip,
			ServiceRef:     v1beta1.ServiceReference{Name: "web", Port: intstr.FromInt32(80)},
			Networking: &v1beta1.TargetGroupBindingNetworking{Ingress: []v1beta1.NetworkingIngressRule{{
				From:  []v1beta1.NetworkingPeer{{SecurityGroup: &v1beta1.SecurityGroup{GroupID: "sg-0123"}}},
				Ports: []v1beta1.NetworkingPort{{Port: ptr(intstr.FromInt32(8080))}},
			}}},
		},
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(want)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace("team-a").Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create TargetGroupBinding: %v", err)
	}
	u, err := dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace("team-a").Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get TargetGroupBinding: %v", err)
	}
	got := &v1beta1.TargetGroupBinding{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.Spec, got.Spec); diff != "" {
		t.Fatalf("spec after round trip (-want +got):\n%s", diff)
	}

	// The schema rejects what the controller's would: a binding without a target group.
	bad := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "TargetGroupBinding",
		"metadata": map[string]any{"name": "bad", "namespace": "team-a"},
		"spec":     map[string]any{"serviceRef": map[string]any{"name": "web", "port": 80}},
	}}
	if _, err := dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace("team-a").Create(ctx, bad, metav1.CreateOptions{}); err == nil {
		t.Fatal("a TargetGroupBinding without targetGroupARN was accepted")
	}
}

func ptr[T any](v T) *T { return &v }
