package lbc

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestParseActions(t *testing.T) {
	key := Key(SuffixActionsPrefix + "NAME")
	tests := []struct {
		name    string
		in      string
		want    *Action
		wantErr *errSummary
	}{
		{
			name: "fixed response",
			in:   `{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503","messageBody":"503 error text"}}`,
			want: &Action{Type: ActionTypeFixedResponse, FixedResponseConfig: &FixedResponseActionConfig{
				ContentType: ptr("text/plain"), StatusCode: "503", MessageBody: ptr("503 error text")}},
		},
		{
			name: "redirect",
			in:   `{"type":"redirect","redirectConfig":{"host":"aws.amazon.com","path":"/eks/","port":"443","protocol":"HTTPS","query":"k=v","statusCode":"HTTP_302"}}`,
			want: &Action{Type: ActionTypeRedirect, RedirectConfig: &RedirectActionConfig{
				Host: ptr("aws.amazon.com"), Path: ptr("/eks/"), Port: ptr("443"), Protocol: ptr("HTTPS"), Query: ptr("k=v"), StatusCode: "HTTP_302"}},
		},
		{
			name: "simplified forward becomes forwardConfig",
			in:   `{"type":"forward","targetGroupARN":"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/abc"}`,
			want: &Action{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{
				{TargetGroupARN: ptr("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/legacy/abc")}}}},
		},
		{
			name: "weighted forward with stickiness, numeric string port normalised",
			in:   `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"service-1","servicePort":"http","weight":20},{"serviceName":"service-2","servicePort":"80","weight":20},{"targetGroupName":"legacy-tg","weight":60}],"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":200}}}`,
			want: &Action{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{
				TargetGroups: []TargetGroupTuple{
					{ServiceName: ptr("service-1"), ServicePort: ptr(intstr.FromString("http")), Weight: ptr(int64(20))},
					{ServiceName: ptr("service-2"), ServicePort: ptr(intstr.FromInt32(80)), Weight: ptr(int64(20))},
					{TargetGroupName: ptr("legacy-tg"), Weight: ptr(int64(60))},
				},
				TargetGroupStickinessConfig: &TargetGroupStickinessConfig{Enabled: ptr(true), DurationSeconds: ptr(int64(200))},
			}},
		},
		{
			name: "single target group needs no weight",
			in:   `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"svc","servicePort":8080}]}}`,
			want: &Action{Type: ActionTypeForward, ForwardConfig: &ForwardActionConfig{TargetGroups: []TargetGroupTuple{
				{ServiceName: ptr("svc"), ServicePort: ptr(intstr.FromInt32(8080))}}}},
		},
		{"missing weight with two groups", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80},{"serviceName":"b","servicePort":80,"weight":1}]}}`, nil, &errSummary{key, false}},
		{"service without port", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a"}]}}`, nil, &errSummary{key, false}},
		{"arn and service", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80,"targetGroupARN":"arn"}]}}`, nil, &errSummary{key, false}},
		{"both simplified and forwardConfig", `{"type":"forward","targetGroupARN":"arn","forwardConfig":{"targetGroups":[]}}`, nil, &errSummary{key, false}},
		{"forward without target", `{"type":"forward"}`, nil, &errSummary{key, false}},
		{"redirect without status", `{"type":"redirect","redirectConfig":{"protocol":"HTTPS"}}`, nil, &errSummary{key, false}},
		{"fixed response without config", `{"type":"fixed-response"}`, nil, &errSummary{key, false}},
		{"unknown type", `{"type":"authenticate-oidc"}`, nil, &errSummary{key, false}},
		{"not json", `redirect`, nil, &errSummary{key, false}},
		{"port as float", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80.5}]}}`, nil, &errSummary{key, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseActions(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("action (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestParseConditions(t *testing.T) {
	key := Key(SuffixConditionsPrefix + "NAME")
	tests := []struct {
		name    string
		in      string
		want    []RuleCondition
		wantErr *errSummary
	}{
		{
			name: "all fields",
			in: `[{"field":"host-header","hostHeaderConfig":{"values":["anno.example.com"]}},
			      {"field":"path-pattern","pathPatternConfig":{"values":["/path3"]}},
			      {"field":"http-header","httpHeaderConfig":{"httpHeaderName":"HeaderName","values":["HeaderValue1"]}},
			      {"field":"http-request-method","httpRequestMethodConfig":{"values":["GET","HEAD"]}},
			      {"field":"query-string","queryStringConfig":{"values":[{"key":"paramA","value":"valueA1"},{"value":"valueB"}]}},
			      {"field":"source-ip","sourceIPConfig":{"values":["192.168.0.0/16"]}}]`,
			want: []RuleCondition{
				{Field: ConditionHostHeader, HostHeaderConfig: &HostHeaderConditionConfig{Values: []string{"anno.example.com"}}},
				{Field: ConditionPathPattern, PathPatternConfig: &PathPatternConditionConfig{Values: []string{"/path3"}}},
				{Field: ConditionHTTPHeader, HTTPHeaderConfig: &HTTPHeaderConditionConfig{HTTPHeaderName: "HeaderName", Values: []string{"HeaderValue1"}}},
				{Field: ConditionHTTPRequestMethod, HTTPRequestMethodConfig: &HTTPRequestMethodConditionConfig{Values: []string{"GET", "HEAD"}}},
				{Field: ConditionQueryString, QueryStringConfig: &QueryStringConditionConfig{Values: []QueryStringKeyValuePair{{Key: ptr("paramA"), Value: "valueA1"}, {Value: "valueB"}}}},
				{Field: ConditionSourceIP, SourceIPConfig: &SourceIPConditionConfig{Values: []string{"192.168.0.0/16"}}},
			},
		},
		{
			name: "regex host",
			in:   `[{"field":"host-header","hostHeaderConfig":{"regexValues":["^.+\\.example\\.com$"]}}]`,
			want: []RuleCondition{{Field: ConditionHostHeader, HostHeaderConfig: &HostHeaderConditionConfig{RegexValues: []string{`^.+\.example\.com$`}}}},
		},
		{
			name:    "unknown field is ignored by the controller",
			in:      `[{"field":"cookie","values":["a"]}]`,
			want:    []RuleCondition{{Field: "cookie"}},
			wantErr: &errSummary{key, true},
		},
		{"missing config", `[{"field":"source-ip"}]`, nil, &errSummary{key, false}},
		{"empty values", `[{"field":"host-header","hostHeaderConfig":{"values":[]}}]`, nil, &errSummary{key, false}},
		{"empty query value", `[{"field":"query-string","queryStringConfig":{"values":[{"key":"a","value":""}]}}]`, nil, &errSummary{key, false}},
		{"object not list", `{"field":"source-ip"}`, nil, &errSummary{key, false}},
		{"empty list", `[]`, []RuleCondition{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseConditions(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("conditions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}
