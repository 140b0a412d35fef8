package lbc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

func TestParseMutualAuthentication(t *testing.T) {
	got, err := ParseMutualAuthentication(`[{"port":443,"mode":"verify","trustStore":"arn:aws:elasticloadbalancing:us-west-2:1:truststore/ts/1"},{"port":8443,"mode":"passthrough"}]`)
	if err != nil {
		t.Fatal(err)
	}
	if v := got[443]; v.Mode != MutualAuthenticationVerify || v.IgnoreClientCertificateExpiry == nil || *v.IgnoreClientCertificateExpiry || v.TrustStoreName() != "" {
		t.Errorf("443: %+v, want verify, expiry not ignored, the trust store by ARN", v)
	}
	if v := got[8443]; v.Mode != MutualAuthenticationPassthrough || deref(v.TrustStore) != "" || v.IgnoreClientCertificateExpiry != nil {
		t.Errorf("8443: %+v", v)
	}
	named, _ := ParseMutualAuthentication(`[{"port":443,"mode":"verify","trustStore":"my-store"}]`)
	if named[443].TrustStoreName() != "my-store" {
		t.Errorf("a trust store by name: %q", named[443].TrustStoreName())
	}
	for _, bad := range []string{`{}`, `[]`, `[{"port":0,"mode":"off"}]`, `[{"port":443}]`, `[{"port":443,"mode":"passthrough","ignoreClientCertificateExpiry":true}]`} {
		if _, err := ParseMutualAuthentication(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestParamsDecoders(t *testing.T) {
	spec := &v1beta1.IngressClassParamsSpec{
		Listeners: []runtime.RawExtension{
			{Raw: []byte(`{"protocol":"HTTPS","port":443,"listenerAttributes":[{"key":"k","value":"1"}]}`)},
			{Raw: []byte(`{"protocol":"HTTPS","port":443,"listenerAttributes":[{"key":"k","value":"2"}]}`)},
		},
		MinimumLoadBalancerCapacity: &runtime.RawExtension{Raw: []byte(`{"capacityUnits":250}`)},
		IPAMConfiguration:           &runtime.RawExtension{Raw: []byte(`{"ipv4IPAMPoolId":"ipam-pool-1"}`)},
	}
	la, err := ParamsListenerAttributes(spec)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]map[string]string{"HTTPS-443": {"k": "1"}}, la); diff != "" {
		t.Errorf("listeners (-want +got, the first entry for a listener counts):\n%s", diff)
	}
	if u, err := ParamsCapacityUnits(spec); err != nil || u == nil || *u != 250 {
		t.Errorf("capacity %v, %v", u, err)
	}
	if p, err := ParamsIPAMPool(spec); err != nil || p != "ipam-pool-1" {
		t.Errorf("pool %q, %v", p, err)
	}
	spec.MinimumLoadBalancerCapacity = &runtime.RawExtension{Raw: []byte(`{"capacityUnits":"many"}`)}
	if _, err := ParamsCapacityUnits(spec); err == nil {
		t.Error("a capacity that is not a number was accepted")
	}
}

func TestPrefixListsPrecedence(t *testing.T) {
	ing := ingress("shop", "a", map[string]string{Key(SuffixSecurityGroupPrefixLists): "pl-ann"})
	for _, tt := range []struct {
		name   string
		params *v1beta1.IngressClassParamsSpec
		want   []string
	}{
		{"annotation", nil, []string{"pl-ann"}},
		{"legacy spelling", &v1beta1.IngressClassParamsSpec{PrefixListsIDsLegacy: []string{"pl-old"}}, []string{"pl-old"}},
		{"v3 spelling over legacy", &v1beta1.IngressClassParamsSpec{PrefixListsIDs: []string{"pl-new"}, PrefixListsIDsLegacy: []string{"pl-old"}}, []string{"pl-new"}},
	} {
		cfg, errs := IngressSettings(ing, tt.params, DefaultDefaults())
		if len(errs) != 0 || !cmp.Equal(tt.want, cfg.PrefixLists) {
			t.Errorf("%s: %v %v, want %v", tt.name, cfg.PrefixLists, errs, tt.want)
		}
	}
}

func TestGroupALBSettingsAndConflicts(t *testing.T) {
	member := func(name string, ann map[string]string, params *v1beta1.IngressClassParamsSpec) Member {
		ing := ingress("shop", name, ann)
		cfg, _ := IngressSettings(ing, params, DefaultDefaults())
		return Member{Ingress: ing, Config: cfg}
	}
	capacity := func(v string) map[string]string {
		return map[string]string{Key(SuffixMinimumLoadBalancerCapacity): "CapacityUnits=" + v}
	}
	a, b := member("a", capacity("10"), nil), member("b", capacity("20"), nil)
	cs := GroupConflicts([]Member{a, b})
	if len(cs) != 1 || cs[0].Annotation != SuffixMinimumLoadBalancerCapacity || cs[0].Key != CapacityUnitsKey {
		t.Errorf("conflicts %+v, want capacity units", cs)
	}
	withParams := member("p", nil, &v1beta1.IngressClassParamsSpec{MinimumLoadBalancerCapacity: &runtime.RawExtension{Raw: []byte(`{"capacityUnits":5}`)}})
	if cs := GroupConflicts([]Member{withParams, a, b}); len(cs) != 0 {
		t.Errorf("the first member's IngressClassParams settle capacity, conflicts %+v", cs)
	}
	st, errs := GroupALBSettings([]Member{withParams, a, b}, DefaultDefaults())
	if len(errs) != 0 || st.CapacityUnits == nil || *st.CapacityUnits != 5 {
		t.Errorf("settings %+v %v", st, errs)
	}
	// IngressClassParams on a later member do not win
	st, _ = GroupALBSettings([]Member{a, withParams}, DefaultDefaults())
	if st.CapacityUnits == nil || *st.CapacityUnits != 10 {
		t.Errorf("capacity %v, want the annotation's 10", st.CapacityUnits)
	}
	shield := member("s", map[string]string{Key(SuffixShieldAdvancedProtection): "true", Key(SuffixWAFv2ACLARN): "none"}, nil)
	st, _ = GroupALBSettings([]Member{shield}, DefaultDefaults())
	if st.Shield == nil || !*st.Shield || st.WAFv2ACLARN != "none" {
		t.Errorf("settings %+v", st)
	}
}

func TestAutoMode(t *testing.T) {
	classes := []networkingv1.IngressClass{{Spec: networkingv1.IngressClassSpec{Controller: ControllerNameAutoMode}}}
	classes[0].Name = "auto"
	ing := ingress("shop", "a", map[string]string{Key(SuffixGroupName): "g", Key(SuffixWAFACLID): "x", Key(SuffixScheme): "internal"})
	ing.Spec.IngressClassName = ptr("auto")
	o := ClassOf(ing, classes)
	if !o.AutoMode() || o.Owned {
		t.Fatalf("ownership %+v, want Auto Mode's and not the ALB controller's", o)
	}
	if g, known := AutoModeGroup(ing, &classes[0]); !known || g != (GroupID{Namespace: "shop", Name: "a"}) {
		t.Errorf("group %v %v: group.name does not count in Auto Mode", g, known)
	}
	withParams := classes[0]
	withParams.Spec.Parameters = &networkingv1.IngressClassParametersReference{APIGroup: ptr(AutoModeParamsAPIGroup), Kind: ParamsKind, Name: "p"}
	if _, known := AutoModeGroup(ing, &withParams); known {
		t.Error("a group through unread IngressClassParams was called known")
	}
	want := []string{Key(SuffixGroupName), Key(SuffixWAFACLID)}
	if diff := cmp.Diff(want, AutoModeIgnored(ing)); diff != "" {
		t.Errorf("ignored (-want +got):\n%s", diff)
	}
}

func TestUnmodelledNamesWhatRenderLeavesOut(t *testing.T) {
	got := Unmodelled(map[string]string{
		Key(SuffixEnableFrontendNLB): "true", Key("frontend-nlb-scheme"): "internal", Key(SuffixCreateACMCert): "true",
		Key(SuffixMutualAuthentication): "[]", Key(SuffixMinimumLoadBalancerCapacity): "CapacityUnits=1", Key(SuffixWAFv2ACLARN): "arn",
	})
	want := []string{Key(SuffixCreateACMCert), Key(SuffixEnableFrontendNLB), Key("frontend-nlb-scheme")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unmodelled (-want +got):\n%s", diff)
	}
}
