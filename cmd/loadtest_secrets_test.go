package cmd

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/loadtest/distributed"
)

// secretServer counts the requests that carried the token.
func secretServer(t *testing.T, header, value string) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		if r.Header.Get(header) == value {
			n.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", &n
}

// -H 'Authorization: Bearer …' is sent and never written: not to -o json,
// RUN.json, the Markdown report or stderr; --secret-header adds a name.
func TestLoadtestSecretHeadersRedacted(t *testing.T) {
	url, carried := secretServer(t, "Authorization", "Bearer s3cr3t")
	dir := t.TempDir()
	save := filepath.Join(dir, "run.json")
	code, out, stderr := runLoadtest(t, context.Background(), nil, "loadtest", "run", "--url", url, "-H", "Authorization: Bearer s3cr3t",
		"-H", "X-Session: c0ffee", "--secret-header", "X-Session", "--rate", "40/s", "--duration", "300ms", "-o", "json", "--save", save, "--progress", "0", "--tui=false")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if carried.Load() == 0 {
		t.Error("no request carried the Authorization header")
	}
	saved, _ := os.ReadFile(save)
	for name, s := range map[string]string{"-o json": out, "RUN.json": string(saved), "stderr": stderr} {
		if strings.Contains(s, "s3cr3t") || strings.Contains(s, "c0ffee") {
			t.Errorf("%s holds a secret:\n%s", name, s)
		}
	}
	if !strings.Contains(out, `\u003credacted\u003e`) {
		t.Errorf("-o json does not say the header was redacted")
	}
	if code, _, stderr := runLoadtest(t, context.Background(), nil, "loadtest", "run", "--url", url, "--secret-header", "X Bad", "--progress", "0"); code != exitcode.Usage {
		t.Errorf("--secret-header 'X Bad': exit %d\n%s", code, stderr)
	}
	// A malformed -H does not echo its value.
	if _, _, stderr := runLoadtest(t, context.Background(), nil, "loadtest", "run", "--url", url, "-H", "Authorization: Bearer s3cr3t\x01", "--progress", "0"); strings.Contains(stderr, "s3cr3t") {
		t.Errorf("the error echoes the header's value:\n%s", stderr)
	}
}

// A worker gets the secret headers from its environment (the Secret), not
// its spec, sends them, and its log (the result on stdout, its messages)
// does not hold them.
func TestLoadtestWorkerSecretsFromTheEnvironment(t *testing.T) {
	url, carried := secretServer(t, "Authorization", "Bearer s3cr3t")
	shape, _ := loadtest.NewShape(loadtest.ShapeOptions{Rate: 40, Duration: 300 * time.Millisecond})
	targets, _ := loadtest.URLTargets([]string{url}, loadtest.RequestOptions{Header: http.Header{"Authorization": {"Bearer s3cr3t"}}})
	spec, err := distributed.NewSpec(loadtest.Options{Targets: targets, Shape: shape, Transport: loadtest.TransportOptions{KeepAlive: true, Timeout: time.Second}}, 1, time.Now().Add(200*time.Millisecond), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := spec.Encode()
	data, _ := spec.SecretData()
	if strings.Contains(enc, "s3cr3t") {
		t.Fatalf("the spec holds the secret: %s", enc)
	}
	code, out, stderr := runLoadtest(t, context.Background(), []string{distributed.EnvSpec + "=" + enc, distributed.EnvSecrets + "=" + string(data), distributed.EnvIndex + "=0"}, "loadtest", "worker")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if carried.Load() == 0 {
		t.Error("the worker sent no request with the Authorization header")
	}
	run, err := distributed.ReadResult(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if h := run.Meta.Targets[0].Header.Get("Authorization"); h != loadtest.Redacted || strings.Contains(stderr, "s3cr3t") {
		t.Errorf("the worker's result holds Authorization %q; stderr:\n%s", h, stderr)
	}
}
