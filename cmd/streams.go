package cmd

import (
	"bytes"
	"os"
	"strings"

	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// Streams are the standard streams a command writes to, with what it needs to
// know about the terminal: whether a person is looking and whether colour is wanted.
type Streams struct {
	genericiooptions.IOStreams
	InTTY  bool
	OutTTY bool
	// Env looks up environment variables (os.LookupEnv in production).
	Env func(string) (string, bool)
}

// SystemStreams returns the process's streams with TTY detection.
func SystemStreams() *Streams {
	return &Streams{
		IOStreams: genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr},
		InTTY:     term.IsTerminal(int(os.Stdin.Fd())),
		OutTTY:    term.IsTerminal(int(os.Stdout.Fd())),
		Env:       os.LookupEnv,
	}
}

// TestStreams returns buffered streams for tests; the environment is empty
// unless env is given as KEY=VALUE pairs.
func TestStreams(env ...string) (*Streams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return &Streams{
		IOStreams: genericiooptions.IOStreams{In: in, Out: out, ErrOut: errOut},
		Env: func(k string) (string, bool) {
			v, ok := m[k]
			return v, ok
		},
	}, in, out, errOut
}

func (s *Streams) getenv(k string) string {
	if s.Env == nil {
		return ""
	}
	v, _ := s.Env(k)
	return v
}

// CI reports whether the process runs in CI (CI set to anything but "false"):
// no TUI and no prompts there.
func (s *Streams) CI() bool {
	v := s.getenv("CI")
	return v != "" && v != "false"
}

// Interactive reports whether a person is at a terminal: stdin and stdout are
// TTYs and the process is not in CI.
func (s *Streams) Interactive() bool {
	return s.InTTY && s.OutTTY && !s.CI()
}

// ColorEnabled decides colour from --color (auto|always|never), NO_COLOR,
// TERM=dumb and whether stdout is a terminal.
func (s *Streams) ColorEnabled(mode string) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if s.getenv("NO_COLOR") != "" {
		return false
	}
	if s.getenv("TERM") == "dumb" {
		return false
	}
	return s.OutTTY
}
