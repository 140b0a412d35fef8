package cmd

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
)

// conflictProxy stands between lbctl and the API server and answers a
// fraction of writes with 409 Conflict, as a busy API server does when
// another writer got there first.
type conflictProxy struct {
	injected atomic.Int64
	writes   atomic.Int64
	url      string
}

func startConflictProxy(t *testing.T, cfg *rest.Config, fraction float64) *conflictProxy {
	t.Helper()
	tr, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(upstream)
	rp.Transport = tr
	rp.FlushInterval = -1
	p := &conflictProxy{}
	var mu sync.Mutex
	rnd := rand.New(rand.NewPCG(7, 11))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := r.Method == http.MethodPatch || r.Method == http.MethodPut || r.Method == http.MethodDelete ||
			(r.Method == http.MethodPost && !strings.Contains(r.URL.Path, "accessreviews"))
		if write {
			p.writes.Add(1)
			mu.Lock()
			hit := rnd.Float64() < fraction
			mu.Unlock()
			if hit {
				p.injected.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusConflict)
				fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","code":409}`)
				return
			}
		}
		rp.ServeHTTP(w, r)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	p.url = "http://" + l.Addr().String()
	return p
}

func (p *conflictProxy) kubeconfig(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: proxy, cluster: {server: %q}}]
users: [{name: proxy, user: {}}]
contexts: [{name: proxy, context: {cluster: proxy, user: proxy}}]
current-context: proxy
`, p.url)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMigrateUnderFaults runs the migration with the AWS endpoint
// throttling 30% of calls and the API server answering a quarter of lbctl's
// writes with 409 Conflict: it completes, retrying with back-off, or stops
// at a resumable point with one clear line and completes on resume.
func TestMigrateUnderFaults(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	dir, _ := planFor(t, kubeconfig)
	proxy := startConflictProxy(t, sb.Config, 0.25)
	sb.AWS.Faults().Set(awsendpoint.AllActions, awsendpoint.Fault{ThrottleFraction: 0.3})
	before := sb.AWS.Calls()
	args := func(sub string) []string {
		return []string{"--kubeconfig", proxy.kubeconfig(t), "migrate", sub, "--plan", dir, "--yes", "--force-conflicts",
			"--poll", "100ms", "--wait-timeout", "60s", "--journal-namespace", "default"}
	}
	code, out, stderr := runCmd(t, args("apply")...)
	stops := 0
	for code != 0 && stops < 5 {
		stops++
		assertOneLine(t, stderr)
		t.Logf("stopped (exit %d): %s", code, strings.TrimSpace(stderr))
		code, out, stderr = runCmd(t, args("resume")...)
	}
	if code != 0 {
		t.Fatalf("migration under faults: exit %d after %d resumes\n%s\n%s", code, stops, out, stderr)
	}
	sb.AWS.Faults().Reset()
	throttled := 0
	for k, v := range sb.AWS.Calls() {
		throttled += v - before[k]
	}
	t.Logf("%d of %d writes answered 409 and retried; %d AWS calls under 30%% throttling; %d resumes", proxy.injected.Load(), proxy.writes.Load(), throttled, stops)
	if proxy.injected.Load() == 0 {
		t.Error("no conflict was injected")
	}
	if lbs := sb.Emulator.LoadBalancers(); len(lbs) != 3 {
		t.Errorf("%d ALBs after the migration, want 3", len(lbs))
	}
}
