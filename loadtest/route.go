package loadtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TransportOptions are the connection settings of every route.
type TransportOptions struct {
	// Connections bounds the idle connections kept per route (default 10000).
	Connections int
	// MaxConnections bounds the open connections per route (0: none).
	MaxConnections int
	KeepAlive      bool
	// HTTP2 negotiates HTTP/2 over TLS (https targets).
	HTTP2 bool
	// Insecure skips TLS certificate verification.
	Insecure bool
	// Timeout bounds a request, response body included (0: none).
	Timeout time.Duration
	// StdTransport sends plain-HTTP targets through net/http's Transport
	// too, instead of the lighter HTTP/1.1 client.
	StdTransport bool
	UserAgent    string
}

// routeKey tells routes apart: requests with the same scheme and connect
// address (the URL's host when none is set) share connections.
func routeKey(t Target) (string, error) {
	u, err := url.Parse(t.URL)
	if err != nil {
		return "", fmt.Errorf("target %s: %w", t.Name, err)
	}
	c := t.Connect
	if c == "" {
		c = u.Host
	}
	return u.Scheme + "|" + strings.ToLower(c), nil
}

// router sends each request through its target's route. The target is
// named by the request URL's fragment, which the engine sets ("#7") and
// HTTP never sends, so one vegeta attacker can drive any number of routes:
// the rules of several ALBs, or both paths of an A/B test even when they
// share a host name.
type router struct {
	routes  []http.RoundTripper
	byIndex []int // target index → route
	closers []func()
	idle    []func()
}

var _ http.RoundTripper = (*router)(nil)

func newRouter(stop context.Context, targets []Target, res *resolver, base DialFunc, o TransportOptions) (*router, error) {
	r := &router{byIndex: make([]int, len(targets))}
	keys := map[string]int{}
	for i, t := range targets {
		k, err := routeKey(t)
		if err != nil {
			return nil, err
		}
		ri, ok := keys[k]
		if !ok {
			ri = len(r.routes)
			keys[k] = ri
			scheme, _, _ := strings.Cut(k, "|")
			dial := res.dialer(base, t.Connect)
			if scheme == "http" && !o.StdTransport {
				h1 := newH1Transport(h1Options{Dial: dial, Timeout: o.Timeout, KeepAlive: o.KeepAlive,
					MaxIdle: o.Connections, MaxConns: o.MaxConnections, UserAgent: o.UserAgent})
				r.routes = append(r.routes, h1)
				r.closers = append(r.closers, h1.CloseAll)
				r.idle = append(r.idle, h1.CloseIdleConnections)
			} else {
				st := newStdTransport(dial, o)
				r.routes = append(r.routes, &stdRoute{rt: st, stop: stop, timeout: o.Timeout, ua: o.UserAgent})
				r.closers = append(r.closers, st.CloseIdleConnections)
				r.idle = append(r.idle, st.CloseIdleConnections)
			}
		}
		r.byIndex[i] = ri
	}
	return r, nil
}

// RoundTrip implements http.RoundTripper.
func (r *router) RoundTrip(req *http.Request) (*http.Response, error) {
	i, ok := tagIndex(req.URL.Fragment)
	if !ok || i >= len(r.byIndex) {
		return nil, fmt.Errorf("request %s names no target", req.URL.Redacted())
	}
	return r.routes[r.byIndex[i]].RoundTrip(req)
}

// closeAll fails requests in flight and closes every connection.
func (r *router) closeAll() {
	for _, c := range r.closers {
		c()
	}
}

// closeIdle closes idle connections, so new ones follow a DNS change.
func (r *router) closeIdle() {
	for _, c := range r.idle {
		c()
	}
}

// tagURL appends the target tag to a target's URL.
func tagURL(u string, i int) string { return u + "#" + strconv.Itoa(i) }

// tagIndex parses a tag (a URL fragment).
func tagIndex(frag string) (int, bool) {
	n := 0
	if frag == "" {
		return 0, false
	}
	for i := 0; i < len(frag); i++ {
		c := frag[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// urlTag returns the target index of a result's URL.
func urlTag(u string) (int, bool) {
	i := strings.LastIndexByte(u, '#')
	if i < 0 {
		return 0, false
	}
	return tagIndex(u[i+1:])
}

func newStdTransport(dial DialFunc, o TransportOptions) *http.Transport {
	tr := &http.Transport{
		DialContext:         dial,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: o.Insecure}, //nolint:gosec // --insecure asks for it
		MaxIdleConnsPerHost: o.Connections,
		MaxConnsPerHost:     o.MaxConnections,
		DisableKeepAlives:   !o.KeepAlive,
		DisableCompression:  true,
		ForceAttemptHTTP2:   o.HTTP2,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	if tr.MaxIdleConnsPerHost <= 0 {
		tr.MaxIdleConnsPerHost = 10000
	}
	if !o.HTTP2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return tr
}

// stdRoute bounds each request through net/http's Transport by the
// timeout and ends it when the run stops.
type stdRoute struct {
	rt      http.RoundTripper
	stop    context.Context
	timeout time.Duration
	ua      string
}

func (s *stdRoute) RoundTrip(req *http.Request) (*http.Response, error) {
	var ctx context.Context
	var cancel context.CancelFunc
	if s.timeout > 0 {
		ctx, cancel = context.WithTimeout(s.stop, s.timeout)
	} else {
		ctx, cancel = context.WithCancel(s.stop)
	}
	req = req.WithContext(ctx)
	if s.ua != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", s.ua)
	}
	resp, err := s.rt.RoundTrip(req)
	if err != nil {
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("request timeout after %s: %w", s.timeout, err)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// ErrUnresolvable is wrapped when a target's host name does not resolve.
var ErrUnresolvable = errors.New("host does not resolve")

// Preflight resolves every target's connect address (or URL host) once, so
// that a misspelt or not yet provisioned ALB name is reported before the run
// as bad input, not counted as a run of DNS errors.
func Preflight(ctx context.Context, o Options) error {
	res := newResolver(o.Resolve, o.Lookup, 0)
	seen := map[string]bool{}
	for _, t := range o.Targets {
		addr := t.Connect
		if addr == "" {
			addr = urlHostPort(t.URL)
		}
		if seen[addr] {
			continue
		}
		seen[addr] = true
		if _, err := res.addrs(ctx, addr); err != nil {
			return fmt.Errorf("target %s: %w: %w", t.Name, ErrUnresolvable, err)
		}
	}
	return nil
}
