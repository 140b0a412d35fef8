package lbc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
)

func TestIngressSettings(t *testing.T) {
	d := DefaultDefaults()
	d.ClusterName = "prod"
	base := func() IngressConfig {
		return IngressConfig{
			Group:                            GroupID{Namespace: "shop", Name: "web"},
			Scheme:                           SchemeInternal,
			IPAddressType:                    IPAddressTypeIPv4,
			ListenPorts:                      []ListenPort{{ProtocolHTTP, 80}},
			Tags:                             map[string]string{},
			LoadBalancerAttributes:           map[string]string{},
			AnnotationLoadBalancerAttributes: map[string]string{},
			SSLPolicy:                        DefaultSSLPolicy,
			Exclusive:                        map[string]string{},
		}
	}
	tests := []struct {
		name     string
		ann      map[string]string
		params   *v1beta1.IngressClassParamsSpec
		want     func() IngressConfig
		wantErrs []errSummary
	}{
		{"defaults", nil, nil, base, nil},
		{
			name: "annotations",
			ann: map[string]string{
				Key(SuffixGroupName):              "shop",
				Key(SuffixGroupOrder):             "10",
				Key(SuffixScheme):                 "internet-facing",
				Key(SuffixIPAddressType):          "dualstack",
				Key(SuffixListenPorts):            `[{"HTTP":80},{"HTTPS":443}]`,
				Key(SuffixCertificateARN):         "arn:cert-1, arn:cert-2",
				Key(SuffixTags):                   "team=web,env=prod",
				Key(SuffixLoadBalancerAttributes): "idle_timeout.timeout_seconds=120",
				Key(SuffixInboundCIDRs):           "10.0.0.0/8, 2001:db8::/32",
				Key(SuffixSSLPolicy):              "ELBSecurityPolicy-TLS13-1-2-2021-06",
				Key(SuffixSSLRedirect):            "443",
				Key(SuffixSubnets):                "subnet-b,subnet-a",
				Key(SuffixWAFv2ACLARN):            "arn:waf",
				Key(SuffixLoadBalancerName):       "shop-prod",
			},
			want: func() IngressConfig {
				c := base()
				c.Group = GroupID{Name: "shop"}
				c.Order = 10
				c.Scheme = SchemeInternetFacing
				c.IPAddressType = IPAddressTypeDualStack
				c.ListenPorts = []ListenPort{{ProtocolHTTP, 80}, {ProtocolHTTPS, 443}}
				c.CertificateARNs = []string{"arn:cert-1", "arn:cert-2"}
				c.Tags = map[string]string{"team": "web", "env": "prod"}
				c.LoadBalancerAttributes = map[string]string{"idle_timeout.timeout_seconds": "120"}
				c.AnnotationLoadBalancerAttributes = map[string]string{"idle_timeout.timeout_seconds": "120"}
				c.InboundCIDRs = []string{"10.0.0.0/8", "2001:db8::/32"}
				c.SSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
				c.SSLRedirectPort = 443
				c.LoadBalancerName = "shop-prod"
				c.Exclusive = map[string]string{
					SuffixScheme: "internet-facing", SuffixIPAddressType: "dualstack",
					SuffixInboundCIDRs: "10.0.0.0/8, 2001:db8::/32", SuffixSSLPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
					SuffixSSLRedirect: "443", SuffixSubnets: "subnet-b,subnet-a", SuffixWAFv2ACLARN: "arn:waf",
					SuffixLoadBalancerName: "shop-prod",
				}
				return c
			},
		},
		{
			name: "certificate makes the default listener HTTPS:443",
			ann:  map[string]string{Key(SuffixCertificateARN): "arn:cert"},
			want: func() IngressConfig {
				c := base()
				c.CertificateARNs = []string{"arn:cert"}
				c.ListenPorts = []ListenPort{{ProtocolHTTPS, 443}}
				return c
			},
		},
		{
			name: "IngressClassParams win over annotations",
			ann: map[string]string{
				Key(SuffixGroupName):              "from-annotation",
				Key(SuffixScheme):                 "internal",
				Key(SuffixTags):                   "team=web,owner=me",
				Key(SuffixLoadBalancerAttributes): "deletion_protection.enabled=false",
				Key(SuffixCertificateARN):         "arn:ann",
				Key(SuffixSubnets):                "subnet-a",
			},
			params: &v1beta1.IngressClassParamsSpec{
				Group:                  &v1beta1.IngressGroup{Name: "platform"},
				Scheme:                 ptr("internet-facing"),
				IPAddressType:          ptr("dualstack"),
				InboundCIDRs:           []string{"192.168.0.0/16"},
				SSLPolicy:              ptr("ELBSecurityPolicy-FS-1-2-Res-2020-10"),
				CertificateArn:         []string{"arn:params"},
				Subnets:                &v1beta1.SubnetSelector{IDs: []string{"subnet-x", "subnet-y"}},
				Tags:                   []v1beta1.Tag{{Key: "team", Value: "platform"}},
				LoadBalancerAttributes: []v1beta1.Attribute{{Key: "deletion_protection.enabled", Value: "true"}},
			},
			want: func() IngressConfig {
				c := base()
				c.Group = GroupID{Name: "platform"}
				c.Scheme = SchemeInternetFacing
				c.IPAddressType = IPAddressTypeDualStack
				c.CertificateARNs = []string{"arn:params"}
				c.ListenPorts = []ListenPort{{ProtocolHTTPS, 443}}
				c.Tags = map[string]string{"team": "platform", "owner": "me"}
				c.LoadBalancerAttributes = map[string]string{"deletion_protection.enabled": "true"}
				c.AnnotationLoadBalancerAttributes = map[string]string{"deletion_protection.enabled": "false"}
				c.ParamsAttributeKeys = map[string]bool{"deletion_protection.enabled": true}
				c.InboundCIDRs = []string{"192.168.0.0/16"}
				c.SSLPolicy = "ELBSecurityPolicy-FS-1-2-Res-2020-10"
				c.Exclusive = map[string]string{
					SuffixScheme: "internet-facing", SuffixIPAddressType: "dualstack",
					SuffixInboundCIDRs: "192.168.0.0/16", SuffixSSLPolicy: "ELBSecurityPolicy-FS-1-2-Res-2020-10",
					SuffixSubnets: "IngressClassParams:ids=subnet-x,subnet-y",
				}
				return c
			},
		},
		{
			name: "bad values fall back to defaults",
			ann: map[string]string{
				Key(SuffixGroupName):                "Shop_Front",
				Key(SuffixGroupOrder):               "2000",
				Key(SuffixScheme):                   "public",
				Key(SuffixListenPorts):              `[{"HTTP":"80"}]`,
				Key(SuffixLoadBalancerName):         "a-name-that-is-longer-than-32-chars",
				Key(SuffixInboundCIDRs):             "10.0.0.0/33",
				Key(SuffixSSLRedirect):              "https",
				Key(SuffixTags):                     "team",
				Key(SuffixUseRegexPathMatch):        "yes",
				Key(SuffixShieldAdvancedProtection): "on",
			},
			want: func() IngressConfig {
				c := base()
				c.Exclusive = map[string]string{
					SuffixScheme: "public", SuffixLoadBalancerName: "a-name-that-is-longer-than-32-chars",
					SuffixInboundCIDRs: "10.0.0.0/33", SuffixSSLRedirect: "https", SuffixShieldAdvancedProtection: "on",
				}
				return c
			},
			wantErrs: []errSummary{
				{Key(SuffixGroupName), false},
				{Key(SuffixGroupOrder), false},
				{Key(SuffixScheme), false},
				{Key(SuffixListenPorts), false},
				{Key(SuffixTags), false},
				{Key(SuffixLoadBalancerName), false},
				{Key(SuffixInboundCIDRs), false},
				{Key(SuffixSSLRedirect), false},
				{Key(SuffixShieldAdvancedProtection), false},
				{Key(SuffixUseRegexPathMatch), false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := IngressSettings(ingress("shop", "web", tt.ann), tt.params, d)
			if diff := cmp.Diff(tt.want(), got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			var sums []errSummary
			for _, e := range errs {
				sums = append(sums, *summarize(t, e))
			}
			if diff := cmp.Diff(tt.wantErrs, sums); diff != "" {
				t.Errorf("errors (-want +got):\n%s\n%v", diff, errStrings(errs))
			}
		})
	}
}

func TestBackendSettings(t *testing.T) {
	d := DefaultDefaults()
	defHC := HealthCheck{Port: "traffic-port", Protocol: ProtocolHTTP, Path: "/", IntervalSeconds: 15, TimeoutSeconds: 5,
		HealthyThreshold: 2, UnhealthyThreshold: 2, SuccessCodes: "200"}
	base := func() BackendConfig {
		return BackendConfig{TargetType: v1beta1.TargetTypeInstance, BackendProtocol: ProtocolHTTP, ProtocolVersion: ProtocolVersionHTTP1,
			HealthCheck: defHC, Tags: map[string]string{}}
	}
	ports := []corev1.ServicePort{
		{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), NodePort: 31080},
		{Name: "admin", Port: 9000, TargetPort: intstr.FromString("admin"), NodePort: 31900},
	}
	ip := v1beta1.TargetTypeIP
	tests := []struct {
		name     string
		ingAnn   map[string]string
		svcAnn   map[string]string
		noSvc    bool
		params   *v1beta1.IngressClassParamsSpec
		want     func() BackendConfig
		wantErrs []errSummary
	}{
		{"defaults", nil, nil, false, nil, base, nil},
		{
			name:   "service annotation beats ingress annotation",
			ingAnn: map[string]string{Key(SuffixTargetType): "instance", Key(SuffixHealthCheckPath): "/ing", Key(SuffixTags): "a=ing,b=ing"},
			svcAnn: map[string]string{Key(SuffixTargetType): "ip", Key(SuffixHealthCheckPath): "/healthz", Key(SuffixTags): "a=svc"},
			want: func() BackendConfig {
				c := base()
				c.TargetType = v1beta1.TargetTypeIP
				c.HealthCheck.Path = "/healthz"
				c.Tags = map[string]string{"a": "svc", "b": "ing"}
				return c
			},
		},
		{
			name:   "IngressClassParams target type beats annotations",
			svcAnn: map[string]string{Key(SuffixTargetType): "instance"},
			params: &v1beta1.IngressClassParamsSpec{TargetType: &ip, Tags: []v1beta1.Tag{{Key: "a", Value: "params"}}},
			ingAnn: map[string]string{Key(SuffixTags): "a=ing"},
			want: func() BackendConfig {
				c := base()
				c.TargetType = v1beta1.TargetTypeIP
				c.Tags = map[string]string{"a": "params"}
				return c
			},
		},
		{
			name:   "gRPC changes health check defaults",
			ingAnn: map[string]string{Key(SuffixBackendProtocolVersion): "GRPC", Key(SuffixBackendProtocol): "HTTPS"},
			want: func() BackendConfig {
				c := base()
				c.ProtocolVersion = ProtocolVersionGRPC
				c.BackendProtocol = ProtocolHTTPS
				c.HealthCheck.Protocol = ProtocolHTTPS
				c.HealthCheck.Path = "/AWS.ALB/healthcheck"
				c.HealthCheck.SuccessCodes = "12"
				return c
			},
		},
		{
			name: "explicit health check",
			ingAnn: map[string]string{
				Key(SuffixHealthCheckPort): "8081", Key(SuffixHealthCheckProtocol): "HTTPS", Key(SuffixHealthCheckIntervalSeconds): "10",
				Key(SuffixHealthCheckTimeoutSeconds): "3", Key(SuffixHealthyThresholdCount): "3", Key(SuffixUnhealthyThresholdCount): "5",
				Key(SuffixSuccessCodes): "200-299", Key(SuffixTargetGroupAttributes): "deregistration_delay.timeout_seconds=30",
				Key(SuffixTargetNodeLabels): "pool=web",
			},
			want: func() BackendConfig {
				c := base()
				c.HealthCheck = HealthCheck{Port: "8081", Protocol: ProtocolHTTPS, Path: "/", IntervalSeconds: 10, TimeoutSeconds: 3,
					HealthyThreshold: 3, UnhealthyThreshold: 5, SuccessCodes: "200-299"}
				c.TargetGroupAttributes = map[string]string{"deregistration_delay.timeout_seconds": "30"}
				c.TargetNodeLabels = map[string]string{"pool": "web"}
				return c
			},
		},
		{
			name:   "named health check port resolves to the NodePort in instance mode",
			ingAnn: map[string]string{Key(SuffixHealthCheckPort): "http"},
			want: func() BackendConfig {
				c := base()
				c.HealthCheck.Port = "31080"
				return c
			},
		},
		{
			name:   "named health check port resolves to the targetPort in ip mode; node labels ignored",
			ingAnn: map[string]string{Key(SuffixHealthCheckPort): "http", Key(SuffixTargetType): "ip", Key(SuffixTargetNodeLabels): "pool=web"},
			want: func() BackendConfig {
				c := base()
				c.TargetType = v1beta1.TargetTypeIP
				c.HealthCheck.Port = "8080"
				return c
			},
		},
		{
			name:   "named health check port on a named targetPort fails in ip mode",
			ingAnn: map[string]string{Key(SuffixHealthCheckPort): "admin", Key(SuffixTargetType): "ip"},
			want: func() BackendConfig {
				c := base()
				c.TargetType = v1beta1.TargetTypeIP
				return c
			},
			wantErrs: []errSummary{{Key(SuffixHealthCheckPort), false}},
		},
		{
			name:     "named health check port without a Service",
			ingAnn:   map[string]string{Key(SuffixHealthCheckPort): "http"},
			noSvc:    true,
			want:     base,
			wantErrs: []errSummary{{Key(SuffixHealthCheckPort), false}},
		},
		{
			name: "bad values fall back to defaults",
			ingAnn: map[string]string{
				Key(SuffixTargetType): "pod", Key(SuffixBackendProtocol): "TCP", Key(SuffixBackendProtocolVersion): "HTTP3",
				Key(SuffixHealthCheckProtocol): "GRPC", Key(SuffixHealthCheckIntervalSeconds): "15s", Key(SuffixSuccessCodes): "200,500",
				Key(SuffixHealthyThresholdCount): "99999999999",
			},
			want: func() BackendConfig {
				c := base()
				c.HealthCheck.SuccessCodes = "200,500"
				return c
			},
			wantErrs: []errSummary{
				{Key(SuffixTargetType), false}, {Key(SuffixBackendProtocol), false}, {Key(SuffixBackendProtocolVersion), false},
				{Key(SuffixHealthCheckProtocol), false}, {Key(SuffixSuccessCodes), false},
				{Key(SuffixHealthCheckIntervalSeconds), false}, {Key(SuffixHealthyThresholdCount), false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := service("shop", "web", tt.svcAnn, corev1.ServiceTypeNodePort, ports...)
			if tt.noSvc {
				svc = nil
			}
			got, errs := BackendSettings(ingress("shop", "web", tt.ingAnn), svc, tt.params, d)
			if diff := cmp.Diff(tt.want(), got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			var sums []errSummary
			for _, e := range errs {
				sums = append(sums, *summarize(t, e))
			}
			if diff := cmp.Diff(tt.wantErrs, sums); diff != "" {
				t.Errorf("errors (-want +got):\n%s\n%v", diff, errStrings(errs))
			}
		})
	}
}

func TestTargetGroupPort(t *testing.T) {
	tests := []struct {
		name    string
		sp      corev1.ServicePort
		tt      v1beta1.TargetType
		want    int32
		wantErr bool
	}{
		{"instance uses NodePort", corev1.ServicePort{Port: 80, NodePort: 31080, TargetPort: intstr.FromInt32(8080)}, v1beta1.TargetTypeInstance, 31080, false},
		{"instance on ClusterIP fails", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080)}, v1beta1.TargetTypeInstance, 0, true},
		{"ip uses numeric targetPort", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080)}, v1beta1.TargetTypeIP, 8080, false},
		{"ip with named targetPort uses 1", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, v1beta1.TargetTypeIP, 1, false},
		{"ip with unset targetPort uses port", corev1.ServicePort{Port: 80}, v1beta1.TargetTypeIP, 80, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TargetGroupPort(tt.sp, tt.tt)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("port (-want +got):\n%s", diff)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

func TestServicePortOf(t *testing.T) {
	svc := service("shop", "web", nil, corev1.ServiceTypeClusterIP,
		corev1.ServicePort{Name: "http", Port: 80}, corev1.ServicePort{Name: "grpc", Port: 9090})
	tests := []struct {
		name     string
		port     intstr.IntOrString
		wantPort int32
		wantErr  bool
	}{
		{"by name", intstr.FromString("grpc"), 9090, false},
		{"by number", intstr.FromInt32(80), 80, false},
		{"number as name does not match", intstr.FromString("80"), 0, true},
		{"missing", intstr.FromInt32(443), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ServicePortOf(svc, tt.port)
			if diff := cmp.Diff(tt.wantPort, got.Port); diff != "" {
				t.Errorf("port (-want +got):\n%s", diff)
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}
