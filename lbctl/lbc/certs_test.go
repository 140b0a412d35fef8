package lbc

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDomainMatchesHost(t *testing.T) {
	for _, tc := range []struct {
		domain, host string
		want         bool
	}{
		{"a.example.com", "a.example.com", true},
		{"a.example.com", "b.example.com", false},
		{"*.example.com", "a.example.com", true},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", "example.com", false},
		{"*.example.com", "*.example.com", true},
		{"*.b.example.com", "a.example.com", false},
	} {
		if got := DomainMatchesHost(tc.domain, tc.host); got != tc.want {
			t.Errorf("DomainMatchesHost(%q, %q) = %v, want %v", tc.domain, tc.host, got, tc.want)
		}
	}
}

func TestDiscoverCertificates(t *testing.T) {
	ing := func(hosts []string, tls ...string) *networkingv1.Ingress {
		in := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
		for _, h := range hosts {
			in.Spec.Rules = append(in.Spec.Rules, networkingv1.IngressRule{Host: h})
		}
		if len(tls) > 0 {
			in.Spec.TLS = []networkingv1.IngressTLS{{Hosts: tls}}
		}
		return in
	}
	certs := []Certificate{
		{ARN: "arn:wild", Domains: []string{"*.example.com"}},
		{ARN: "arn:api", Domains: []string{"api.internal.example.com", "api2.internal.example.com"}},
		{ARN: "arn:dup-1", Domains: []string{"dup.test"}},
		{ARN: "arn:dup-2", Domains: []string{"dup.test"}},
	}
	for _, tc := range []struct {
		name    string
		in      *networkingv1.Ingress
		want    []string
		wantErr string
	}{
		{"rule hosts", ing([]string{"a.example.com", "b.example.com"}), []string{"arn:wild"}, ""},
		{"tls hosts too", ing([]string{"a.example.com"}, "api.internal.example.com"), []string{"arn:api", "arn:wild"}, ""},
		{"no host", ing(nil), []string{}, ""},
		{"uncovered host", ing([]string{"a.b.example.com"}), nil, "no issued ACM certificate covers host a.b.example.com"},
		{"two certificates cover a host: both attached (controller v3)", ing([]string{"dup.test"}), []string{"arn:dup-1", "arn:dup-2"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DiscoverCertificates(tc.in, certs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "shop/web") {
					t.Fatalf("err = %v, want one naming shop/web and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
	https := IngressConfig{ListenPorts: []ListenPort{{Protocol: ProtocolHTTP, Port: 80}, {Protocol: ProtocolHTTPS, Port: 443}}}
	if !DiscoversCertificates(https) {
		t.Error("an HTTPS listener without certificate-arn discovers")
	}
	explicit := https
	explicit.CertificateARNs = []string{"arn:x"}
	explicit.DiscoveredCertificateARNs = []string{"arn:y"}
	if DiscoversCertificates(explicit) || !cmp.Equal(explicit.Certificates(), []string{"arn:x"}) {
		t.Error("explicit certificates win over discovery")
	}
	if DiscoversCertificates(IngressConfig{ListenPorts: []ListenPort{{Protocol: ProtocolHTTP, Port: 80}}}) {
		t.Error("HTTP only discovers nothing")
	}
}
