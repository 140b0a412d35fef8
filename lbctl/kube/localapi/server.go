//go:build !windows

package localapi

import (
	"fmt"
	"os"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Server is a running kube-apiserver + etcd.
type Server struct {
	// Config reaches the server as an administrator.
	Config *rest.Config
	// Kubeconfig is a kubeconfig file's content for the same administrator.
	Kubeconfig []byte
	// AssetsDir is where the binaries came from (kubectl is there too).
	AssetsDir string
	env       *envtest.Environment
}

// Start runs kube-apiserver and etcd with the CRDs installed and waits until
// they serve.
func Start(o Options) (*Server, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	dir, err := AssetsDir(getenv)
	if err != nil {
		return nil, err
	}
	defs, err := CRDs()
	if err != nil {
		return nil, err
	}
	timeout := o.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory:    dir,
		CRDs:                     defs,
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: timeout,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	// envtest's default Service range (10.0.0.0/24) holds 254 Services and
	// overlaps the sandbox's pod addresses; use EKS's.
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "172.20.0.0/16")
	// The sandbox's kubelets serve their API (container logs) on the
	// nodes' loopback addresses, which the nodes report as ExternalIP.
	env.ControlPlane.GetAPIServer().Configure().Set("kubelet-preferred-address-types", "ExternalIP,InternalIP,Hostname")
	// envtest reads KUBEBUILDER_ASSETS itself and it wins over
	// BinaryAssetsDirectory; both point at the same place here.
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start kube-apiserver and etcd from %s: %w", dir, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	return &Server{Config: cfg, Kubeconfig: env.KubeConfig, AssetsDir: dir, env: env}, nil
}

// AddUser provisions a user with the given groups (and no RBAC bindings unless
// the caller makes them) and returns a client configuration and kubeconfig
// for it.
func (s *Server) AddUser(name string, groups ...string) (*rest.Config, []byte, error) {
	u, err := s.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("add user %s: %w", name, err)
	}
	kc, err := u.KubeConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig for %s: %w", name, err)
	}
	return u.Config(), kc, nil
}

// Stop stops kube-apiserver and etcd and removes their data.
func (s *Server) Stop() error {
	return s.env.Stop()
}
