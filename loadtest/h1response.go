package loadtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strconv"
)

// maxDrain is how much of an unread response body Close reads to keep the
// connection; a longer rest closes it instead.
const maxDrain = 256 << 10

// h1Response is a response and its body in one allocation, with room for
// the usual number of header values.
type h1Response struct {
	resp http.Response
	body h1Body
	vals [8]string
}

// readResponse reads an HTTP/1.x response head from br the way
// http.ReadResponse does, with fewer allocations: the response, its body
// reader and its header values come in one allocation, common header names
// are not copied, a status line or header value equal to the connection's
// previous one is not copied either (a server sends the same ones again and
// again), and the body reader returns the connection to the pool by itself
// once read to its end.
func readResponse(br *bufio.Reader, req *http.Request, pc *h1Conn) (*http.Response, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return nil, fmt.Errorf("malformed HTTP status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil || code < 100 || (len(line) > 12 && line[12] != ' ') {
		return nil, fmt.Errorf("malformed HTTP status code in %q", line)
	}
	r := &h1Response{}
	resp := &r.resp
	*resp = http.Response{
		StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, 8), Request: req, ContentLength: -1,
	}
	if pc.status != string(line[9:]) {
		pc.status = statusText(code, line)
	}
	resp.Status = pc.status
	if line[7] == '0' {
		resp.Proto, resp.ProtoMinor = "HTTP/1.0", 0
		resp.Close = true
	}
	chunked := false
	vals := r.vals[:0]
	for {
		l, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			break
		}
		i := bytes.IndexByte(l, ':')
		if i <= 0 {
			return nil, fmt.Errorf("malformed HTTP header line %q", l)
		}
		key, common := headerKey(l[:i])
		raw := bytes.TrimSpace(l[i+1:])
		var val string
		if common >= 0 && pc.values[common] == string(raw) {
			val = pc.values[common]
		} else {
			val = string(raw)
			if common >= 0 {
				pc.values[common] = val
			}
		}
		if old := resp.Header[key]; len(old) > 0 || len(vals) == cap(vals) {
			resp.Header[key] = append(old, val)
		} else {
			vals = append(vals, val)
			resp.Header[key] = vals[len(vals)-1 : len(vals) : len(vals)]
		}
		switch key {
		case "Content-Length":
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad Content-Length %q", val)
			}
			resp.ContentLength = n
		case "Transfer-Encoding":
			chunked = val == "chunked"
		case "Connection":
			switch {
			case equalFold(val, "close"):
				resp.Close = true
			case equalFold(val, "keep-alive") && resp.ProtoMinor == 0:
				resp.Close = false
			}
		}
	}
	body := &r.body
	*body = h1Body{pc: pc, br: br, reuse: pc.t.keepAlive && !resp.Close}
	switch {
	case req.Method == http.MethodHead || code == http.StatusNoContent || code == http.StatusNotModified || code < 200:
		body.n = 0
		resp.ContentLength = 0
	case chunked:
		resp.ContentLength = -1
		body.chunked = httputil.NewChunkedReader(br)
	case resp.ContentLength >= 0:
		body.n = resp.ContentLength
	default:
		// No length: the body runs to the connection's end.
		body.n, body.reuse, resp.Close = -1, false, true
	}
	resp.Body = body
	return resp, nil
}

// readLine returns one line without its CRLF; the slice is valid until the
// next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		rest, err2 := br.ReadBytes('\n')
		line, err = append(append([]byte(nil), line...), rest...), err2
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// statusText is "200 OK" from the status line, as http.Response.Status has it.
func statusText(code int, line []byte) string {
	if len(line) > 13 {
		return string(line[9:])
	}
	if code == 200 {
		return "200 OK"
	}
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

// headerKey canonicalizes a header name, without allocating for the names
// responses usually carry; common is the name's index in commonHeaders (-1
// for another name).
func headerKey(b []byte) (key string, common int) {
	for i, k := range commonHeaders {
		if len(k) == len(b) && equalFold(string(b), k) {
			return k, i
		}
	}
	return http.CanonicalHeaderKey(string(b)), -1
}

var commonHeaders = [numCommonHeaders]string{
	"Content-Length", "Content-Type", "Date", "Server", "Connection", "Transfer-Encoding",
	DefaultPodHeader, "X-Lbctl-Zone", "Keep-Alive", "Cache-Control", "Location", "Etag", "Last-Modified",
}

const numCommonHeaders = 13

// equalFold compares ASCII strings case-insensitively (the compiler does
// not allocate for the string(b) conversion it is called with).
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// h1Body reads a response body and returns the connection to the pool once
// the body was read to its end and closed; anything else closes it.
type h1Body struct {
	pc      *h1Conn
	br      *bufio.Reader
	n       int64 // bytes left (-1: until the connection ends)
	chunked io.Reader
	reuse   bool
	closed  bool
	err     error
}

func (b *h1Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.chunked != nil {
		n, err := b.chunked.Read(p)
		if errors.Is(err, io.EOF) {
			// The trailer section ends with an empty line.
			for {
				l, lerr := readLine(b.br)
				if lerr != nil {
					b.err = lerr
					return n, lerr
				}
				if len(l) == 0 {
					break
				}
			}
		}
		if err != nil {
			b.err = err
		}
		return n, err
	}
	if b.n == 0 {
		b.err = io.EOF
		return 0, io.EOF
	}
	if b.n > 0 && int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.br.Read(p)
	if b.n > 0 {
		b.n -= int64(n)
		if b.n == 0 {
			err = io.EOF
		} else if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// Close implements io.Closer: it reads what is left (up to maxDrain) so
// the connection can serve the next request.
func (b *h1Body) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	reuse := b.reuse
	if b.err == nil && reuse {
		if b.n > maxDrain {
			reuse = false
		} else if _, err := io.Copy(io.Discard, b); err != nil {
			reuse = false
		}
	}
	if reuse && errors.Is(b.err, io.EOF) {
		b.pc.t.put(b.pc)
	} else {
		b.pc.close()
	}
	return nil
}
