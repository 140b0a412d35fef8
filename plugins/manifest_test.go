// Package plugins_test validates plugins/lbctl.yaml, the krew manifest that
// the krews: section of .goreleaser.yaml generates (make release-snapshot
// copies it from dist/krew/).
package plugins_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// plugin is the part of krew's v1alpha2 Plugin schema lbctl fills in.
type plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string     `json:"version"`
		Homepage         string     `json:"homepage"`
		ShortDescription string     `json:"shortDescription"`
		Description      string     `json:"description"`
		Caveats          string     `json:"caveats"`
		Platforms        []platform `json:"platforms"`
	} `json:"spec"`
}

type platform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string `json:"uri"`
	Sha256 string `json:"sha256"`
	Bin    string `json:"bin"`
}

func TestKrewManifest(t *testing.T) {
	p := readManifest(t, "lbctl.yaml")
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" {
		t.Errorf("apiVersion/kind: %s/%s", p.APIVersion, p.Kind)
	}
	if p.Metadata.Name != "lbctl" {
		t.Errorf("metadata.name %q must equal the file name lbctl", p.Metadata.Name)
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`).MatchString(p.Spec.Version) {
		t.Errorf("spec.version %q is not vX.Y.Z", p.Spec.Version)
	}
	if !strings.HasPrefix(p.Spec.Homepage, "https://") {
		t.Errorf("homepage %q", p.Spec.Homepage)
	}
	if p.Spec.ShortDescription == "" || len(p.Spec.ShortDescription) > 80 {
		t.Errorf("shortDescription %q: krew wants one short line", p.Spec.ShortDescription)
	}
	if p.Spec.Description == "" {
		t.Error("no description")
	}
	for _, w := range []string{"kubectl lbctl <TAB>", "completion kubectl-shim"} {
		if !strings.Contains(p.Spec.Caveats, w) {
			t.Errorf("caveats do not mention %q", w)
		}
	}
	seen := map[string]bool{}
	for _, pl := range p.Spec.Platforms {
		goos, arch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		key := goos + "/" + arch
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		wantBin := "kubectl-lbctl"
		ext := ".tar.gz"
		if goos == "windows" {
			wantBin, ext = "kubectl-lbctl.exe", ".zip"
		}
		if pl.Bin != wantBin {
			t.Errorf("%s: bin %q, want %q", key, pl.Bin, wantBin)
		}
		if !strings.HasPrefix(pl.URI, "https://github.com/lbctl/lbctl/releases/download/"+p.Spec.Version+"/") ||
			!strings.HasSuffix(pl.URI, "_"+goos+"_"+arch+ext) {
			t.Errorf("%s: uri %q", key, pl.URI)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(pl.Sha256) {
			t.Errorf("%s: sha256 %q", key, pl.Sha256)
		}
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		for _, arch := range []string{"amd64", "arm64"} {
			if !seen[goos+"/"+arch] {
				t.Errorf("platform %s/%s missing", goos, arch)
			}
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d platforms, want 6", len(seen))
	}

	// With a snapshot's dist/ at hand, every sha256 must match its archive
	// and every archive must hold the binary krew will link.
	dist := filepath.Join("..", "dist")
	if _, err := os.Stat(dist); err != nil {
		t.Logf("no dist/ (make release-snapshot makes one): fields validated, sha256 not recomputed from the archives")
		return
	}
	for _, pl := range p.Spec.Platforms {
		file := filepath.Join(dist, path.Base(pl.URI))
		b, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%v: dist/ is from another build; run make release-snapshot", err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != pl.Sha256 {
			t.Errorf("%s: sha256 %s, manifest says %s", file, got, pl.Sha256)
		}
		names, err := archiveNames(file, b)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if !names[pl.Bin] {
			t.Errorf("%s has no %s at its root for krew to link", file, pl.Bin)
		}
	}
}

// archiveNames lists the files of a .tar.gz or .zip archive.
func archiveNames(file string, b []byte) (map[string]bool, error) {
	names := map[string]bool{}
	if strings.HasSuffix(file, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, err
		}
		for _, f := range zr.File {
			names[f.Name] = true
		}
		return names, nil
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		names[strings.TrimPrefix(h.Name, "./")] = true
	}
}
