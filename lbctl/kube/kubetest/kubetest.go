// Package kubetest shares one real kube-apiserver + etcd among a test
// package's tests. Without the binaries it skips — except in CI (CI=true),
// where a missing environment fails the run instead of passing silently.
package kubetest

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/lbctl/lbctl/lbctl/kube/localapi"
)

// InCI reports whether tests run in CI, where integration tests must run.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false"
}

// Env is the package's shared API server, or the reason there is none.
type Env struct {
	Server *localapi.Server
	reason error
}

// Main starts the API server, runs the package's tests and stops it. Call it
// from TestMain: os.Exit(kubetest.Main(m, &env)).
func Main(m *testing.M, env **Env) int {
	s, err := localapi.Start(localapi.Options{})
	if err != nil {
		if InCI() || !errors.Is(err, localapi.ErrNoAssets) {
			fmt.Fprintln(os.Stderr, "integration environment:", err)
			return 1
		}
		*env = &Env{reason: err}
		return m.Run()
	}
	*env = &Env{Server: s}
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop integration environment:", err)
	}
	return code
}

// Require returns the running server, or skips the test (fails it in CI).
func (e *Env) Require(t testing.TB) *localapi.Server {
	t.Helper()
	if e == nil {
		t.Fatal("kubetest.Main was not called from TestMain")
	}
	if e.Server == nil {
		if InCI() {
			t.Fatalf("integration environment missing in CI: %v", e.reason)
		}
		t.Skipf("integration environment missing: %v", e.reason)
	}
	return e.Server
}
