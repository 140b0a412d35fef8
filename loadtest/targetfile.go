package loadtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Target file formats, vegeta's.
const (
	// FormatHTTP is "METHOD URL" lines, each followed by "Name: value"
	// header lines and an optional "@PATH" body line, targets apart by a
	// blank line; # starts a comment.
	FormatHTTP = "http"
	// FormatJSON is one JSON object per line: method, url, header (name to
	// values) and body (base64).
	FormatJSON = "json"
)

// TargetFile says how to read a target file.
type TargetFile struct {
	// Format is FormatHTTP ("" too) or FormatJSON.
	Format string
	// Defaults are what --header and --body add to every target: the
	// file's headers are added to the default ones, its body replaces the
	// default one.
	Defaults RequestOptions
	// ReadBody reads an http-format "@PATH" body (nil: ReadFile with
	// MaxBodyBytes, the path relative to the working directory, as vegeta).
	ReadBody func(path string) ([]byte, error)
}

// ReadTargets reads a target file of at most MaxTargetsFileBytes and
// MaxTargets targets. Every target is checked as net/http checks a
// request before writing it (method, URL, Host, header names and values:
// no CR, LF or other control byte reaches the wire); an error names the
// line.
func ReadTargets(r io.Reader, f TargetFile) ([]Target, error) {
	var (
		out []Target
		err error
	)
	in := newLimitedReader(r, MaxTargetsFileBytes)
	switch f.Format {
	case "", FormatHTTP:
		out, err = readHTTPTargets(in, f)
	case FormatJSON:
		out, err = readJSONTargets(in, f)
	default:
		return nil, fmt.Errorf("target format %q: want http or json", f.Format)
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("target file: %w", ErrNoTargets)
	}
	return out, nil
}

// lines calls fn with each line of r (the last one too when it lacks a
// final newline), numbered from 1.
func lines(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxTargetLine)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: %w: longer than %s", n+1, ErrTooLarge, fmtBytes(maxTargetLine))
		}
		return fmt.Errorf("after line %d: %w", n, err)
	}
	return nil
}

func (f TargetFile) target(method, rawURL string, header http.Header, body []byte) Target {
	t := Target{Method: method, URL: rawURL, Header: f.Defaults.Header.Clone(), Body: f.Defaults.Body}
	if t.Header == nil {
		t.Header = http.Header{}
	}
	for k, vs := range header {
		for _, v := range vs {
			t.Header.Add(k, v)
		}
	}
	if len(body) > 0 {
		t.Body = body
	}
	return t
}

// finish checks a target read from a file and names it.
func finish(out []Target, t Target, line int) ([]Target, error) {
	if len(out) >= MaxTargets {
		return nil, fmt.Errorf("line %d: more than %d targets: split the file over several runs", line, MaxTargets)
	}
	u, err := checkTarget(t)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", line, err)
	}
	t.URL, t.Name = u, t.Method+" "+u
	return append(out, t), nil
}

// checkTarget checks what lbctl's HTTP/1.1 writer would write raw: the
// method is a token, the URL an absolute http(s) URL with a valid host,
// every header name a token and every value free of CR, LF and other
// control bytes, the Host header a valid host. It returns the URL as sent.
func checkTarget(t Target) (string, error) {
	if !httpguts.ValidHeaderFieldName(t.Method) {
		return "", fmt.Errorf("method %q: not a valid HTTP method", t.Method)
	}
	u, err := checkURL(t.URL)
	if err != nil {
		return "", err
	}
	if pu, _ := url.Parse(u); pu == nil || !httpguts.ValidHostHeader(pu.Host) {
		return "", fmt.Errorf("url %q: invalid host", t.URL)
	}
	for k, vs := range t.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return "", fmt.Errorf("header name %q: not a valid header name", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return "", fmt.Errorf("header %s: value %q holds CR, LF or another control byte", k, v)
			}
			if http.CanonicalHeaderKey(k) == "Host" && !httpguts.ValidHostHeader(v) {
				return "", fmt.Errorf("header Host: %q is not a valid host", v)
			}
		}
	}
	if len(t.Body) > MaxBodyBytes {
		return "", fmt.Errorf("body: %w: more than %s", ErrTooLarge, fmtBytes(MaxBodyBytes))
	}
	return u, nil
}

// startsTarget reports a "METHOD URL" line (vegeta: upper-case letters,
// then white space).
func startsTarget(line string) bool {
	i := 0
	for i < len(line) && line[i] >= 'A' && line[i] <= 'Z' {
		i++
	}
	return i > 0 && i < len(line) && (line[i] == ' ' || line[i] == '\t')
}

func readHTTPTargets(r io.Reader, f TargetFile) ([]Target, error) {
	readBody := f.ReadBody
	if readBody == nil {
		readBody = func(path string) ([]byte, error) { return ReadFile(path, MaxBodyBytes) }
	}
	var (
		out    []Target
		cur    *Target
		curAt  int
		header http.Header
		body   []byte
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		t := f.target(cur.Method, cur.URL, header, body)
		var err error
		out, err = finish(out, t, curAt)
		cur, header, body = nil, nil, nil
		return err
	}
	err := lines(r, func(n int, raw string) error {
		line := strings.TrimSpace(raw)
		if cur != nil {
			switch {
			case line == "":
				return flush()
			case strings.HasPrefix(line, "#"):
				return nil
			case strings.HasPrefix(line, "@"):
				b, err := readBody(line[1:])
				if err != nil {
					return fmt.Errorf("line %d: body: %w", n, err)
				}
				body = b
				return flush()
			case !startsTarget(line):
				k, v, ok := strings.Cut(line, ":")
				k, v = strings.TrimSpace(k), strings.TrimSpace(v)
				if !ok || k == "" || v == "" {
					return fmt.Errorf("line %d: header %q: want \"Name: value\"", n, line)
				}
				if !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidHeaderFieldValue(v) {
					return fmt.Errorf("line %d: header %q: invalid name, or a value with CR, LF or another control byte", n, line)
				}
				if http.CanonicalHeaderKey(k) == "Host" && !httpguts.ValidHostHeader(v) {
					return fmt.Errorf("line %d: header Host: %q is not a valid host", n, v)
				}
				header.Add(k, v)
				return nil
			}
			if err := flush(); err != nil {
				return err
			}
		}
		if line == "" || strings.HasPrefix(line, "#") {
			return nil
		}
		method, rawURL, ok := strings.Cut(line, " ")
		if !ok || !startsTarget(line) {
			return fmt.Errorf("line %d: %q: want METHOD URL", n, line)
		}
		cur, curAt, header = &Target{Method: method, URL: strings.TrimSpace(rawURL)}, n, http.Header{}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// jsonTarget is one line of the json format.
type jsonTarget struct {
	Method string              `json:"method"`
	URL    string              `json:"url"`
	Header map[string][]string `json:"header"`
	Body   []byte              `json:"body"`
}

func readJSONTargets(r io.Reader, f TargetFile) ([]Target, error) {
	var out []Target
	err := lines(r, func(n int, raw string) error {
		line := strings.TrimSpace(raw)
		if line == "" {
			return nil
		}
		var jt jsonTarget
		if err := json.Unmarshal([]byte(line), &jt); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if jt.Method == "" || jt.URL == "" {
			return fmt.Errorf("line %d: method and url are required", n)
		}
		var err error
		out, err = finish(out, f.target(jt.Method, jt.URL, jt.Header, jt.Body), n)
		return err
	})
	return out, err
}
