// Package buildinfo carries what the release build stamps into the binary
// (version, commit, date) so `version`, reports and the migration journal can
// say which lbctl produced them.
package buildinfo

import (
	"runtime"
	"sync/atomic"
)

// Set at link time: -ldflags "-X github.com/lbctl/lbctl/lbctl/buildinfo.Version=v1.2.3 ...".
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// Info is the build information in the shape `version -o json` prints.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the build information of the running binary.
func Get() Info {
	return Info{
		Version:   Version,
		Commit:    Commit,
		Date:      Date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
}

// DefaultCommand is how messages name lbctl's command until SetCommand says
// otherwise: the kubectl plugin form.
const DefaultCommand = "kubectl lbctl"

var command atomic.Pointer[string]

// Command returns how messages, remedies and hints name lbctl's command
// ("kubectl lbctl" as a kubectl plugin, "lbctl" as a plain binary). It is
// DefaultCommand until SetCommand sets another name.
func Command() string {
	if p := command.Load(); p != nil {
		return *p
	}
	return DefaultCommand
}

// SetCommand sets the name Command returns; an empty name is ignored. It is
// safe for concurrent use with Command and itself.
func SetCommand(name string) {
	if name == "" {
		return
	}
	command.Store(&name)
}
