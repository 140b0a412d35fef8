// Package userfile reads the files a user names — manifests, a plan
// directory, a journal, the keymap, the sandbox's pid file — bounded: a
// regular file of at most a given size, or a stream (stdin) read up to it.
// A device such as /dev/zero, a FIFO or a socket where a file is expected is
// refused before it is read, so lbctl neither blocks on it nor reads it
// until memory runs out. docs/troubleshooting.md lists the limits.
package userfile

import (
	"fmt"
	"io"
	"io/fs"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// The limits on what lbctl reads, each far above what a real input of its
// kind holds.
const (
	// ManifestLimit bounds one manifest file, or stdin, of -f and -k: a
	// `kubectl get -A -o yaml` of a large cluster's objects fits.
	ManifestLimit int64 = 256 << 20
	// PlanLimit bounds a plan's plan.json and the journal.
	PlanLimit int64 = 64 << 20
	// SmallLimit bounds the small files lbctl keeps or is configured by:
	// the health view's keys.yaml, the sandbox's pid and env files.
	SmallLimit int64 = 1 << 20
)

// Error says why a file was refused. It wraps exitcode.ErrUsage: the input
// is wrong, not lbctl.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string { return e.Path + ": " + e.Reason }

// Unwrap makes the refusal a usage error (exit 2).
func (e *Error) Unwrap() error { return exitcode.ErrUsage }

// Read reads the regular file at path (a symbolic link to one is fine) when
// it holds at most limit bytes. The file is opened without blocking, so a
// FIFO is refused rather than waited on.
func Read(path string, limit int64) ([]byte, error) {
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := Check(path, fi, limit); err != nil {
		return nil, err
	}
	return readAll(f, path, limit)
}

// Check refuses what Read would refuse, from a file's FileInfo: anything but
// a regular file, or one larger than limit.
func Check(path string, fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return &Error{Path: path, Reason: "is " + kind(fi.Mode()) + ", not a regular file"}
	}
	if fi.Size() > limit {
		return tooLarge(path, limit)
	}
	return nil
}

// ReadAll reads a stream such as stdin, named name in the error, up to
// limit bytes; a longer one is refused.
func ReadAll(r io.Reader, name string, limit int64) ([]byte, error) {
	return readAll(r, name, limit)
}

func readAll(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(name, limit)
	}
	return b, nil
}

func tooLarge(name string, limit int64) error {
	return &Error{Path: name, Reason: fmt.Sprintf("is larger than %s, the most lbctl reads from one file", Size(limit))}
}

// Size words a limit: "256 MiB", "1 MiB", "512 KiB".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
