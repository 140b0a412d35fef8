package lbc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

// member resolves an Ingress's settings with the default Defaults.
func member(t *testing.T, ing *networkingv1.Ingress) Member {
	t.Helper()
	cfg, errs := IngressSettings(ing, nil, DefaultDefaults())
	if len(errs) != 0 {
		t.Fatalf("settings of %s/%s: %v", ing.Namespace, ing.Name, errs)
	}
	return Member{Ingress: ing, Config: cfg}
}

func TestGroupID(t *testing.T) {
	tests := []struct {
		name         string
		g            GroupID
		wantString   string
		wantExplicit bool
	}{
		{"explicit", GroupID{Name: "shop"}, "shop", true},
		{"implicit", GroupID{Namespace: "shop", Name: "web"}, "shop/web", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.wantString, tt.g.String()); diff != "" {
				t.Errorf("String (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantExplicit, tt.g.IsExplicit()); diff != "" {
				t.Errorf("IsExplicit (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupOf(t *testing.T) {
	tests := []struct {
		name    string
		ann     map[string]string
		params  *v1beta1.IngressClassParamsSpec
		want    GroupID
		wantErr *errSummary
	}{
		{"implicit", nil, nil, GroupID{Namespace: "shop", Name: "web"}, nil},
		{"annotation", map[string]string{Key(SuffixGroupName): "shop"}, nil, GroupID{Name: "shop"}, nil},
		{"params win", map[string]string{Key(SuffixGroupName): "shop"}, &v1beta1.IngressClassParamsSpec{Group: &v1beta1.IngressGroup{Name: "platform"}}, GroupID{Name: "platform"}, nil},
		{"params without group", map[string]string{Key(SuffixGroupName): "shop"}, &v1beta1.IngressClassParamsSpec{}, GroupID{Name: "shop"}, nil},
		{"invalid annotation", map[string]string{Key(SuffixGroupName): "Shop"}, nil, GroupID{Namespace: "shop", Name: "web"}, &errSummary{Key(SuffixGroupName), false}},
		{"invalid params group", nil, &v1beta1.IngressClassParamsSpec{Group: &v1beta1.IngressGroup{Name: "-x"}}, GroupID{Namespace: "shop", Name: "web"}, &errSummary{"IngressClassParams.spec.group.name", false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GroupOf(ingress("shop", "web", tt.ann), tt.params)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSortMembers(t *testing.T) {
	g := map[string]string{Key(SuffixGroupName): "shop"}
	with := func(order string) map[string]string {
		return map[string]string{Key(SuffixGroupName): "shop", Key(SuffixGroupOrder): order}
	}
	tests := []struct {
		name string
		in   []*networkingv1.Ingress
		want []string
	}{
		{"by name when no order", []*networkingv1.Ingress{ingress("b", "x", g), ingress("a", "y", g), ingress("a", "x", g)}, []string{"a/x", "a/y", "b/x"}},
		{"order first, negative before unset", []*networkingv1.Ingress{ingress("a", "x", with("10")), ingress("a", "y", g), ingress("z", "z", with("-5"))}, []string{"z/z", "a/y", "a/x"}},
		{"duplicate explicit order: name breaks the tie", []*networkingv1.Ingress{ingress("b", "b", with("7")), ingress("a", "a", with("7"))}, []string{"a/a", "b/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ms []Member
			for _, ing := range tt.in {
				ms = append(ms, member(t, ing))
			}
			var got []string
			for _, m := range SortMembers(ms) {
				got = append(got, m.Key())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupConflicts(t *testing.T) {
	grp := func(kv ...string) map[string]string {
		m := map[string]string{Key(SuffixGroupName): "shop"}
		for i := 0; i < len(kv); i += 2 {
			m[Key(kv[i])] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		in   []*networkingv1.Ingress
		want []Conflict
	}{
		{"omitting never conflicts", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixScheme, "internet-facing")), ingress("b", "b", grp()),
		}, nil},
		{"same value agrees", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixScheme, "internet-facing")), ingress("b", "b", grp(SuffixScheme, "internet-facing")),
		}, nil},
		{"scheme conflict", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixScheme, "internet-facing")), ingress("b", "b", grp(SuffixScheme, "internal")), ingress("c", "c", grp(SuffixScheme, "internal")),
		}, []Conflict{{Annotation: SuffixScheme, Values: map[string][]string{"internet-facing": {"a/a"}, "internal": {"b/b", "c/c"}}}}},
		{"subnet order does not matter, security group order does", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixSubnets, "s-1,s-2", SuffixSecurityGroups, "sg-1,sg-2")),
			ingress("b", "b", grp(SuffixSubnets, "s-2, s-1", SuffixSecurityGroups, "sg-2,sg-1")),
		}, []Conflict{{Annotation: SuffixSecurityGroups, Values: map[string][]string{"sg-1,sg-2": {"a/a"}, "sg-2,sg-1": {"b/b"}}}}},
		{"ssl-policy only conflicts on a shared HTTPS port", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixListenPorts, `[{"HTTPS":443}]`, SuffixSSLPolicy, "p1")),
			ingress("b", "b", grp(SuffixListenPorts, `[{"HTTPS":8443}]`, SuffixSSLPolicy, "p2")),
			ingress("c", "c", grp(SuffixListenPorts, `[{"HTTPS":443}]`, SuffixSSLPolicy, "p3")),
		}, []Conflict{{Annotation: SuffixSSLPolicy, Port: 443, Values: map[string][]string{"p1": {"a/a"}, "p3": {"c/c"}}}}},
		{"inbound-cidrs compared as sets per port", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixInboundCIDRs, "10.0.0.0/8,192.168.0.0/16")),
			ingress("b", "b", grp(SuffixInboundCIDRs, "192.168.0.0/16, 10.0.0.0/8")),
			ingress("c", "c", grp(SuffixInboundCIDRs, "0.0.0.0/0", SuffixListenPorts, `[{"HTTP":8080}]`)),
		}, nil},
		{"listen port protocol conflict", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixListenPorts, `[{"HTTP":8080}]`)),
			ingress("b", "b", grp(SuffixListenPorts, `[{"HTTPS":8080}]`, SuffixCertificateARN, "arn:c")),
		}, []Conflict{{Annotation: SuffixListenPorts, Port: 8080, Values: map[string][]string{"HTTP": {"a/a"}, "HTTPS": {"b/b"}}}}},
		{"tags and attributes conflict per key", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixTags, "team=a,env=prod", SuffixLoadBalancerAttributes, "idle_timeout.timeout_seconds=60")),
			ingress("b", "b", grp(SuffixTags, "team=b,env=prod,extra=x", SuffixLoadBalancerAttributes, "idle_timeout.timeout_seconds=120,deletion_protection.enabled=true")),
		}, []Conflict{
			{Annotation: SuffixLoadBalancerAttributes, Key: "idle_timeout.timeout_seconds", Values: map[string][]string{"60": {"a/a"}, "120": {"b/b"}}},
			{Annotation: SuffixTags, Key: "team", Values: map[string][]string{"a": {"a/a"}, "b": {"b/b"}}},
		}},
		{"ssl-redirect and booleans compared parsed", []*networkingv1.Ingress{
			ingress("a", "a", grp(SuffixSSLRedirect, "443", SuffixShieldAdvancedProtection, "true")),
			ingress("b", "b", grp(SuffixSSLRedirect, "0443", SuffixShieldAdvancedProtection, "1")),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ms []Member
			for _, ing := range tt.in {
				cfg, _ := IngressSettings(ing, nil, DefaultDefaults())
				ms = append(ms, Member{Ingress: ing, Config: cfg})
			}
			if diff := cmp.Diff(tt.want, GroupConflicts(ms)); diff != "" {
				t.Errorf("conflicts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroupScheme(t *testing.T) {
	d := DefaultDefaults()
	tests := []struct {
		name string
		in   []*networkingv1.Ingress
		want string
	}{
		{"default", []*networkingv1.Ingress{ingress("a", "a", nil)}, SchemeInternal},
		{"one member declares", []*networkingv1.Ingress{ingress("a", "a", nil), ingress("b", "b", map[string]string{Key(SuffixScheme): "internet-facing"})}, SchemeInternetFacing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ms []Member
			for _, ing := range tt.in {
				ms = append(ms, member(t, ing))
			}
			if diff := cmp.Diff(tt.want, GroupScheme(ms, d)); diff != "" {
				t.Errorf("scheme (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListeners(t *testing.T) {
	d := DefaultDefaults()
	grp := func(kv ...string) map[string]string {
		m := map[string]string{Key(SuffixGroupName): "shop"}
		for i := 0; i < len(kv); i += 2 {
			m[Key(kv[i])] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		in       []*networkingv1.Ingress
		want     []Listener
		wantErrs []string
	}{
		{
			name: "merged certificates: first member's first cert is the default, duplicates of it kept as SNI",
			in: []*networkingv1.Ingress{
				ingress("a", "a", grp(SuffixListenPorts, `[{"HTTP":80},{"HTTPS":443}]`, SuffixCertificateARN, "arn:1,arn:2", SuffixSSLRedirect, "443")),
				ingress("b", "b", grp(SuffixCertificateARN, "arn:2,arn:3,arn:1", SuffixInboundCIDRs, "10.0.0.0/8")),
			},
			want: []Listener{
				{Port: 80, Protocol: ProtocolHTTP, InboundCIDRs: []string{"0.0.0.0/0", "::/0"}, Members: []string{"a/a"}},
				{Port: 443, Protocol: ProtocolHTTPS, Certificates: []string{"arn:1", "arn:2", "arn:3", "arn:1"}, SSLPolicy: DefaultSSLPolicy,
					InboundCIDRs: []string{"10.0.0.0/8"}, Members: []string{"a/a", "b/b"}},
			},
		},
		{
			name:     "ssl-redirect to a missing port",
			in:       []*networkingv1.Ingress{ingress("a", "a", grp(SuffixSSLRedirect, "443"))},
			want:     []Listener{{Port: 80, Protocol: ProtocolHTTP, InboundCIDRs: []string{"0.0.0.0/0", "::/0"}, Members: []string{"a/a"}}},
			wantErrs: []string{"listener does not exist for SSLRedirect port: 443"},
		},
		{
			name:     "ssl-redirect to an HTTP port",
			in:       []*networkingv1.Ingress{ingress("a", "a", grp(SuffixSSLRedirect, "80"))},
			want:     []Listener{{Port: 80, Protocol: ProtocolHTTP, InboundCIDRs: []string{"0.0.0.0/0", "::/0"}, Members: []string{"a/a"}}},
			wantErrs: []string{"listener protocol non-SSL for SSLRedirect port: 80"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ms []Member
			for _, ing := range tt.in {
				ms = append(ms, member(t, ing))
			}
			got, errs := Listeners(ms, d)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("listeners (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrs, errStrings(errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
