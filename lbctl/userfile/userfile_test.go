package userfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("kind: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(small, 8); err != nil || string(b) != "kind: x\n" {
		t.Errorf("a file of the limit: %q %v", b, err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(small, link); err == nil {
		if _, err := Read(link, 8); err != nil {
			t.Errorf("a link to a regular file: %v", err)
		}
	}
	for name, tc := range map[string]struct {
		path string
		want string
	}{
		"too large": {small, "is larger than 7 bytes"},
		"directory": {dir, "is a directory, not a regular file"},
		"/dev/zero": {"/dev/zero", "is a character device, not a regular file"},
		"/dev/null": {os.DevNull, "is a character device"},
	} {
		if runtime.GOOS == "windows" && strings.HasPrefix(tc.path, "/dev") {
			continue
		}
		_, err := Read(tc.path, 7)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) || !errors.Is(err, exitcode.ErrUsage) {
			t.Errorf("%s: %v, want a usage error naming %s with %q", name, err, tc.path, tc.want)
		}
	}
	if _, err := Read(filepath.Join(dir, "missing"), 7); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v, want os.ErrNotExist", err)
	}
}

// A FIFO is refused at once: opening it does not wait for a writer, and it
// is never read.
func TestReadFIFO(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	fifo := filepath.Join(t.TempDir(), "plan.json")
	if err := exec.Command("mkfifo", fifo).Run(); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Read(fifo, PlanLimit); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a FIFO, not a regular file") {
			t.Errorf("a FIFO: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read blocked on a FIFO")
	}
}

func TestReadAll(t *testing.T) {
	if b, err := ReadAll(strings.NewReader("abc"), "STDIN", 3); err != nil || string(b) != "abc" {
		t.Errorf("a stream of the limit: %q %v", b, err)
	}
	if _, err := ReadAll(zeros{}, "STDIN", 1<<20); err == nil || err.Error() != "STDIN: is larger than 1 MiB, the most lbctl reads from one file" {
		t.Errorf("an endless stream: %v", err)
	}
}

// zeros is an endless stream, as /dev/zero.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{ManifestLimit: "256 MiB", PlanLimit: "64 MiB", SmallLimit: "1 MiB", 512 << 10: "512 KiB", 7: "7 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
