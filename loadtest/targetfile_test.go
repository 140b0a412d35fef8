package loadtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The last target of a file without a final newline is read, in both
// formats.
func TestTargetFileWithoutFinalNewline(t *testing.T) {
	for _, tc := range []struct{ format, file string }{
		{FormatJSON, `{"method":"GET","url":"http://a.example.com/"}` + "\n" + `{"method":"POST","url":"http://b.example.com/"}`},
		{FormatHTTP, "GET http://a.example.com/\n\nPOST http://b.example.com/\nX-Team: b"},
	} {
		ts, err := ReadTargets(strings.NewReader(tc.file), TargetFile{Format: tc.format})
		if err != nil || len(ts) != 2 || ts[1].Name != "POST http://b.example.com/" {
			t.Errorf("%s: %d targets %+v, %v; want both", tc.format, len(ts), ts, err)
		}
	}
}

// CR, LF and other bytes net/http would refuse never reach the HTTP/1.1
// writer from a target file: the file is refused, naming the line.
func TestTargetFileRefusesWhatNetHTTPWould(t *testing.T) {
	for _, tc := range []struct {
		name, format, file, says string
	}{
		{"json header value with CRLF", FormatJSON, `{"method":"GET","url":"http://a/"}` + "\n" + `{"method":"GET","url":"http://a/","header":{"X-A":["1\r\nX-Injected: 1"]}}`, "line 2: header X-A: value"},
		{"json header name with a space", FormatJSON, `{"method":"GET","url":"http://a/","header":{"X A":["1"]}}`, `line 1: header name "X A"`},
		{"json Host with a slash", FormatJSON, `{"method":"GET","url":"http://a/","header":{"Host":["a/b c"]}}`, "line 1: header Host"},
		{"json method with CRLF", FormatJSON, `{"method":"GET / HTTP/1.1\r\nX:","url":"http://a/"}`, "line 1: method"},
		{"json URL with LF", FormatJSON, `{"method":"GET","url":"http://a/\nx"}`, "line 1: url"},
		{"json URL with a bad host", FormatJSON, `{"method":"GET","url":"http://a b/"}`, "line 1: url"},
		{"json missing url", FormatJSON, `{"method":"GET"}`, "line 1: method and url are required"},
		{"http header value with CR", FormatHTTP, "GET http://a/\nX-A: 1\rX-Injected: 1\n", "line 2: header"},
		{"http header name", FormatHTTP, "GET http://a/\n\nGET http://b/\nBad Name: 1\n", "line 4: header"},
		{"http bad target line", FormatHTTP, "get http://a/\n", "line 1:"},
		{"http Host with CR", FormatHTTP, "GET http://a/\nHost: a\x01b\n", "line 2: header"},
	} {
		_, err := ReadTargets(strings.NewReader(tc.file), TargetFile{Format: tc.format})
		if err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: got %v, want an error saying %q", tc.name, err, tc.says)
		}
	}
}

// A body from /dev/zero, a FIFO or a file past the limit is refused before
// it is read; so are too many targets and an endless line.
func TestTargetFileBounds(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"/dev/zero", dir} {
		_, err := ReadTargets(strings.NewReader("POST http://a/\n@"+path+"\n"), TargetFile{})
		if err == nil || !strings.Contains(err.Error(), "line 2: body: "+path+": not a regular file") {
			t.Errorf("@%s: %v", path, err)
		}
		if _, err := ReadFile(path, MaxBodyBytes); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("ReadFile(%s): %v", path, err)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := OpenFile(fifo, MaxTargetsFileBytes); err == nil || !strings.Contains(err.Error(), "a FIFO") {
		t.Errorf("FIFO: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2048), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big, 1024); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a 2 KiB file under a 1 KiB limit: %v", err)
	}
	var many strings.Builder
	for i := range MaxTargets + 1 {
		fmt.Fprintf(&many, "GET http://a/%d\n", i)
	}
	if _, err := ReadTargets(strings.NewReader(many.String()), TargetFile{}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d targets", MaxTargets)) {
		t.Errorf("%d targets: %v", MaxTargets+1, err)
	}
	if _, err := ReadTargets(zeros{}, TargetFile{Format: FormatJSON}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("an endless line: %v", err)
	}
}

// zeros is an endless stream of NUL bytes, as /dev/zero on stdin.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
