package dataplane

import (
	"io"
	"log"
	"strings"
)

// logfWriter adapts a Logf function to the io.Writer a *log.Logger needs, so
// net/http's server and proxy errors reach the injected logger instead of
// the process's stderr.
type logfWriter func(string, ...any)

func (f logfWriter) Write(b []byte) (int, error) {
	f("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

func newLogger(logf func(string, ...any)) *log.Logger {
	if logf == nil {
		return discardLogger()
	}
	return log.New(logfWriter(logf), "", 0)
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }

func nopLogf(string, ...any) {}
