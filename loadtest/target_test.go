package loadtest

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseResolve(t *testing.T) {
	for _, tc := range []struct {
		in       string
		key, dia string
	}{
		{"k8s-a.elb.amazonaws.com:80:127.0.0.5:10080", "k8s-a.elb.amazonaws.com:80", "127.0.0.5:10080"},
		{"Example.com:443:10.0.0.1", "example.com:443", "10.0.0.1:443"},
		{"h:80:[::1]:8080", "h:80", "[::1]:8080"},
	} {
		e, err := ParseResolve(tc.in)
		if err != nil || e.Key() != tc.key || e.Dial() != tc.dia {
			t.Errorf("%q: %+v %v", tc.in, e, err)
		}
	}
	for _, bad := range []string{"host", "h:x:1.2.3.4", "h:80:not-ip", "h:80:1.2.3.4:x", "h:80:[::1"} {
		if _, err := ParseResolve(bad); err == nil || !strings.Contains(err.Error(), "HOST:PORT:ADDR") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	l, err := ParseResolveList("a:80:127.0.0.1:1,b:80:127.0.0.2")
	if err != nil || len(l) != 2 {
		t.Errorf("list: %v %v", l, err)
	}
}

func TestMatchName(t *testing.T) {
	name := "team-a/api:api.example.com/v1/"
	for p, want := range map[string]bool{
		name: true, "team-a/api": true, "api": true, "team-a/*": true, "*example.com/v1/": true,
		"team-b/api": false, "ap": false, "team-a": false,
	} {
		if MatchName(p, name) != want {
			t.Errorf("MatchName(%q) = %v", p, !want)
		}
	}
	if !MatchName("http://x/", "http://x/") || MatchName("http", "http://x/") {
		t.Error("URL names")
	}
}

func TestTargetsFromURLsFilesAndMix(t *testing.T) {
	ts, err := URLTargets([]string{"api=http://a.example.com/v1#frag", "https://b.example.com"}, RequestOptions{Method: "post"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{Name: "api", Method: "POST", URL: "http://a.example.com/v1"}, {Name: "https://b.example.com/", Method: "POST", URL: "https://b.example.com/"}}
	if d := cmp.Diff(want, ts); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := URLTargets([]string{"ftp://x/"}, RequestOptions{}); err == nil {
		t.Error("ftp accepted")
	}
	file := "GET http://a.example.com/x\nX-Team: a\n\nPOST http://a.example.com/y\n"
	ft, err := ReadTargets(strings.NewReader(file), TargetFile{Format: FormatHTTP})
	if err != nil || len(ft) != 2 || ft[0].Header.Get("X-Team") != "a" || ft[1].Name != "POST http://a.example.com/y" {
		t.Errorf("http format: %+v %v", ft, err)
	}
	jt, err := ReadTargets(strings.NewReader(`{"method":"GET","url":"http://j.example.com/"}`+"\n"), TargetFile{Format: FormatJSON})
	if err != nil || len(jt) != 1 {
		t.Errorf("json format: %+v %v", jt, err)
	}
	if _, err := ReadTargets(strings.NewReader(""), TargetFile{}); err == nil {
		t.Error("empty file accepted")
	}
	mix, _ := ParseMix([]string{"api=3", "https://b.example.com/=0"})
	mixed, err := ApplyMix(ts, mix)
	if err != nil || len(mixed) != 1 || mixed[0].Weight != 3 {
		t.Errorf("mix: %+v %v", mixed, err)
	}
	if _, err := ApplyMix(ts, map[string]int{"nope": 1}); err == nil {
		t.Error("a mix pattern matching nothing was accepted")
	}
	if _, err := ParseMix([]string{"api"}); err == nil {
		t.Error("--mix api accepted")
	}
}

func TestWeightedCycle(t *testing.T) {
	ts := []Target{{Weight: 3}, {Weight: 1}, {}}
	c := wrrCycle(ts, []int{0, 1, 2})
	n := map[int]int{}
	for _, i := range c {
		n[i]++
	}
	if len(c) != 5 || n[0] != 3 || n[1] != 1 || n[2] != 1 || c[0] == c[1] && c[1] == c[2] {
		t.Errorf("cycle %v", c)
	}
	// A/B slots: pairs hold one slot of each side.
	for k := 0; k < 100; k += 2 {
		if slotSide(k)+slotSide(k+1) != 1 {
			t.Fatalf("pair %d: %d %d", k/2, slotSide(k), slotSide(k+1))
		}
	}
}

func TestConnectTo(t *testing.T) {
	from, to, err := ParseConnectTo("Shop.example.com:80:k8s-x.elb.amazonaws.com:80")
	if err != nil || from != "shop.example.com:80" || to != "k8s-x.elb.amazonaws.com:80" {
		t.Fatalf("%q %q %v", from, to, err)
	}
	for _, bad := range []string{"a:80:b", "a:x:b:80", ":80:b:80", "a:80:b:0"} {
		if _, _, err := ParseConnectTo(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	ts := []Target{{URL: "http://shop.example.com/"}, {URL: "https://shop.example.com/"}, {URL: "http://shop.example.com:8080/"}}
	ApplyConnectTo(ts, map[string]string{from: to})
	if ts[0].Connect != to || ts[1].Connect != "" || ts[2].Connect != "" {
		t.Errorf("%+v", ts)
	}
}
