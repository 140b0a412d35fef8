package dataplane

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"sync/atomic"
	"time"
)

// DefaultCrossZoneLatency is what a NodePort adds for a cross-zone endpoint
// unless told otherwise: about one inter-AZ round trip.
const DefaultCrossZoneLatency = time.Millisecond

// Endpoint is one backend of a Service as kube-proxy sees it (an
// EndpointSlice entry): where the pod listens, its zone and its readiness.
type Endpoint struct {
	Addr  string
	Zone  string
	Ready bool
}

// NodePortOptions describe the node the forwarder runs on and what the hop
// to an endpoint costs, which is what instance mode pays over ip mode.
type NodePortOptions struct {
	// Zone is the node's zone. An endpoint in another zone costs
	// CrossZoneLatency, one in the same zone (or with either zone unknown)
	// SameZoneLatency.
	Zone string
	// CrossZoneLatency defaults to DefaultCrossZoneLatency; negative means none.
	CrossZoneLatency time.Duration
	// SameZoneLatency defaults to none.
	SameZoneLatency time.Duration
	// Rand drives the endpoint choice; nil uses the runtime generator.
	Rand *rand.Rand
	// Logf receives forwarding errors; nil discards them.
	Logf func(string, ...any)
}

// NodePort is a node's kube-proxy for one Service NodePort: an HTTP reverse
// proxy on nodeIP:nodePort that sends each request to a uniformly chosen
// ready endpoint, as iptables mode does (externalTrafficPolicy: Cluster).
//
// It is an HTTP proxy rather than a TCP one so latency can be injected per
// request and each request of a keep-alive connection is balanced anew;
// responses keep the pod's headers and the request's headers are passed
// through untouched (kube-proxy is invisible at L7).
//
// With no ready endpoint, or when the chosen endpoint refuses or resets the
// connection, the forwarder resets the client's connection instead of
// answering: that is what a kube-proxy REJECT rule or a dead pod looks like
// to the ALB, which then answers 502 itself and fails its health checks with
// Target.FailedHealthChecks, as in a real cluster.
type NodePort struct {
	zone      string
	cross     time.Duration
	same      time.Duration
	rnd       *randSource
	endpoints atomic.Pointer[[]Endpoint] // ready ones only
	transport *http.Transport
	proxy     *httputil.ReverseProxy
	ln        net.Listener
	srv       *http.Server
	done      chan struct{}
	requests  atomic.Int64
}

// StartNodePort starts a forwarder on addr (nodeIP:nodePort; port 0 picks a
// free one, see Addr) with no endpoints.
func StartNodePort(addr string, o NodePortOptions) (*NodePort, error) {
	ln, err := listenLoopback(addr)
	if err != nil {
		return nil, fmt.Errorf("start node port: %w", err)
	}
	n := &NodePort{
		zone:      o.Zone,
		cross:     o.CrossZoneLatency,
		same:      max(o.SameZoneLatency, 0),
		rnd:       newRandSource(o.Rand),
		transport: newTransport(0),
		ln:        ln,
		done:      make(chan struct{}),
	}
	switch {
	case n.cross == 0:
		n.cross = DefaultCrossZoneLatency
	case n.cross < 0:
		n.cross = 0
	}
	logger := newLogger(o.Logf)
	n.proxy = &httputil.ReverseProxy{
		Rewrite:      passThrough,
		Transport:    n.transport,
		BufferPool:   newBufferPool(),
		ErrorLog:     logger,
		ErrorHandler: n.proxyError,
	}
	empty := []Endpoint{}
	n.endpoints.Store(&empty)
	n.srv = &http.Server{
		Handler:           n,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       5 * time.Minute,
		ErrorLog:          logger,
	}
	go func() {
		defer close(n.done)
		_ = n.srv.Serve(ln)
	}()
	return n, nil
}

// Addr is the address the forwarder listens on.
func (n *NodePort) Addr() string { return n.ln.Addr().String() }

// Requests counts the requests forwarded or refused.
func (n *NodePort) Requests() int64 { return n.requests.Load() }

// SetEndpoints replaces the Service's endpoints, as an EndpointSlice update
// does; only ready ones receive traffic. Requests already forwarded finish.
func (n *NodePort) SetEndpoints(eps []Endpoint) {
	ready := make([]Endpoint, 0, len(eps))
	for _, e := range eps {
		if e.Ready {
			ready = append(ready, e)
		}
	}
	n.endpoints.Store(&ready)
}

// latencyTo is the extra latency of forwarding to e.
func (n *NodePort) latencyTo(e Endpoint) time.Duration {
	if n.zone != "" && e.Zone != "" && e.Zone != n.zone {
		return n.cross
	}
	return n.same
}

// ServeHTTP forwards one request as kube-proxy would; exported so the
// forwarder can also be mounted on a server of the caller's.
func (n *NodePort) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n.requests.Add(1)
	eps := *n.endpoints.Load()
	if len(eps) == 0 {
		rejectConn(w)
		return
	}
	e := eps[0]
	if len(eps) > 1 {
		e = eps[n.rnd.IntN(len(eps))]
	}
	if !sleepCtx(r.Context(), n.latencyTo(e)) {
		return
	}
	n.proxy.ServeHTTP(w, retarget(r.Context(), r, e.Addr))
}

// proxyError turns a failure to reach the endpoint into a connection reset,
// as the kernel would have delivered to the ALB.
func (n *NodePort) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client went away
	}
	rejectConn(w)
}

// rejectConn resets the client connection without a response.
func rejectConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	c, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = resetConn(c)
}

// passThrough forwards the request as received: kube-proxy does not touch
// headers, so the X-Forwarded-* headers the ALB set are restored after
// ReverseProxy's Rewrite mode stripped them.
func passThrough(pr *httputil.ProxyRequest) {
	for _, k := range [...]string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
		if v, ok := pr.In.Header[k]; ok {
			pr.Out.Header[k] = v
		}
	}
}

// Close stops the forwarder abruptly, closing every connection (a node
// going away).
func (n *NodePort) Close() error {
	err := n.srv.Close()
	<-n.done
	n.transport.CloseIdleConnections()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close node port %s: %w", n.Addr(), err)
	}
	return nil
}

// retarget returns a shallow copy of r, bound to ctx, whose URL points at
// addr; ReverseProxy clones it again before sending, so r is never modified.
func retarget(ctx context.Context, r *http.Request, addr string) *http.Request {
	out := r.WithContext(ctx)
	u := *r.URL
	u.Scheme = "http"
	u.Host = addr
	out.URL = &u
	return out
}
