package dataplane

import (
	"context"
	"errors"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ALBServer is the Server header of every response an ALB generates itself
// (errors, fixed responses, redirects), as on AWS; proxied responses keep
// their target's headers, so the header tells ALB errors from target errors.
const ALBServer = "awselb/2.0"

// errTargetDropped is the cancellation cause of requests still in flight to
// a target when its deregistration delay ends.
var errTargetDropped = errors.New("target deregistered")

// albRuntime is what one ALB shares across its listeners: the upstream
// transport (and so the keep-alive pool) and the idle timeout.
type albRuntime struct {
	name      string
	idle      time.Duration
	transport *http.Transport
	rnd       *randSource
	logger    *log.Logger
	pool      *bufferPool
}

func newALBRuntime(name string, idle time.Duration, rnd *randSource, logger *log.Logger) *albRuntime {
	if idle == 0 {
		idle = DefaultIdleTimeout
	}
	return &albRuntime{
		name:      name,
		idle:      idle,
		transport: newTransport(idle),
		rnd:       rnd,
		logger:    logger,
		pool:      newBufferPool(),
	}
}

// newProxy returns the reverse proxy of one listener: it adds the headers an
// ALB adds and maps upstream failures to the ALB's own error pages.
func (a *albRuntime) newProxy(listenerPort string) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			in, h := pr.In, pr.Out.Header
			client, _, err := net.SplitHostPort(in.RemoteAddr)
			if err != nil {
				client = in.RemoteAddr
			}
			if prior := in.Header.Values("X-Forwarded-For"); len(prior) > 0 {
				h.Set("X-Forwarded-For", strings.Join(prior, ", ")+", "+client)
			} else {
				h.Set("X-Forwarded-For", client)
			}
			h.Set("X-Forwarded-Proto", "http")
			h.Set("X-Forwarded-Port", listenerPort)
			h.Set("X-Amzn-Trace-Id", traceHeader(in.Header.Get("X-Amzn-Trace-Id"), time.Now()))
		},
		Transport:    a.transport,
		BufferPool:   a.pool,
		ErrorLog:     a.logger,
		ErrorHandler: a.proxyError,
	}
}

// proxyError answers what an ALB answers when its target fails: 504 when
// the target did not answer within the idle timeout, 502 for anything else
// (refused, reset, malformed, deregistered mid-request). A request whose
// client went away gets nothing (the ALB logs 460).
func (a *albRuntime) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), errTargetDropped) {
		return
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		writeALBError(w, http.StatusGatewayTimeout)
		return
	}
	writeALBError(w, http.StatusBadGateway)
}

// albStatusText are the titles of the ALB's own error pages.
func albStatusText(code int) string {
	switch code {
	case http.StatusServiceUnavailable:
		return "503 Service Temporarily Unavailable"
	case http.StatusGatewayTimeout:
		return "504 Gateway Time-out"
	}
	return strconv.Itoa(code) + " " + http.StatusText(code)
}

// writeALBError writes an error page in the ALB's format.
func writeALBError(w http.ResponseWriter, code int) {
	t := albStatusText(code)
	body := "<html>\r\n<head><title>" + t + "</title></head>\r\n<body>\r\n<center><h1>" + t +
		"</h1></center>\r\n</body>\r\n</html>\r\n"
	w.Header().Set("Server", ALBServer)
	writeBody(w, code, "text/html", []byte(body))
}

// listener is one running ALB listener: a server whose handler routes on
// the current table.
type listener struct {
	key      string // ip:listenerPort
	lbName   string
	bindSpec int // Listener.BindPort as configured
	ln       net.Listener
	srv      *http.Server
	table    atomic.Pointer[listenerTable]
	done     chan struct{}
}

func (l *listener) addr() string { return l.ln.Addr().String() }

func (l *listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := l.table.Load()
	act := t.route(normalizeHost(r.Host), r.URL.EscapedPath())
	switch act.kind {
	case actionFixed:
		w.Header().Set("Server", ALBServer)
		writeBody(w, act.fixed.status, act.fixed.contentType, act.fixed.body)
		return
	case actionRedirect:
		code := act.redirect.StatusCode
		if code == 0 {
			code = http.StatusMovedPermanently
		}
		w.Header().Set("Server", ALBServer)
		w.Header().Set("Location", redirectLocation(act.redirect, r, t.portStr))
		writeBody(w, code, "text/html", nil)
		return
	}
	tg := act.pick(t.lb.rnd)
	if tg == nil {
		writeALBError(w, http.StatusServiceUnavailable)
		return
	}
	tgt := tg.pick()
	if tgt == nil {
		writeALBError(w, http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	stop := context.AfterFunc(tgt.life, func() { cancel(errTargetDropped) })
	defer stop()
	t.proxy.ServeHTTP(w, retarget(ctx, r, tgt.addr))
}

// traceHeader returns the X-Amzn-Trace-Id an ALB sends upstream: a new Root
// when the request had none, otherwise the request's fields with a new Self.
func traceHeader(prior string, now time.Time) string {
	id := newTraceID(now)
	if prior == "" {
		return "Root=" + id
	}
	var fields []string
	hasRoot := false
	for f := range strings.SplitSeq(prior, ";") {
		f = strings.TrimSpace(f)
		if f == "" || strings.HasPrefix(f, "Self=") {
			continue
		}
		if strings.HasPrefix(f, "Root=") {
			hasRoot = true
		}
		fields = append(fields, f)
	}
	if !hasRoot {
		return "Root=" + id + ";" + strings.Join(fields, ";")
	}
	return "Self=" + id + ";" + strings.Join(fields, ";")
}

// newTraceID formats an X-Ray trace ID: version, epoch seconds in 8 hex
// digits, 96 random bits in 24. The bits come from the runtime generator:
// trace IDs need uniqueness, not reproducibility.
func newTraceID(now time.Time) string {
	const hex = "0123456789abcdef"
	var b [35]byte
	b[0], b[1], b[10] = '1', '-', '-'
	sec := uint32(now.Unix())
	for i := 9; i >= 2; i-- {
		b[i] = hex[sec&0xf]
		sec >>= 4
	}
	r1, r2 := rand.Uint64(), rand.Uint32()
	for i := 26; i >= 11; i-- {
		b[i] = hex[r1&0xf]
		r1 >>= 4
	}
	for i := 34; i >= 27; i-- {
		b[i] = hex[r2&0xf]
		r2 >>= 4
	}
	return string(b[:])
}
