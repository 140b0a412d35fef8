// Package scenarios holds the sandbox's worlds as data: YAML manifests in
// this folder (embedded), plus generated estates for benchmarks.
package scenarios

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube"
)

//go:embed *.yaml
var files embed.FS

// Names lists the scenarios.
func Names() []string {
	names := []string{"large"}
	entries, _ := files.ReadDir(".")
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Load returns a scenario's objects.
func Load(name string) (*kube.Objects, error) {
	if name == "large" {
		return Large(LargeOptions{}), nil
	}
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, fmt.Sprintf("unknown scenario %q", name), "choose one of "+strings.Join(Names(), ", "), exitcode.ErrUsage)
	}
	return kube.ReadFiles([]string{"-"}, bytes.NewReader(b))
}
