package emulator

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

func certARN(name string) string { return "arn:aws:acm:us-west-2:123456789012:certificate/" + name }

// httpsIngress is shop/web on HTTP 80 and HTTPS 443 for host (none when
// empty), backed by the NodePort Service shop/web.
func httpsIngress(host string, ann map[string]string) *kube.Objects {
	class := "alb"
	annotations := map[string]string{lbc.Key(lbc.SuffixListenPorts): `[{"HTTP":80},{"HTTPS":443}]`}
	for k, v := range ann {
		annotations[k] = v
	}
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}
	prefix := networkingv1.PathTypePrefix
	return &kube.Objects{
		IngressClasses: []networkingv1.IngressClass{{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: "ingress.k8s.aws/alb"}}},
		Services: []corev1.Service{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort,
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: 30080}}}}},
		Ingresses: []networkingv1.Ingress{{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Annotations: annotations},
			Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: backend}}}}}}}}},
	}
}

// reconcileOnce runs one reconcile of objs against an account holding certs
// and returns the resulting state, the Warning events and the reconcile error.
func reconcileOnce(t *testing.T, objs *kube.Objects, certs []acmtypes.CertificateDetail) (awsendpoint.Snapshot, []string, error) {
	t.Helper()
	state := awsendpoint.NewState()
	for _, c := range certs {
		if err := state.PutCertificate(c); err != nil {
			t.Fatal(err)
		}
	}
	kc := fake.NewClientset(&objs.Ingresses[0])
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		v1beta1.TargetGroupBindingsResource: "TargetGroupBindingList",
		v1beta1.IngressClassParamsResource:  "IngressClassParamsList",
	})
	plane := dataplane.New(dataplane.Options{})
	t.Cleanup(func() { _ = plane.Close() })
	d := lbc.DefaultDefaults()
	d.ClusterName = "test"
	// Unprivileged ports on an address of its own (the whole of 127/8 is loopback).
	e := New(kc, dc, state, awsendpoint.NewNamer("us-west-2", "123456789012", 1), plane,
		Options{Defaults: d, PortOffset: 31000, ALBAddressBase: "127.83.201"})
	e.listers.objs = func() *kube.Objects { return objs }
	err := e.Reconcile(t.Context())
	evs, lerr := kc.CoreV1().Events("shop").List(t.Context(), metav1.ListOptions{})
	if lerr != nil {
		t.Fatal(lerr)
	}
	var msgs []string
	for _, ev := range evs.Items {
		msgs = append(msgs, ev.Reason+": "+ev.Message)
	}
	return state.Snapshot(), msgs, err
}

// TestListenerCertificates: the HTTPS listener gets the certificate-arn
// certificates, else every issued one that covers a host (controller v3); a
// host no issued certificate covers stops the group as the controller's
// build does; HTTP listeners have none.
func TestListenerCertificates(t *testing.T) {
	issued := func(name, domain string) acmtypes.CertificateDetail {
		return acmtypes.CertificateDetail{CertificateArn: aws.String(certARN(name)), DomainName: aws.String(domain), Status: acmtypes.CertificateStatusIssued}
	}
	pending := issued("pending", "*.shop.example.com")
	pending.Status = acmtypes.CertificateStatusPendingValidation
	shop, other, exact := issued("shop", "*.shop.example.com"), issued("other", "*.other.example.com"), issued("exact", "web.shop.example.com")
	explicit := map[string]string{lbc.Key(lbc.SuffixCertificateARN): certARN("one") + "," + certARN("two")}
	tests := []struct {
		name  string
		host  string
		ann   map[string]string
		certs []acmtypes.CertificateDetail
		// want are the 443 listener's certificates as stored, nil when
		// the group must not be reconciled (no ALB).
		want       []elbv2types.Certificate
		wantEvent  string
		wantErrHas string
	}{
		{name: "explicit: the first is the default, the rest listener certificates", host: "web.shop.example.com", ann: explicit, certs: []acmtypes.CertificateDetail{shop},
			want: []elbv2types.Certificate{{CertificateArn: aws.String(certARN("one"))}, {CertificateArn: aws.String(certARN("two")), IsDefault: aws.Bool(false)}}},
		{name: "discovered among the issued certificates", host: "web.shop.example.com", certs: []acmtypes.CertificateDetail{pending, other, shop},
			want: []elbv2types.Certificate{{CertificateArn: aws.String(certARN("shop"))}}},
		{name: "not found", host: "web.shop.example.com", certs: []acmtypes.CertificateDetail{other, pending},
			wantEvent: "FailedBuildModel: Failed build model due to ingress: shop/web: no certificate found for host: web.shop.example.com"},
		{name: "a one-label wildcard only", host: "a.web.shop.example.com", certs: []acmtypes.CertificateDetail{shop},
			wantEvent: "FailedBuildModel: Failed build model due to ingress: shop/web: no certificate found for host: a.web.shop.example.com"},
		{name: "several cover the host: all attached (controller v3)", host: "web.shop.example.com", certs: []acmtypes.CertificateDetail{shop, other, exact},
			want: []elbv2types.Certificate{{CertificateArn: aws.String(certARN("exact"))}, {CertificateArn: aws.String(certARN("shop")), IsDefault: aws.Bool(false)}}},
		{name: "no host to discover for", certs: []acmtypes.CertificateDetail{shop}, wantErrHas: "A certificate must be specified for HTTPS listeners"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, events, err := reconcileOnce(t, httpsIngress(tt.host, tt.ann), tt.certs)
			if tt.wantErrHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrHas) {
					t.Fatalf("reconcile error = %v, want one saying %q", err, tt.wantErrHas)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			var wantEvents []string
			if tt.wantEvent != "" {
				wantEvents = []string{tt.wantEvent}
			}
			if diff := cmp.Diff(wantEvents, events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				if tt.wantEvent != "" && len(snap.LoadBalancers) != 0 {
					t.Errorf("the controller built a group it cannot: %d ALBs", len(snap.LoadBalancers))
				}
				for _, l := range snap.Listeners {
					if *l.Port == 443 {
						t.Errorf("an HTTPS listener without a certificate was created: %+v", l)
					}
				}
				return
			}
			got := map[int32][]elbv2types.Certificate{}
			for _, l := range snap.Listeners {
				got[*l.Port] = l.Certificates
				if *l.Port == 443 && aws.ToString(l.SslPolicy) != lbc.DefaultSSLPolicy {
					t.Errorf("HTTPS listener SSL policy = %q, want %q", aws.ToString(l.SslPolicy), lbc.DefaultSSLPolicy)
				}
			}
			want := map[int32][]elbv2types.Certificate{80: nil, 443: tt.want}
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b elbv2types.Certificate) bool {
				return aws.ToString(a.CertificateArn) == aws.ToString(b.CertificateArn) && (a.IsDefault == nil) == (b.IsDefault == nil) && aws.ToBool(a.IsDefault) == aws.ToBool(b.IsDefault)
			})); diff != "" {
				t.Errorf("listener certificates (-want +got):\n%s", diff)
			}
		})
	}
}
