// Package buildinfo carries what the release build stamps into the binary
// (version, commit, date) so `version`, reports and the migration journal can
// say which lbctl produced them.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
)

// Set at link time: -ldflags "-X github.com/lbctl/lbctl/lbctl/buildinfo.Version=v1.2.3 ...".
// A binary built without them (go install, go build) falls back to what the Go
// toolchain recorded: the module version and the VCS revision and time.
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

// Get returns the build information of the running binary: the -ldflags
// values, or for those left unset what the toolchain embedded.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Info{
		Version:   Version,
		Commit:    Commit,
		Date:      Date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}, bi)
}

// resolve fills the fields -ldflags left at their defaults from bi (nil when
// the binary carries no build information): the main module's version unless
// it is "(devel)", vcs.revision (with "-dirty" when vcs.modified) and vcs.time.
func resolve(i Info, bi *debug.BuildInfo) Info {
	if bi == nil {
		return i
	}
	if i.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		i.Version = bi.Main.Version
	}
	var rev, at string
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if i.Commit == "none" && rev != "" {
		i.Commit = rev
		if modified {
			i.Commit += "-dirty"
		}
	}
	if i.Date == "unknown" && at != "" {
		i.Date = at
	}
	return i
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
