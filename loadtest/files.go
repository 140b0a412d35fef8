package loadtest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Limits on what a load test reads, so that no file (or FIFO, or device)
// handed to lbctl can take all of a machine's memory. docs/loadtest.md
// lists them.
const (
	// MaxRunFileBytes bounds a RUN.json (and a worker's result).
	MaxRunFileBytes = 128 << 20
	// MaxTargetsFileBytes bounds a target file (--targets, file:PATH).
	MaxTargetsFileBytes = 64 << 20
	// MaxBodyBytes bounds a request body (--body, a target file's @PATH,
	// a JSON target's body).
	MaxBodyBytes = 16 << 20
	// MaxTargets bounds the targets of one run, and so the rules of a
	// RUN.json: each keeps a latency histogram of about 180 KB.
	MaxTargets = 1000
	// MaxWindows bounds the 1 s windows of a run (24 h: --duration and
	// --warmup together), and how far apart the runs merged into one may
	// have started.
	MaxWindows = 24 * 3600
	// maxTargetLine bounds one line of a target file.
	maxTargetLine = 1 << 20
)

// ErrTooLarge is wrapped by the errors of input past a limit.
var ErrTooLarge = errors.New("too large")

// ReadFile reads a regular file of at most limit bytes: a FIFO, a device
// (/dev/zero) or a directory is refused before anything is read.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := OpenFile(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, limit)
}

// OpenFile opens a regular file of at most limit bytes for reading.
func OpenFile(path string, limit int64) (*os.File, error) {
	// Stat first: opening a FIFO blocks until a writer comes.
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, fileKind(st.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, fileKind(st.Mode()))
	}
	if st.Size() > limit {
		f.Close()
		return nil, fmt.Errorf("%s: %w: %s, more than %s", path, ErrTooLarge, fmtBytes(st.Size()), fmtBytes(limit))
	}
	return f, nil
}

// readLimited reads r to its end, refusing more than limit bytes (a file
// that grew, a stream).
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %s", ErrTooLarge, fmtBytes(limit))
	}
	return b, nil
}

// limitedReader reads at most limit bytes of r and fails past them.
type limitedReader struct {
	r    io.Reader
	left int64
	max  int64
}

func newLimitedReader(r io.Reader, limit int64) *limitedReader {
	return &limitedReader{r: r, left: limit + 1, max: limit}
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, fmt.Errorf("%w: more than %s", ErrTooLarge, fmtBytes(l.max))
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left <= 0 {
		return n, fmt.Errorf("%w: more than %s", ErrTooLarge, fmtBytes(l.max))
	}
	return n, err
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
