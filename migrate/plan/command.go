package plan

import "al.essio.dev/pkg/shellescape"

// kubectl is a kubectl command line a reviewer may paste into a shell: each
// argument shell-quoted when it needs to be, so a name or a patch cannot end
// the argument it is in and run something else.
func kubectl(args ...string) string {
	return shellescape.QuoteCommand(append([]string{"kubectl"}, args...))
}

// fileArgs are "-f PATH" for each path.
func fileArgs(paths []string) []string {
	out := make([]string, 0, 2*len(paths))
	for _, p := range paths {
		out = append(out, "-f", p)
	}
	return out
}
