package lbc

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// errSummary is what tests check of a parser error: which annotation it
// blames and whether the controller tolerates the value.
type errSummary struct {
	Annotation string
	Tolerated  bool
}

func summarize(t *testing.T, err error) *errSummary {
	t.Helper()
	if err == nil {
		return nil
	}
	var ae *AnnotationError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *AnnotationError", err)
	}
	if ae.Expected == "" {
		t.Errorf("error %v does not say the expected form", err)
	}
	return &errSummary{Annotation: ae.Annotation, Tolerated: errors.Is(err, ErrTolerated)}
}

func TestParseListenPorts(t *testing.T) {
	key := Key(SuffixListenPorts)
	tests := []struct {
		name    string
		in      string
		want    []ListenPort
		wantErr *errSummary
	}{
		{"http and https", `[{"HTTP":80},{"HTTPS":443}]`, []ListenPort{{ProtocolHTTP, 80}, {ProtocolHTTPS, 443}}, nil},
		{"sorted by port", `[{"HTTPS":8443},{"HTTP":8080},{"HTTP":80}]`, []ListenPort{{ProtocolHTTP, 80}, {ProtocolHTTP, 8080}, {ProtocolHTTPS, 8443}}, nil},
		{"two keys in one object", `[{"HTTP":80,"HTTPS":443}]`, []ListenPort{{ProtocolHTTP, 80}, {ProtocolHTTPS, 443}}, nil},
		{"same port twice same protocol", `[{"HTTP":80},{"HTTP":80}]`, []ListenPort{{ProtocolHTTP, 80}}, nil},
		{"same port two protocols: last wins", `[{"HTTP":80},{"HTTPS":80}]`, []ListenPort{{ProtocolHTTPS, 80}}, &errSummary{key, true}},
		{"empty object: no listener at all", `[{}]`, []ListenPort{}, &errSummary{key, true}},
		{"lower-case protocol", `[{"http":80}]`, nil, &errSummary{key, false}},
		{"port zero", `[{"HTTP":0}]`, nil, &errSummary{key, false}},
		{"port too big", `[{"HTTP":65536}]`, nil, &errSummary{key, false}},
		{"port as string", `[{"HTTP":"80"}]`, nil, &errSummary{key, false}},
		{"port as float", `[{"HTTP":80.0}]`, nil, &errSummary{key, false}},
		{"empty list", `[]`, nil, &errSummary{key, false}},
		{"null", `null`, nil, &errSummary{key, false}},
		{"not json", `HTTP:80`, nil, &errSummary{key, false}},
		{"object not list", `{"HTTP":80}`, nil, &errSummary{key, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseListenPorts(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ports (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestFormatListenPorts(t *testing.T) {
	tests := []struct {
		name string
		in   []ListenPort
		want string
	}{
		{"two", []ListenPort{{ProtocolHTTP, 80}, {ProtocolHTTPS, 443}}, `[{"HTTP":80},{"HTTPS":443}]`},
		{"none", nil, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, FormatListenPorts(tt.in)); diff != "" {
				t.Errorf("format (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGroupName(t *testing.T) {
	key := Key(SuffixGroupName)
	long := strings.Repeat("ab", 32) // 64 characters
	tests := []struct {
		name    string
		in      string
		wantErr *errSummary
	}{
		{"simple", "team-a", nil},
		{"dots", "my-team.awesome-group", nil},
		{"single char", "a", nil},
		{"63 chars", long[:63], nil},
		{"64 chars", long, &errSummary{key, false}},
		{"upper case", "Team", &errSummary{key, false}},
		{"leading dash", "-team", &errSummary{key, false}},
		{"trailing dot", "team.", &errSummary{key, false}},
		{"underscore", "team_a", &errSummary{key, false}},
		{"empty", "", &errSummary{key, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGroupName(tt.in)
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if err == nil && got != tt.in {
				t.Errorf("got %q, want %q", got, tt.in)
			}
		})
	}
}

func TestParseGroupOrder(t *testing.T) {
	key := Key(SuffixGroupOrder)
	tests := []struct {
		name    string
		in      string
		want    int32
		wantErr *errSummary
	}{
		{"ten", "10", 10, nil},
		{"negative allowed", "-1000", -1000, nil},
		{"upper bound", "1000", 1000, nil},
		{"plus sign", "+5", 5, nil},
		{"too big", "1001", 0, &errSummary{key, false}},
		{"too small", "-1001", 0, &errSummary{key, false}},
		{"not a number", "first", 0, &errSummary{key, false}},
		{"spaces", " 10", 0, &errSummary{key, false}},
		{"empty", "", 0, &errSummary{key, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGroupOrder(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStringMap(t *testing.T) {
	key := Key(SuffixLoadBalancerAttributes)
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr *errSummary
	}{
		{"two pairs", "idle_timeout.timeout_seconds=600,routing.http2.enabled=false",
			map[string]string{"idle_timeout.timeout_seconds": "600", "routing.http2.enabled": "false"}, nil},
		{"spaces trimmed", " k1 = v1 , k2=v2 ", map[string]string{"k1": "v1", "k2": "v2"}, nil},
		{"value with equals", "key1=Mjk5NzkyNDU4Cg==, foo=ZGF=0=ZQo=", map[string]string{"key1": "Mjk5NzkyNDU4Cg==", "foo": "ZGF=0=ZQo="}, nil},
		{"escaped comma", `access_logs.s3.prefix=a\,b,k=v`, map[string]string{"access_logs.s3.prefix": "a,b", "k": "v"}, nil},
		{"trailing comma kept in value", "k=v,", map[string]string{"k": "v,"}, nil},
		{"empty value", "k=", map[string]string{"k": ""}, nil},
		{"empty string", "", map[string]string{}, nil},
		{"duplicate key: last wins", "k=1,k=2", map[string]string{"k": "2"}, &errSummary{key, true}},
		{"duplicate key same value", "k=1,k=1", map[string]string{"k": "1"}, nil},
		{"pair without equals", "k1=v1,k2", nil, &errSummary{key, false}},
		{"bare word", "key1,key2", nil, &errSummary{key, false}},
		{"empty key", "=value", nil, &errSummary{key, false}},
		{"double comma", "a=1,,b=2", nil, &errSummary{key, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAttributes(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("map (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestFormatStringMap(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]string
		want string
	}{
		{"sorted", map[string]string{"b": "2", "a": "1"}, "a=1,b=2"},
		{"escapes", map[string]string{"k": `x,y\z`}, `k=x\,y\\z`},
		{"empty", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FormatStringMap(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("format (-want +got):\n%s", diff)
			}
			back, err := ParseTags(got)
			if err != nil {
				t.Fatalf("parse back: %v", err)
			}
			if diff := cmp.Diff(tt.in, back, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseStringList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"subnets", "subnet-a, subnet-b ,mySubnet", []string{"subnet-a", "subnet-b", "mySubnet"}},
		{"empties dropped", ",a,,b,", []string{"a", "b"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseStringList(tt.in)); diff != "" {
				t.Errorf("list (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseIntAndBool(t *testing.T) {
	key := Key(SuffixHealthCheckIntervalSeconds)
	tests := []struct {
		name    string
		parse   func() (any, error)
		want    any
		wantErr *errSummary
	}{
		{"int", func() (any, error) { return ParseInt("30", key) }, int64(30), nil},
		{"int with unit", func() (any, error) { return ParseInt("30s", key) }, int64(0), &errSummary{key, false}},
		{"bool", func() (any, error) { return ParseBool("true", key) }, true, nil},
		{"bool yes", func() (any, error) { return ParseBool("yes", key) }, false, &errSummary{key, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.parse()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSuccessCodes(t *testing.T) {
	key := Key(SuffixSuccessCodes)
	tests := []struct {
		name    string
		in      string
		version string
		want    []CodeRange
		wantErr *errSummary
	}{
		{"default", "200", ProtocolVersionHTTP1, []CodeRange{{200, 200}}, nil},
		{"list and range", "200,202,300-399", ProtocolVersionHTTP1, []CodeRange{{200, 200}, {202, 202}, {300, 399}}, nil},
		{"grpc default", "12", ProtocolVersionGRPC, []CodeRange{{12, 12}}, nil},
		{"grpc range", "0-99", ProtocolVersionGRPC, []CodeRange{{0, 99}}, nil},
		{"http 500", "500", ProtocolVersionHTTP1, nil, &errSummary{key, false}},
		{"http code for grpc", "200", ProtocolVersionGRPC, nil, &errSummary{key, false}},
		{"reversed range", "299-200", ProtocolVersionHTTP2, nil, &errSummary{key, false}},
		{"word", "ok", ProtocolVersionHTTP1, nil, &errSummary{key, false}},
		{"empty", "", ProtocolVersionHTTP1, nil, &errSummary{key, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSuccessCodes(tt.in, tt.version)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("codes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, summarize(t, err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnnotationErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *AnnotationError
		want string
	}{
		{"full", &AnnotationError{Annotation: Key(SuffixScheme), Value: "public", Expected: "internal or internet-facing", Err: errors.New("unknown scheme")},
			`annotation alb.ingress.kubernetes.io/scheme: value "public": unknown scheme (expected internal or internet-facing)`},
		{"no cause", &AnnotationError{Annotation: "a", Value: "v"}, `annotation a: value "v"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.err.Error()); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}
