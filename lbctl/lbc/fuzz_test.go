package lbc

import (
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// usable reports whether a parser returned a value the controller would use:
// no error, or only a tolerated one.
func usable(err error) bool { return err == nil || errors.Is(err, ErrTolerated) }

// checkAnnotationError fails unless err is nil or an *AnnotationError that
// says what was expected, which every finding needs.
func checkAnnotationError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ae *AnnotationError
	if !errors.As(err, &ae) || ae.Annotation == "" || ae.Expected == "" {
		t.Fatalf("error is not a complete *AnnotationError: %#v", err)
	}
}

func FuzzParseListenPorts(f *testing.F) {
	for _, s := range []string{`[{"HTTP":80},{"HTTPS":443}]`, `[{"HTTP":80,"HTTPS":80}]`, `[]`, `null`, `[{"HTTPS":65535}]`, `[{"HTTP":-1}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ports, err := ParseListenPorts(s)
		checkAnnotationError(t, err)
		if !usable(err) {
			if ports != nil {
				t.Fatalf("ports %v returned with error %v", ports, err)
			}
			return
		}
		if len(ports) == 0 {
			if err == nil {
				t.Fatalf("no ports without error for %q", s)
			}
			return
		}
		if !sort.SliceIsSorted(ports, func(i, j int) bool { return ports[i].Port < ports[j].Port }) {
			t.Fatalf("ports not sorted: %v", ports)
		}
		for i, p := range ports {
			if p.Port < 1 || p.Port > 65535 || (p.Protocol != ProtocolHTTP && p.Protocol != ProtocolHTTPS) {
				t.Fatalf("invalid port accepted: %v", p)
			}
			if i > 0 && ports[i-1].Port == p.Port {
				t.Fatalf("duplicate port: %v", ports)
			}
		}
		back, err := ParseListenPorts(FormatListenPorts(ports))
		if err != nil {
			t.Fatalf("round trip of %v: %v", ports, err)
		}
		if diff := cmp.Diff(ports, back); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

func FuzzParseActions(f *testing.F) {
	for _, s := range []string{
		`{"type":"forward","targetGroupARN":"arn:tg"}`,
		`{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":"80","weight":1},{"targetGroupName":"b","weight":2}],"targetGroupStickinessConfig":{"enabled":true,"durationSeconds":60}}}`,
		`{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}`,
		`{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"404"}}`,
		`{"type":"forward","forwardConfig":{"targetGroups":null}}`,
		`{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseActions(s)
		checkAnnotationError(t, err)
		if err != nil {
			if a != nil {
				t.Fatalf("action returned with error %v", err)
			}
			return
		}
		if err := a.validate(); err != nil {
			t.Fatalf("parsed action does not validate: %v", err)
		}
		if a.TargetGroupARN != nil {
			t.Fatalf("simplified schema not normalised: %+v", a)
		}
		raw, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := ParseActions(string(raw))
		if err != nil {
			t.Fatalf("round trip of %s: %v", raw, err)
		}
		if diff := cmp.Diff(a, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

func FuzzParseConditions(f *testing.F) {
	for _, s := range []string{
		`[{"field":"host-header","hostHeaderConfig":{"values":["a.example.com"]}}]`,
		`[{"field":"query-string","queryStringConfig":{"values":[{"key":"k","value":"v"}]}},{"field":"source-ip","sourceIPConfig":{"values":["10.0.0.0/8"]}}]`,
		`[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X","regexValues":["^a$"]}}]`,
		`[{"field":"cookie"}]`,
		`null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		conds, err := ParseConditions(s)
		checkAnnotationError(t, err)
		if !usable(err) {
			if conds != nil {
				t.Fatalf("conditions returned with error %v", err)
			}
			return
		}
		for _, c := range conds {
			if err := c.validate(); err != nil {
				t.Fatalf("parsed condition does not validate: %v", err)
			}
		}
		raw, merr := json.Marshal(conds)
		if merr != nil {
			t.Fatalf("marshal: %v", merr)
		}
		back, err2 := ParseConditions(string(raw))
		if !usable(err2) || (err == nil) != (err2 == nil) {
			t.Fatalf("round trip of %s: %v (first parse: %v)", raw, err2, err)
		}
		if diff := cmp.Diff(conds, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

func FuzzParseAttributes(f *testing.F) {
	for _, s := range []string{
		"idle_timeout.timeout_seconds=600,routing.http2.enabled=false",
		`access_logs.s3.prefix=a\,b, k = v `,
		"k=1,k=2",
		"k=v,",
		"a=1,,b=2",
		"=v",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseAttributes(s)
		checkAnnotationError(t, err)
		if !usable(err) {
			if m != nil {
				t.Fatalf("map returned with error %v", err)
			}
			return
		}
		for k, v := range m {
			if k == "" || strings.Contains(k, "=") || k != strings.TrimSpace(k) || v != strings.TrimSpace(v) {
				t.Fatalf("bad pair %q=%q from %q", k, v, s)
			}
		}
		back, err := ParseAttributes(FormatStringMap(m))
		if err != nil {
			t.Fatalf("round trip of %v via %q: %v", m, FormatStringMap(m), err)
		}
		if diff := cmp.Diff(m, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip via %q (-want +got):\n%s", FormatStringMap(m), diff)
		}
	})
}

func FuzzParseGroupOrder(f *testing.F) {
	for _, s := range []string{"0", "10", "-1000", "1000", "1001", "+7", "007", "1e3", "", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseGroupOrder(s)
		checkAnnotationError(t, err)
		if err != nil {
			if n != 0 {
				t.Fatalf("order %d returned with error %v", n, err)
			}
			return
		}
		if n < MinGroupOrder || n > MaxGroupOrder {
			t.Fatalf("order %d out of range accepted from %q", n, s)
		}
		back, err := ParseGroupOrder(strconv.Itoa(int(n)))
		if err != nil || back != n {
			t.Fatalf("round trip of %d: %d, %v", n, back, err)
		}
	})
}
