// Package localapi starts a real kube-apiserver and etcd on loopback, with
// lbctl's CRDs installed, for integration tests and `lbctl sandbox up`. It uses
// controller-runtime's envtest to run the binaries that hack/envtest-assets.sh
// builds (kube-apiserver, kubectl) or installs (etcd from Debian).
package localapi

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/kube/crds"
)

// KubernetesVersion is the kube-apiserver version hack/kube-apiserver builds;
// the assets cache is keyed by it. A test keeps the two in step.
const KubernetesVersion = "v1.33.4"

// ErrNoAssets says the kube-apiserver/etcd binaries are not on this machine.
var ErrNoAssets = errors.New("kube-apiserver and etcd binaries not found")

// AssetsDir returns the directory holding kube-apiserver, etcd and kubectl:
// KUBEBUILDER_ASSETS when set, else the cache hack/envtest-assets.sh fills
// ($LBCTL_CACHE, $XDG_CACHE_HOME/lbctl or ~/.cache/lbctl, then envtest/VERSION).
// It returns ErrNoAssets, with how to get them, when they are missing.
func AssetsDir(getenv func(string) string) (string, error) {
	dir := getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		cache := getenv("LBCTL_CACHE")
		if cache == "" {
			base := getenv("XDG_CACHE_HOME")
			if base == "" {
				home, err := os.UserHomeDir()
				if err != nil {
					return "", fmt.Errorf("find cache directory: %w", err)
				}
				base = filepath.Join(home, ".cache")
			}
			cache = filepath.Join(base, "lbctl")
		}
		dir = filepath.Join(cache, "envtest", KubernetesVersion)
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if st, err := os.Stat(filepath.Join(dir, bin)); err != nil || st.IsDir() {
			return dir, fmt.Errorf("%w in %s (missing %s); run `make envtest` (hack/envtest-assets.sh) once to build them", ErrNoAssets, dir, bin)
		}
	}
	return dir, nil
}

// CRDs returns lbctl's CustomResourceDefinitions, parsed from the embedded YAML.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	var out []*apiextensionsv1.CustomResourceDefinition
	err := fs.WalkDir(crds.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".yaml" {
			return err
		}
		b, err := crds.FS.ReadFile(path)
		if err != nil {
			return err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(b, crd); err != nil {
			return fmt.Errorf("parse CRD %s: %w", path, err)
		}
		out = append(out, crd)
		return nil
	})
	return out, err
}

// Options tune Start.
type Options struct {
	// Getenv looks up environment variables (os.Getenv when nil).
	Getenv func(string) string
	// StartTimeout bounds each component's start (default 60s: the machines are small).
	StartTimeout time.Duration
}
