package loadtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ResolveEntry pins a host:port to addresses, as curl's --resolve does, plus
// the local port when it differs (the sandbox binds ALB listener :80 on
// :10080 when not root): HOST:PORT:ADDR[:BINDPORT].
type ResolveEntry struct {
	Host string
	Port int
	Addr string // IP literal
	// BindPort is the port to dial (Port when 0).
	BindPort int
}

// Key is the host:port the entry answers for.
func (e ResolveEntry) Key() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// Dial is the address to dial.
func (e ResolveEntry) Dial() string {
	p := e.Port
	if e.BindPort != 0 {
		p = e.BindPort
	}
	return net.JoinHostPort(e.Addr, strconv.Itoa(p))
}

// ParseResolve parses HOST:PORT:ADDR[:BINDPORT]; an IPv6 ADDR is written in
// brackets ([::1]).
func ParseResolve(s string) (ResolveEntry, error) {
	bad := func(why string) (ResolveEntry, error) {
		return ResolveEntry{}, fmt.Errorf("--resolve %q: %s (want HOST:PORT:ADDR[:BINDPORT], e.g. my-alb.elb.amazonaws.com:80:127.0.0.1:10080)", s, why)
	}
	host, rest, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || host == "" {
		return bad("no host")
	}
	portS, rest, ok := strings.Cut(rest, ":")
	if !ok {
		return bad("no address")
	}
	port, err := strconv.Atoi(portS)
	if err != nil || port <= 0 || port > 65535 {
		return bad("port " + strconv.Quote(portS) + " is not a port number")
	}
	var addr, bind string
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return bad("unclosed [ in the address")
		}
		addr, bind = rest[1:end], strings.TrimPrefix(rest[end+1:], ":")
	} else {
		addr, bind, _ = strings.Cut(rest, ":")
	}
	if net.ParseIP(addr) == nil {
		return bad("address " + strconv.Quote(addr) + " is not an IP address")
	}
	e := ResolveEntry{Host: strings.ToLower(host), Port: port, Addr: addr}
	if bind != "" {
		if e.BindPort, err = strconv.Atoi(bind); err != nil || e.BindPort <= 0 || e.BindPort > 65535 {
			return bad("bind port " + strconv.Quote(bind) + " is not a port number")
		}
	}
	return e, nil
}

// ParseResolveList parses a comma- or space-separated list of entries, as
// the sandbox writes into LBCTL_RESOLVE.
func ParseResolveList(s string) ([]ResolveEntry, error) {
	var out []ResolveEntry
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		e, err := ParseResolve(f)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// HostLookup resolves a host name to IP addresses (net.Resolver.LookupHost).
type HostLookup func(ctx context.Context, host string) ([]string, error)

// resolver turns host:port into the addresses to dial: pinned entries first,
// then DNS, cached for ttl and refreshed in the background so a changed set
// of ALB nodes is followed (vegeta issue #693); each new connection takes the
// next address in turn. onChange runs when a refresh changed a host's
// addresses, so idle connections to the old ones can be closed.
type resolver struct {
	pinned   map[string][]string
	lookup   HostLookup
	ttl      time.Duration
	onChange func()

	mu    sync.Mutex
	cache map[string]*dnsEntry
	rr    atomic.Uint64
}

type dnsEntry struct {
	addrs []string
	at    time.Time
}

func newResolver(entries []ResolveEntry, lookup HostLookup, ttl time.Duration) *resolver {
	r := &resolver{pinned: map[string][]string{}, lookup: lookup, ttl: ttl, cache: map[string]*dnsEntry{}}
	for _, e := range entries {
		k := e.Key()
		r.pinned[k] = append(r.pinned[k], e.Dial())
	}
	return r
}

// addrs returns the dial addresses for host:port.
func (r *resolver) addrs(ctx context.Context, hostport string) ([]string, error) {
	if a, ok := r.pinned[strings.ToLower(hostport)]; ok {
		return a, nil
	}
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	if net.ParseIP(host) != nil || r.lookup == nil {
		return []string{hostport}, nil
	}
	r.mu.Lock()
	e := r.cache[host]
	r.mu.Unlock()
	if e == nil || (r.ttl > 0 && time.Since(e.at) > r.ttl) {
		ips, err := r.lookup(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
		e = &dnsEntry{addrs: ips, at: time.Now()}
		r.mu.Lock()
		r.cache[host] = e
		r.mu.Unlock()
	}
	out := make([]string, len(e.addrs))
	for i, ip := range e.addrs {
		out[i] = net.JoinHostPort(ip, port)
	}
	return out, nil
}

// pick returns the next of addrs in turn.
func (r *resolver) pick(addrs []string) string {
	if len(addrs) == 1 {
		return addrs[0]
	}
	return addrs[int(r.rr.Add(1)%uint64(len(addrs)))]
}

// refresh re-resolves every cached host and reports whether any changed.
func (r *resolver) refresh(ctx context.Context) bool {
	r.mu.Lock()
	hosts := make([]string, 0, len(r.cache))
	for h := range r.cache {
		hosts = append(hosts, h)
	}
	r.mu.Unlock()
	changed := false
	for _, h := range hosts {
		ips, err := r.lookup(ctx, h)
		if err != nil || len(ips) == 0 {
			continue // keep the last answer, as resolvers serve stale on error
		}
		r.mu.Lock()
		old := r.cache[h]
		if old == nil || !sameSet(old.addrs, ips) {
			changed = true
		}
		r.cache[h] = &dnsEntry{addrs: ips, at: time.Now()}
		r.mu.Unlock()
	}
	return changed
}

// run refreshes every ttl until ctx ends.
func (r *resolver) run(ctx context.Context) {
	if r.ttl <= 0 || r.lookup == nil {
		return
	}
	t := time.NewTicker(r.ttl)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if r.refresh(ctx) && r.onChange != nil {
				r.onChange()
			}
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// dialer dials through the resolver: connect (when set) replaces the
// address asked for, as curl's --connect-to does.
func (r *resolver) dialer(base DialFunc, connect string) DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if connect != "" {
			addr = connect
		}
		addrs, err := r.addrs(ctx, addr)
		if err != nil {
			return nil, err
		}
		return base(ctx, network, r.pick(addrs))
	}
}

// ParseConnectTo parses curl's --connect-to HOST:PORT:CHOST:CPORT into the
// host:port requests are for and the one to connect to instead.
func ParseConnectTo(s string) (from, to string, err error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 || parts[0] == "" || parts[2] == "" {
		return "", "", fmt.Errorf("--connect-to %q: want HOST:PORT:CHOST:CPORT", s)
	}
	for _, p := range []string{parts[1], parts[3]} {
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return "", "", fmt.Errorf("--connect-to %q: %q is not a port number", s, p)
		}
	}
	return strings.ToLower(net.JoinHostPort(parts[0], parts[1])), net.JoinHostPort(parts[2], parts[3]), nil
}

// ApplyConnectTo points the targets whose URL is for a host:port of the map
// at the address it gives (Target.Connect).
func ApplyConnectTo(targets []Target, connect map[string]string) {
	for i := range targets {
		if to, ok := connect[urlHostPort(targets[i].URL)]; ok {
			targets[i].Connect = to
		}
	}
}

// urlHostPort is a URL's host:port, the scheme's port when it has none,
// lower-cased ("" when it does not parse).
func urlHostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}
