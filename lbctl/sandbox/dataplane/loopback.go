package dataplane

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ErrNotLoopback is returned (wrapped) whenever an address outside
// 127.0.0.0/8 is given to listen on or dial: the sandbox must never reach,
// or be reachable from, anything but the machine it runs on.
var ErrNotLoopback = errors.New("not a loopback address")

// loopbackHost validates host as an IPv4 address in 127.0.0.0/8 and returns
// it in canonical form; "localhost" means 127.0.0.1.
func loopbackHost(host string) (string, error) {
	if host == "localhost" {
		return "127.0.0.1", nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return "", fmt.Errorf("host %q: %w (an IP literal in 127.0.0.0/8 is required)", host, ErrNotLoopback)
	}
	ip4 := ip.To4()
	if ip4 == nil || ip4[0] != 127 {
		return "", fmt.Errorf("host %s: %w", host, ErrNotLoopback)
	}
	return ip4.String(), nil
}

// loopbackAddr validates a host:port whose host must be loopback and whose
// port must be a number (0 allowed: an ephemeral port when listening).
func loopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", addr, err)
	}
	h, err := loopbackHost(host)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("address %q: invalid port %q", addr, port)
	}
	return net.JoinHostPort(h, port), nil
}

// listenLoopback listens on a loopback TCP address.
func listenLoopback(addr string) (net.Listener, error) {
	a, err := loopbackAddr(addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp4", a)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", a, err)
	}
	return ln, nil
}

// loopbackDialer dials only loopback addresses, so a misconfigured target
// can never make the sandbox send traffic off the machine.
type loopbackDialer struct {
	d net.Dialer
}

func (d *loopbackDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	a, err := loopbackAddr(addr)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	return d.d.DialContext(ctx, network, a)
}

// newTransport returns the tuned HTTP/1.1 transport every proxy hop uses:
// keep-alive with a large idle pool per host (throughput on loopback is
// bounded by connection setup otherwise), no compression, no environment
// proxy, loopback-only dialling. A responseHeaderTimeout of zero means none.
func newTransport(responseHeaderTimeout time.Duration) *http.Transport {
	d := &loopbackDialer{d: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}}
	return &http.Transport{
		DialContext:           d.DialContext,
		MaxIdleConns:          0, // no global cap; the per-host cap rules
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
}

// resetConn closes c with SO_LINGER 0 so the peer sees a TCP reset rather
// than an orderly close — what a killed process or a REJECT rule looks like.
func resetConn(c net.Conn) error {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	return c.Close()
}

// sleepCtx waits d or until ctx is done, reporting whether the full d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
