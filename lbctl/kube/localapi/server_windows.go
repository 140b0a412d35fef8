package localapi

import (
	"fmt"
	"runtime"

	"k8s.io/client-go/rest"
)

// Server is a running kube-apiserver + etcd; on Windows none runs (the
// assets are built for Linux and controller-runtime's envtest process
// package does not build there).
type Server struct {
	// Config reaches the server as an administrator.
	Config *rest.Config
	// Kubeconfig is a kubeconfig file's content for the same administrator.
	Kubeconfig []byte
	// AssetsDir is where the binaries came from.
	AssetsDir string
}

// Start reports that the local API server does not run on this system.
func Start(Options) (*Server, error) {
	return nil, fmt.Errorf("%w: the local kube-apiserver does not run on %s", ErrNoAssets, runtime.GOOS)
}

// AddUser is never reached: Start fails on this system.
func (s *Server) AddUser(name string, _ ...string) (*rest.Config, []byte, error) {
	return nil, nil, fmt.Errorf("add user %s: no local API server on %s", name, runtime.GOOS)
}

// Stop does nothing: Start fails on this system.
func (s *Server) Stop() error { return nil }
