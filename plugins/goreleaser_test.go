package plugins_test

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"text/template"

	"sigs.k8s.io/yaml"
)

// goreleaserConfig is the part of .goreleaser.yaml that decides what its
// krews: section writes into dist/krew/lbctl.yaml.
type goreleaserConfig struct {
	Builds []struct {
		ID     string   `json:"id"`
		Binary string   `json:"binary"`
		Goos   []string `json:"goos"`
		Goarch []string `json:"goarch"`
	} `json:"builds"`
	Archives []struct {
		ID              string   `json:"id"`
		IDs             []string `json:"ids"`
		Formats         []string `json:"formats"`
		FormatOverrides []struct {
			Goos    string   `json:"goos"`
			Formats []string `json:"formats"`
		} `json:"format_overrides"`
		NameTemplate string `json:"name_template"`
	} `json:"archives"`
	Krews []struct {
		Name             string   `json:"name"`
		IDs              []string `json:"ids"`
		Homepage         string   `json:"homepage"`
		URLTemplate      string   `json:"url_template"`
		ShortDescription string   `json:"short_description"`
		Description      string   `json:"description"`
		Caveats          string   `json:"caveats"`
	} `json:"krews"`
}

// TestGoreleaserKrewsMatchesManifest checks, without running goreleaser,
// that the krews: section of .goreleaser.yaml generates plugins/lbctl.yaml:
// the same texts, the same six platforms, and each uri and bin as goreleaser
// renders them from the build, the archive name and url_template.
func TestGoreleaserKrewsMatchesManifest(t *testing.T) {
	var cfg goreleaserConfig
	b, err := os.ReadFile(filepath.Join("..", ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	p := readManifest(t, "lbctl.yaml")

	if len(cfg.Krews) != 1 || len(cfg.Archives) != 1 || len(cfg.Builds) != 1 {
		t.Fatalf(".goreleaser.yaml: %d krews, %d archives, %d builds; this test models one of each",
			len(cfg.Krews), len(cfg.Archives), len(cfg.Builds))
	}
	k, a, bld := cfg.Krews[0], cfg.Archives[0], cfg.Builds[0]
	if !slices.Contains(k.IDs, a.ID) || !slices.Contains(a.IDs, bld.ID) {
		t.Errorf("krews.ids %v must name archive %q, whose ids %v must name build %q", k.IDs, a.ID, a.IDs, bld.ID)
	}

	// goreleaser templates these fields; compared as plain text they must
	// hold no template.
	for _, f := range []struct{ name, config, manifest string }{
		{"name", k.Name, p.Metadata.Name},
		{"homepage", k.Homepage, p.Spec.Homepage},
		{"short_description", k.ShortDescription, p.Spec.ShortDescription},
		{"description", k.Description, p.Spec.Description},
		{"caveats", k.Caveats, p.Spec.Caveats},
	} {
		if strings.Contains(f.config, "{{") {
			t.Errorf("krews.%s holds a template; this test compares it as text", f.name)
		}
		if f.config != f.manifest {
			t.Errorf("krews.%s differs from plugins/lbctl.yaml (regenerate it: make release-snapshot)\n.goreleaser.yaml: %q\nlbctl.yaml:       %q",
				f.name, f.config, f.manifest)
		}
	}

	var want []string
	for _, goos := range bld.Goos {
		for _, arch := range bld.Goarch {
			want = append(want, goos+"/"+arch)
		}
	}
	var got []string
	for _, pl := range p.Spec.Platforms {
		got = append(got, pl.Selector.MatchLabels["os"]+"/"+pl.Selector.MatchLabels["arch"])
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("manifest platforms %v, builds make %v", got, want)
	}

	// What goreleaser's krew pipe puts in each platform: spec.version is
	// "v" + .Version; uri is url_template applied to the archive.
	version := strings.TrimPrefix(p.Spec.Version, "v")
	for _, pl := range p.Spec.Platforms {
		goos, arch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		formats := a.Formats
		for _, o := range a.FormatOverrides {
			if o.Goos == goos {
				formats = o.Formats
			}
		}
		if len(formats) != 1 {
			t.Errorf("%s/%s: archive formats %v, want one", goos, arch, formats)
			continue
		}
		name := render(t, "archives.name_template", a.NameTemplate, map[string]string{
			"Version": version, "Os": goos, "Arch": arch,
		}) + "." + formats[0]
		uri := render(t, "krews.url_template", k.URLTemplate, map[string]string{
			"Version": version, "ArtifactName": name,
		})
		if pl.URI != uri {
			t.Errorf("%s/%s: uri %q, goreleaser makes %q", goos, arch, pl.URI, uri)
		}
		bin := bld.Binary
		if goos == "windows" {
			bin += ".exe"
		}
		if pl.Bin != bin {
			t.Errorf("%s/%s: bin %q, the archive holds %q", goos, arch, pl.Bin, bin)
		}
	}

	// After a snapshot, goreleaser's own manifest must be the committed one.
	gen := filepath.Join("..", "dist", "krew", "lbctl.yaml")
	if _, err := os.Stat(gen); err != nil {
		t.Logf("no %s (make release-snapshot writes it): compared with .goreleaser.yaml only", gen)
		return
	}
	g := readManifest(t, gen)
	sortPlatforms(g.Spec.Platforms)
	sortPlatforms(p.Spec.Platforms)
	if !reflect.DeepEqual(g, p) {
		gy, _ := yaml.Marshal(g)
		py, _ := yaml.Marshal(p)
		t.Errorf("%s differs from plugins/lbctl.yaml: copy it (make release-snapshot does)\n--- %s\n%s--- plugins/lbctl.yaml\n%s",
			gen, gen, gy, py)
	}
}

// render applies a goreleaser template with only the fields given: a template
// that uses any other field (.Tag, which in a snapshot is the last tag and not
// the version) or a goreleaser function fails the test instead of guessing.
func render(t *testing.T, what, text string, fields map[string]string) string {
	t.Helper()
	tm, err := template.New(what).Option("missingkey=error").Parse(text)
	if err != nil {
		t.Fatalf("%s %q: %v", what, text, err)
	}
	var out bytes.Buffer
	if err := tm.Execute(&out, fields); err != nil {
		t.Fatalf("%s %q: %v (this test knows only %v)", what, text, err, slices.Sorted(maps.Keys(fields)))
	}
	return out.String()
}

func readManifest(t *testing.T, file string) plugin {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var p plugin
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return p
}

func sortPlatforms(ps []platform) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].URI < ps[j].URI })
}
