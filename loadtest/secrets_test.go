package loadtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Secret headers are sent as given and written out redacted: RUN.json
// and -o json hold <redacted>, never the value.
func TestSecretHeadersSentAndRedacted(t *testing.T) {
	const token = "Bearer s3cr3t-token"
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == token && r.Header.Get("X-Custom-Token") == "c0ffee" && r.Header.Get("X-Team") == "a" {
			got.Add(1)
		}
	}))
	defer srv.Close()
	h, err := ParseHeaders([]string{"Authorization: " + token, "X-Custom-Token: c0ffee", "X-Team: a"})
	if err != nil {
		t.Fatal(err)
	}
	targets, _ := URLTargets([]string{srv.URL + "/"}, RequestOptions{Header: h})
	run := attack(t, Options{Targets: targets, Shape: constShape(t, 50, 200*time.Millisecond, 0), SecretHeaders: []string{"x-custom-token"}})
	if got.Load() == 0 || got.Load() != run.Requests {
		t.Fatalf("%d of %d requests carried the headers", got.Load(), run.Requests)
	}
	var b bytes.Buffer
	if err := run.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	red, _ := json.Marshal(Redacted)
	if strings.Contains(b.String(), "s3cr3t") || strings.Contains(b.String(), "c0ffee") || strings.Count(b.String(), string(red)) != 2 || !strings.Contains(b.String(), `"a"`) {
		t.Errorf("RUN.json holds a secret, or redacts what is not one:\n%s", b.String()[:min(b.Len(), 2000)])
	}
	if targets[0].Header.Get("Authorization") != token {
		t.Error("redacting the run's metadata changed the targets given")
	}
}

// A header name that is not one is refused, as --secret-header.
func TestSecretHeaderNames(t *testing.T) {
	if _, err := NewSecretHeaders([]string{"X Bad"}); err == nil {
		t.Error("a header name with a space was accepted")
	}
	s, _ := NewSecretHeaders([]string{"x-api-token"})
	ts, secrets := s.Split([]Target{{Header: http.Header{"Cookie": {"a=1"}, "X-Api-Token": {"t"}, "Accept": {"*/*"}}}, {}})
	if len(ts[0].Header) != 1 || len(secrets) != 1 || len(secrets[0]) != 2 {
		t.Fatalf("split: %v %v", ts, secrets)
	}
	if err := JoinSecrets(ts, secrets); err != nil || ts[0].Header.Get("Cookie") != "a=1" || ts[0].Header.Get("X-Api-Token") != "t" {
		t.Errorf("join: %v %v", ts, err)
	}
}
