package lbc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestRulesOf(t *testing.T) {
	prefix := pathType(networkingv1.PathTypePrefix)
	exact := pathType(networkingv1.PathTypeExact)
	impl := pathType(networkingv1.PathTypeImplementationSpecific)
	redirect := `{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}`
	tests := []struct {
		name     string
		ing      *networkingv1.Ingress
		want     []Rule
		wantErrs []string
	}{
		{
			name: "prefix, exact and implementation-specific paths in controller order",
			ing: ingress("shop", "web", nil, httpRule("shop.example.com",
				svcPath("/static", impl, "static", 80, ""),
				svcPath("/api", prefix, "api", 0, "http"),
				svcPath("/api/v2/", prefix, "api-v2", 8080, ""),
				svcPath("/healthz", exact, "api", 0, "http"),
			)),
			want: []Rule{
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Hosts: []string{"shop.example.com"}, Paths: []string{"/healthz"},
					Target: Target{Backend: backend("shop", "web", "api", intstr.FromString("http"))}},
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Hosts: []string{"shop.example.com"}, Paths: []string{"/api/v2", "/api/v2/*"},
					Target: Target{Backend: backend("shop", "web", "api-v2", intstr.FromInt32(8080))}},
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Hosts: []string{"shop.example.com"}, Paths: []string{"/api", "/api/*"},
					Target: Target{Backend: backend("shop", "web", "api", intstr.FromString("http"))}},
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Hosts: []string{"shop.example.com"}, Paths: []string{"/static"},
					Target: Target{Backend: backend("shop", "web", "static", intstr.FromInt32(80))}},
			},
		},
		{
			name: "root prefix, no host, no path",
			ing: ingress("shop", "web", nil, httpRule("",
				svcPath("/", prefix, "web", 80, ""),
				svcPath("", nil, "web", 80, ""),
			)),
			want: []Rule{
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Paths: []string{"/*"}, Target: Target{Backend: backend("shop", "web", "web", intstr.FromInt32(80))}},
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Paths: []string{"/*"}, Target: Target{Backend: backend("shop", "web", "web", intstr.FromInt32(80))}},
			},
		},
		{
			name: "rules on every listen port; none on HTTP with ssl-redirect",
			ing: ingress("shop", "web", map[string]string{
				Key(SuffixListenPorts): `[{"HTTP":80},{"HTTPS":443},{"HTTPS":8443}]`, Key(SuffixSSLRedirect): "443", Key(SuffixCertificateARN): "arn:c",
			}, httpRule("", svcPath("/", prefix, "web", 80, ""))),
			want: []Rule{
				{Ingress: nn("shop", "web"), Port: 443, Protocol: "HTTPS", Paths: []string{"/*"}, Target: Target{Backend: backend("shop", "web", "web", intstr.FromInt32(80))}},
				{Ingress: nn("shop", "web"), Port: 8443, Protocol: "HTTPS", Paths: []string{"/*"}, Target: Target{Backend: backend("shop", "web", "web", intstr.FromInt32(80))}},
			},
		},
		{
			name: "use-annotation actions and conditions",
			ing: ingress("shop", "web", map[string]string{
				ActionKey("to-https"): redirect,
				ActionKey("canary"):   `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":"80","weight":90},{"serviceName":"web-canary","servicePort":80,"weight":10}]}}`,
				ConditionKey("canary"): `[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["1"]}},
				                         {"field":"host-header","hostHeaderConfig":{"values":["beta.example.com"]}}]`,
			}, httpRule("shop.example.com",
				svcPath("/old", exact, "to-https", 0, UseAnnotationPort),
				svcPath("/", prefix, "canary", 0, UseAnnotationPort),
			)),
			want: []Rule{
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Hosts: []string{"shop.example.com"}, Paths: []string{"/old"},
					Target: Target{Action: &Action{Type: ActionTypeRedirect, RedirectConfig: &RedirectActionConfig{Protocol: ptr("HTTPS"), Port: ptr("443"), StatusCode: "HTTP_301"}}}},
				{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Hosts: []string{"shop.example.com", "beta.example.com"}, Paths: []string{"/*"},
					Conditions: []RuleCondition{{Field: ConditionHTTPHeader, HTTPHeaderConfig: &HTTPHeaderConditionConfig{HTTPHeaderName: "X-Canary", Values: []string{"1"}}}},
					Target: Target{Action: &Action{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{
						{ServiceName: ptr("web"), ServicePort: ptr(intstr.FromInt32(80)), Weight: ptr(int64(90))},
						{ServiceName: ptr("web-canary"), ServicePort: ptr(intstr.FromInt32(80)), Weight: ptr(int64(10))},
					}}}}},
			},
		},
		{
			name: "missing action becomes a 503, reported as tolerated",
			ing:  ingress("shop", "web", nil, httpRule("", svcPath("/", prefix, "gone", 0, UseAnnotationPort))),
			want: []Rule{{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", Paths: []string{"/*"}, Target: Target{Action: &Action{
				Type: ActionTypeFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{ContentType: ptr("text/plain"), StatusCode: "503", MessageBody: ptr("Backend action does not exist")}}}}},
			wantErrs: []string{`annotation alb.ingress.kubernetes.io/actions.gone: value "": backend uses "use-annotation" but the annotation is missing: the controller answers 503: accepted by the controller but probably a mistake (expected ` + ExpectedAction + `)`},
		},
		{
			name: "regex path match and bad paths",
			ing: ingress("shop", "web", map[string]string{Key(SuffixUseRegexPathMatch): "true", ActionKey("bad"): `{"type":"nope"}`},
				httpRule("",
					svcPath("/v[0-9]+/.*", impl, "web", 80, ""),
					svcPath("/a*", prefix, "web", 80, ""),
					svcPath("/x", prefix, "bad", 0, UseAnnotationPort),
					svcPath("/y", exact, "bad", 0, UseAnnotationPort),
				)),
			want: []Rule{{Ingress: nn("shop", "web"), Port: 80, Protocol: "HTTP", PathRegex: []string{"v[0-9]+/.*"}, Target: Target{Backend: backend("shop", "web", "web", intstr.FromInt32(80))}}},
			wantErrs: []string{
				`annotation alb.ingress.kubernetes.io/actions.bad: value "{\"type\":\"nope\"}": unknown action type: nope (expected ` + ExpectedAction + `)`,
				`ingress shop/web: path "/a*": prefix path shouldn't contain wildcards: /a*`,
			},
		},
		{
			name: "host values and regex values together fail",
			ing: ingress("shop", "web", map[string]string{ConditionKey("web"): `[{"field":"host-header","hostHeaderConfig":{"regexValues":["^a$"]}}]`},
				httpRule("shop.example.com", svcPath("/", prefix, "web", 80, ""))),
			wantErrs: []string{`ingress shop/web: path "/": host condition must specify exactly one of Values and RegexValues, got both Values [shop.example.com] and RegexValues [^a$]`},
		},
		{
			name: "resource backend is not supported",
			ing: func() *networkingv1.Ingress {
				ing := ingress("shop", "web", nil, httpRule("", svcPath("/", prefix, "web", 80, "")))
				ing.Spec.Rules[0].HTTP.Paths[0].Backend = networkingv1.IngressBackend{}
				return ing
			}(),
			wantErrs: []string{`ingress shop/web: path "/": missing required "service" field`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, errs := IngressSettings(tt.ing, nil, DefaultDefaults())
			if len(errs) != 0 {
				t.Fatalf("settings: %v", errs)
			}
			got, errs := RulesOf(tt.ing, cfg)
			for i := range got {
				if svcs := pathServices(tt.ing); !svcs[got[i].BackendName] {
					t.Errorf("rule %d: BackendName %q is not the service of any path (%v)", i, got[i].BackendName, svcs)
				}
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Rule{}, "BackendName")); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErrs, errStrings(errs)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultTarget(t *testing.T) {
	withDefault := func(b networkingv1.IngressBackend) *networkingv1.Ingress {
		ing := ingress("shop", "web", nil)
		ing.Spec.DefaultBackend = &b
		return ing
	}
	tests := []struct {
		name string
		ing  *networkingv1.Ingress
		want *Target
	}{
		{"none", ingress("shop", "web", nil), nil},
		{"service", withDefault(networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}),
			&Target{Backend: backend("shop", "web", "web", intstr.FromInt32(80))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := IngressSettings(tt.ing, nil, DefaultDefaults())
			got, errs := DefaultTarget(tt.ing, cfg)
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("target (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListenerRules(t *testing.T) {
	prefix := pathType(networkingv1.PathTypePrefix)
	grp := func(kv ...string) map[string]string {
		m := map[string]string{Key(SuffixGroupName): "shop"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	redirectAll := `{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}`
	type want struct {
		Port     int32
		Priority int32
		Ingress  string
		Paths    []string
	}
	tests := []struct {
		name string
		in   []*networkingv1.Ingress
		want []want
	}{
		{
			name: "members in order, priorities per listener",
			in: []*networkingv1.Ingress{
				ingress("b", "api", grp(Key(SuffixGroupOrder), "1"), httpRule("", svcPath("/api", prefix, "api", 80, ""))),
				ingress("a", "web", grp(Key(SuffixGroupOrder), "2", Key(SuffixListenPorts), `[{"HTTP":80},{"HTTP":8080}]`), httpRule("", svcPath("/", prefix, "web", 80, ""))),
			},
			want: []want{{80, 1, "b/api", []string{"/api", "/api/*"}}, {80, 2, "a/web", []string{"/*"}}, {8080, 1, "a/web", []string{"/*"}}},
		},
		{
			name: "one member's ssl-redirect empties every HTTP listener",
			in: []*networkingv1.Ingress{
				ingress("a", "a", grp(Key(SuffixListenPorts), `[{"HTTP":80},{"HTTPS":443}]`, Key(SuffixSSLRedirect), "443", Key(SuffixCertificateARN), "arn:c"), httpRule("", svcPath("/a", prefix, "a", 80, ""))),
				ingress("b", "b", grp(), httpRule("", svcPath("/b", prefix, "b", 80, ""))),
			},
			want: []want{{443, 1, "a/a", []string{"/a", "/a/*"}}},
		},
		{
			name: "legacy actions.ssl-redirect: loop dropped on HTTPS, shadowed rules dropped on HTTP",
			in: []*networkingv1.Ingress{
				ingress("a", "a", grp(Key(SuffixGroupOrder), "-1", Key(SuffixListenPorts), `[{"HTTP":80},{"HTTPS":443}]`, Key(SuffixCertificateARN), "arn:c", ActionKey("ssl-redirect"), redirectAll),
					httpRule("", svcPath("/", prefix, "ssl-redirect", 0, UseAnnotationPort))),
				ingress("b", "b", grp(Key(SuffixListenPorts), `[{"HTTP":80},{"HTTPS":443}]`, Key(SuffixCertificateARN), "arn:c"),
					httpRule("", svcPath("/app", prefix, "app", 80, ""))),
			},
			want: []want{{80, 1, "a/a", []string{"/*"}}, {443, 1, "b/b", []string{"/app", "/app/*"}}},
		},
		{
			name: "a redirect after other rules shadows nothing before it",
			in: []*networkingv1.Ingress{
				ingress("a", "a", grp(ActionKey("ssl-redirect"), redirectAll),
					httpRule("", svcPath("/", prefix, "ssl-redirect", 0, UseAnnotationPort), svcPath("/app", prefix, "app", 80, ""))),
			},
			want: []want{{80, 1, "a/a", []string{"/app", "/app/*"}}, {80, 2, "a/a", []string{"/*"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ms []Member
			for _, ing := range tt.in {
				ms = append(ms, member(t, ing))
			}
			rules, errs := ListenerRules(SortMembers(ms))
			if len(errs) != 0 {
				t.Fatalf("errors: %v", errs)
			}
			var got []want
			for _, r := range rules {
				got = append(got, want{r.Port, r.Priority, r.Ingress.String(), r.Paths})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServiceBackends(t *testing.T) {
	rules := []Rule{
		{Ingress: nn("a", "web"), Target: Target{Backend: backend("a", "web", "web", intstr.FromInt32(80))}},
		{Ingress: nn("a", "web"), Target: Target{Backend: backend("a", "web", "web", intstr.FromInt32(80))}},
		{Ingress: nn("a", "web"), Target: Target{Action: &Action{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{
			{ServiceName: ptr("web"), ServicePort: ptr(intstr.FromInt32(80)), Weight: ptr(int64(1))},
			{ServiceName: ptr("canary"), ServicePort: ptr(intstr.FromString("http")), Weight: ptr(int64(1))},
			{TargetGroupARN: ptr("arn:external"), Weight: ptr(int64(1))},
		}}}}},
		{Ingress: nn("b", "other"), Target: Target{Backend: backend("b", "other", "web", intstr.FromInt32(80))}},
		{Ingress: nn("a", "web"), Target: Target{Action: &Action{Type: ActionTypeRedirect, RedirectConfig: &RedirectActionConfig{StatusCode: "HTTP_301"}}}},
	}
	want := []BackendRef{
		*backend("a", "web", "web", intstr.FromInt32(80)),
		*backend("a", "web", "canary", intstr.FromString("http")),
		*backend("b", "other", "web", intstr.FromInt32(80)),
	}
	t.Run("distinct per ingress, service and port", func(t *testing.T) {
		if diff := cmp.Diff(want, ServiceBackends(rules)); diff != "" {
			t.Errorf("backends (-want +got):\n%s", diff)
		}
	})
}

// pathServices are the service names of an Ingress's paths.
func pathServices(ing *networkingv1.Ingress) map[string]bool {
	out := map[string]bool{}
	for _, ir := range ing.Spec.Rules {
		if ir.HTTP == nil {
			continue
		}
		for _, p := range ir.HTTP.Paths {
			if p.Backend.Service != nil {
				out[p.Backend.Service.Name] = true
			}
		}
	}
	return out
}
