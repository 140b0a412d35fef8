package distributed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/lbctl/lbctl/loadtest"
)

// resultPrefix starts the log lines that carry a worker's result: the
// RUN.json, gzipped, base64, in chunks short enough that no container
// runtime splits a line (CRI splits log lines at 16 KiB).
const (
	resultPrefix = "lbctl-result "
	chunkSize    = 8 << 10
)

// ErrNoResult is returned for logs that hold no complete result.
var ErrNoResult = errors.New("no result in the worker's log")

// WriteResult writes a worker's run to its log as result lines:
// "lbctl-result I/N CHUNK".
func WriteResult(w io.Writer, run *loadtest.Run) error {
	var z bytes.Buffer
	gz := gzip.NewWriter(&z)
	if err := run.WriteJSON(gz); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(z.Bytes())
	n := (len(enc) + chunkSize - 1) / chunkSize
	bw := bufio.NewWriter(w)
	for i := 0; i < n; i++ {
		chunk := enc[i*chunkSize : min(len(enc), (i+1)*chunkSize)]
		fmt.Fprintf(bw, "%s%d/%d %s\n", resultPrefix, i+1, n, chunk)
	}
	return bw.Flush()
}

// ReadResult finds the result lines in a worker's log (other lines, the
// worker's messages, are skipped) and decodes the run.
func ReadResult(log io.Reader) (*loadtest.Run, error) {
	sc := bufio.NewScanner(log)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var (
		chunks []string
		total  int
	)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), resultPrefix)
		if !ok {
			continue
		}
		pos, chunk, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("malformed result line %q", truncate(sc.Text()))
		}
		is, ns, ok := strings.Cut(pos, "/")
		i, err1 := strconv.Atoi(is)
		n, err2 := strconv.Atoi(ns)
		if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
			return nil, fmt.Errorf("malformed result line %q", truncate(sc.Text()))
		}
		if i == 1 {
			chunks, total = nil, n // a restarted write starts over
		}
		if n != total || i != len(chunks)+1 {
			return nil, fmt.Errorf("result chunk %d/%d out of order", i, n)
		}
		chunks = append(chunks, chunk)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if total == 0 || len(chunks) != total {
		return nil, ErrNoResult
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(chunks, ""))
	if err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	return loadtest.ReadRun(gz)
}

// LastLines are the last n lines of a log that are not result lines: what
// a failed worker said.
func LastLines(log string, n int) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(log, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, resultPrefix) {
			keep = append(keep, l)
		}
	}
	if len(keep) > n {
		keep = keep[len(keep)-n:]
	}
	return strings.Join(keep, "; ")
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
