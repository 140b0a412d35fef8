// Package buildinfo carries what the release build stamps into the binary
// (version, commit, date) so `version`, reports and the migration journal can
// say which lbctl produced them.
package buildinfo

import "runtime"

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
