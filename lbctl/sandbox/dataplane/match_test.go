package dataplane

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"/api/*", "/api/", true},
		{"/api/*", "/api/v1/users", true},
		{"/api/*", "/api", false},
		{"/api*", "/api", true},
		{"/API/*", "/api/x", false}, // paths are case-sensitive
		{"/v?/users", "/v1/users", true},
		{"/v?/users", "/v10/users", false},
		{"/v?/users", "/v/users", false},
		{"*.example.com", "shop.example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYcZ", false},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"??", "ab", true},
		{"??", "abc", false},
		{"/static/*.css", "/static/site.css", true},
		{"/static/*.css", "/static/site.css.map", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.s, func(t *testing.T) {
			if got := matchWildcard(tt.pattern, tt.s); got != tt.want {
				t.Errorf("matchWildcard(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
			}
		})
	}
}

func TestNormalizeHostAndMatchHost(t *testing.T) {
	tests := []struct {
		host     string
		want     string
		patterns []string
		match    bool
	}{
		{"Shop.Example.COM", "shop.example.com", []string{"shop.example.com"}, true},
		{"shop.example.com:8080", "shop.example.com", []string{"*.example.com"}, true},
		{"shop.example.com:", "shop.example.com", []string{"shop.*"}, true},
		{"[::1]:80", "::1", []string{"::1"}, true},
		{"api.example.org", "api.example.org", []string{"*.example.com", "api.*.org"}, true},
		{"api.example.org", "api.example.org", []string{"*.example.com"}, false},
		{"anything", "anything", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got := normalizeHost(tt.host)
			if got != tt.want {
				t.Errorf("normalizeHost(%q) = %q, want %q", tt.host, got, tt.want)
			}
			if m := matchHost(tt.patterns, got); m != tt.match {
				t.Errorf("matchHost(%q, %q) = %v, want %v", tt.patterns, got, m, tt.match)
			}
		})
	}
}

func TestParseMatcher(t *testing.T) {
	tests := []struct {
		in      string
		want    matcher
		wantErr bool
		ok, bad []int
	}{
		{in: "", want: matcher{{200, 200}}, ok: []int{200}, bad: []int{204, 301}},
		{in: "200", want: matcher{{200, 200}}, ok: []int{200}, bad: []int{201}},
		{in: "200-399", want: matcher{{200, 399}}, ok: []int{200, 302, 399}, bad: []int{199, 400, 503}},
		{in: "200,204", want: matcher{{200, 200}, {204, 204}}, ok: []int{200, 204}, bad: []int{202}},
		{in: " 200 , 300-302 ", want: matcher{{200, 200}, {300, 302}}, ok: []int{301}, bad: []int{303}},
		{in: "abc", wantErr: true},
		{in: "399-200", wantErr: true},
		{in: "200,", wantErr: true},
		{in: "99", wantErr: true},
		{in: "200-600", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := parseMatcher(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseMatcher(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if diff := cmp.Diff(tt.want, m, cmp.AllowUnexported(codeRange{})); diff != "" {
				t.Errorf("parseMatcher(%q) (-want +got):\n%s", tt.in, diff)
			}
			for _, c := range tt.ok {
				if !m.match(c) {
					t.Errorf("%q should match %d", tt.in, c)
				}
			}
			for _, c := range tt.bad {
				if m.match(c) {
					t.Errorf("%q should not match %d", tt.in, c)
				}
			}
		})
	}
}

func TestRedirectLocation(t *testing.T) {
	tests := []struct {
		name string
		rd   Redirect
		url  string
		want string
	}{
		{"ssl redirect", Redirect{Protocol: "HTTPS", Port: "443"}, "http://Shop.Example.com:8080/a/b?x=1", "https://shop.example.com:443/a/b?x=1"},
		{"everything kept", Redirect{}, "http://h/p", "http://h:80/p"},
		{"placeholders", Redirect{Host: "new.#{host}", Path: "/v2#{path}", Query: "#{query}&r=1"}, "http://h/p?q", "http://new.h:80/v2/p?q&r=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(tt.url)
			r := &http.Request{URL: u, Host: u.Host}
			if got := redirectLocation(&tt.rd, r, "80"); got != tt.want {
				t.Errorf("redirectLocation = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTraceHeader(t *testing.T) {
	now := time.Unix(0x5f000000, 0)
	id := `1-5f000000-[0-9a-f]{24}`
	tests := []struct {
		prior string
		want  string
	}{
		{"", `^Root=` + id + `$`},
		{"Root=1-5e000000-abcdefabcdefabcdefabcdef;Sampled=1", `^Self=` + id + `;Root=1-5e000000-abcdefabcdefabcdefabcdef;Sampled=1$`},
		{"Self=1-1-1;Root=1-2-3", `^Self=` + id + `;Root=1-2-3$`},
		{"Sampled=0", `^Root=` + id + `;Sampled=0$`},
	}
	for _, tt := range tests {
		t.Run(tt.prior, func(t *testing.T) {
			got := traceHeader(tt.prior, now)
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("traceHeader(%q) = %q, want match %s", tt.prior, got, tt.want)
			}
		})
	}
}

func TestCompileHealthCheckDefaults(t *testing.T) {
	c, err := compileHealthCheck(HealthCheck{})
	if err != nil {
		t.Fatal(err)
	}
	if c.path != "/" || c.interval != 30*time.Second || c.timeout != 5*time.Second || c.healthy != 5 || c.unhealthy != 2 {
		t.Errorf("defaults = %+v", c)
	}
	if got := c.url("127.0.0.9:8080"); got != "http://127.0.0.9:8080/" {
		t.Errorf("traffic-port url = %s", got)
	}
	c, err = compileHealthCheck(HealthCheck{Port: "9000", Path: "/hc"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.url("127.0.0.9:8080"); got != "http://127.0.0.9:9000/hc" {
		t.Errorf("port override url = %s", got)
	}
	for _, bad := range []HealthCheck{
		{Path: "hc"}, {Port: "http"}, {Interval: time.Second, Timeout: 2 * time.Second}, {Matcher: "x"},
	} {
		if _, err := compileHealthCheck(bad); err == nil {
			t.Errorf("compileHealthCheck(%+v) accepted", bad)
		}
	}
}
