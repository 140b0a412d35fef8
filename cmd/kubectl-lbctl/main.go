// Command kubectl-lbctl is the lbctl kubectl plugin: installed on PATH it
// answers `kubectl lbctl …`.
package main

import (
	"os"

	"github.com/lbctl/lbctl/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args))
}
