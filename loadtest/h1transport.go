package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// DialFunc dials a network address; the engine's routes are built of them.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// h1Transport is a minimal HTTP/1.1 client transport for plain-text
// keep-alive load. Each request is written and its response read on the
// calling goroutine over a pooled connection: two syscalls and no goroutine
// handoff per request, where net/http's Transport runs a reader and a writer
// goroutine per connection and hands every request to both. On a small
// machine that handoff costs more than the request itself, which is what
// keeps vegeta's CLI at a fraction of wrk's rate. HTTPS and HTTP/2 go
// through net/http's Transport (see newStdTransport).
type h1Transport struct {
	dial      DialFunc
	timeout   time.Duration // whole request, response body included; 0 none
	keepAlive bool
	userAgent string
	idle      chan *h1Conn
	sem       chan struct{} // nil: no limit on open connections

	mu     sync.Mutex
	conns  map[*h1Conn]struct{}
	closed bool
}

// h1Options configure an h1Transport.
type h1Options struct {
	Dial      DialFunc
	Timeout   time.Duration
	KeepAlive bool
	// MaxIdle bounds the idle connections kept for reuse.
	MaxIdle int
	// MaxConns bounds the open connections (0: no bound); requests wait
	// for a free one.
	MaxConns  int
	UserAgent string
}

func newH1Transport(o h1Options) *h1Transport {
	if o.MaxIdle <= 0 {
		o.MaxIdle = 10000
	}
	t := &h1Transport{
		dial: o.Dial, timeout: o.Timeout, keepAlive: o.KeepAlive, userAgent: o.UserAgent,
		idle:  make(chan *h1Conn, o.MaxIdle),
		conns: map[*h1Conn]struct{}{},
	}
	if o.MaxConns > 0 {
		t.sem = make(chan struct{}, o.MaxConns)
	}
	return t
}

var _ http.RoundTripper = (*h1Transport)(nil)

type h1Conn struct {
	t  *h1Transport
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
	// deadline is the connection's read/write deadline (zero: none set).
	deadline time.Time
	// status and values (by commonHeaders index) are the previous
	// response's, which the next one shares when they are equal.
	status string
	values [numCommonHeaders]string
}

// deadlineSlack is how much earlier than its limit a request may be cut
// off by a deadline an earlier request on the connection set (at most 1%
// of the timeout).
const deadlineSlack = 10 * time.Millisecond

// errTransportClosed is returned for requests made after CloseAll.
var errTransportClosed = errors.New("transport closed")

// RoundTrip sends one request. A request that fails on a reused
// connection before any response byte arrived (the server closed it while
// idle) is retried once on a new connection when its body can be replayed.
func (t *h1Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("h1 transport: unsupported scheme %q", req.URL.Scheme)
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		pc, reused, err := t.get(ctx, addr)
		if err != nil {
			return nil, err
		}
		resp, err := pc.roundTrip(ctx, req)
		if err == nil {
			return resp, nil
		}
		pc.close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		if reused && attempt == 0 && staleConn(err) {
			if req.Body != nil && req.Body != http.NoBody {
				if req.GetBody == nil {
					return nil, err
				}
				body, gerr := req.GetBody()
				if gerr != nil {
					return nil, err
				}
				req.Body = body
			}
			continue
		}
		return nil, err
	}
}

// staleConn reports an error that a keep-alive connection closed by the
// server produces on the next request.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

func (t *h1Transport) get(ctx context.Context, addr string) (*h1Conn, bool, error) {
	select {
	case pc := <-t.idle:
		return pc, true, nil
	default:
	}
	if t.sem != nil {
		select {
		case pc := <-t.idle:
			return pc, true, nil
		case t.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	c, err := t.dial(ctx, "tcp", addr)
	if err != nil {
		if t.sem != nil {
			<-t.sem
		}
		return nil, false, err
	}
	pc := &h1Conn{t: t, c: c, br: bufio.NewReaderSize(c, 4096), bw: bufio.NewWriterSize(c, 4096)}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		pc.close()
		return nil, false, errTransportClosed
	}
	t.conns[pc] = struct{}{}
	t.mu.Unlock()
	return pc, false, nil
}

func (t *h1Transport) put(pc *h1Conn) {
	select {
	case t.idle <- pc:
	default:
		pc.close()
	}
}

// CloseIdleConnections closes the connections waiting for reuse, so the next
// requests dial again (and follow a DNS change).
func (t *h1Transport) CloseIdleConnections() {
	for {
		select {
		case pc := <-t.idle:
			pc.close()
		default:
			return
		}
	}
}

// CloseAll closes every connection, in flight or idle: requests in flight
// fail at once, as Ctrl-C wants.
func (t *h1Transport) CloseAll() {
	t.mu.Lock()
	t.closed = true
	conns := make([]*h1Conn, 0, len(t.conns))
	for pc := range t.conns {
		conns = append(conns, pc)
	}
	t.mu.Unlock()
	for _, pc := range conns {
		pc.close()
	}
}

func (pc *h1Conn) close() {
	t := pc.t
	t.mu.Lock()
	_, open := t.conns[pc]
	delete(t.conns, pc)
	t.mu.Unlock()
	_ = pc.c.Close()
	if open && t.sem != nil {
		<-t.sem
	}
}

func (pc *h1Conn) roundTrip(ctx context.Context, req *http.Request) (*http.Response, error) {
	if t := pc.t.timeout; t > 0 {
		// Setting a deadline costs a timer update: keep the one set for an
		// earlier request while it ends less than deadlineSlack before this
		// request's limit.
		d := time.Now().Add(t)
		if d.Sub(pc.deadline) > min(t/100, deadlineSlack) || pc.deadline.After(d) {
			if err := pc.c.SetDeadline(d); err != nil {
				return nil, err
			}
			pc.deadline = d
		}
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = pc.c.SetDeadline(time.Unix(1, 0)) })
		defer stop()
		pc.deadline = time.Time{} // the next request sets its own
	}
	if err := pc.write(req); err != nil {
		return nil, err
	}
	return readResponse(pc.br, req, pc)
}

func (pc *h1Conn) write(req *http.Request) error {
	w := pc.bw
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	ua := false
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Connection", "Transfer-Encoding":
			continue
		case "X-Vegeta-Seq":
			// vegeta numbers each request for the server; lbctl tells its
			// results apart by the URL tag and sends requests as clients
			// do, without it.
			continue
		case "User-Agent":
			ua = true
		}
		for _, v := range vs {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	if !ua && pc.t.userAgent != "" {
		w.WriteString("User-Agent: ")
		w.WriteString(pc.t.userAgent)
		w.WriteString("\r\n")
	}
	if !pc.t.keepAlive {
		w.WriteString("Connection: close\r\n")
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody {
		if req.ContentLength < 0 {
			return errors.New("h1 transport: request body of unknown length")
		}
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(req.ContentLength, 10))
		w.WriteString("\r\n")
	} else if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		w.WriteString("Content-Length: 0\r\n")
	}
	if _, err := w.WriteString("\r\n"); err != nil {
		return err
	}
	if hasBody {
		if _, err := io.Copy(w, req.Body); err != nil {
			return err
		}
		_ = req.Body.Close()
	}
	return w.Flush()
}
