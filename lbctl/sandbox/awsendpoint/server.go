package awsendpoint

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxBodyBytes bounds a request body; the largest describe is a few KiB.
const maxBodyBytes = 1 << 20

// actionFunc serves one action: it reads p and writes the result fields into
// w, or returns the error response.
type actionFunc func(p params, w *xmlWriter) *apiError

// Options configures a Handler.
type Options struct {
	// Rand drives fault injection; nil uses a fixed seed so runs repeat.
	// The Handler owns it from then on.
	Rand *rand.Rand
	// AllowAnonymous serves requests without an Authorization header (for
	// clients using aws.AnonymousCredentials). By default such requests get
	// MissingAuthenticationToken, as AWS would answer.
	AllowAnonymous bool
	// Identity is what STS GetCallerIdentity answers (DefaultIdentity when
	// its Account is empty).
	Identity Identity
}

// Handler is the http.Handler that answers ELBv2 and EC2 Query-protocol
// requests from a State. Mount it on any loopback listener, or use Start.
type Handler struct {
	state          *State
	faults         *Faults
	allowAnonymous bool
	requests       atomic.Uint64
	elbv2          map[string]actionFunc
	ec2            map[string]actionFunc
	sts            map[string]actionFunc
	iam            map[string]actionFunc
	identity       Identity

	mu    sync.Mutex
	calls map[string]int
}

// NewHandler returns a Handler serving state (a fresh NewState if nil).
func NewHandler(state *State, opts Options) *Handler {
	if state == nil {
		state = NewState()
	}
	if opts.Identity.Account == "" {
		opts.Identity = DefaultIdentity()
	}
	h := &Handler{
		state:          state,
		faults:         NewFaults(opts.Rand),
		allowAnonymous: opts.AllowAnonymous,
		identity:       opts.Identity,
		calls:          make(map[string]int),
	}
	h.elbv2 = map[string]actionFunc{
		"DescribeLoadBalancers": h.describeLoadBalancers,
		"DescribeListeners":     h.describeListeners,
		"DescribeRules":         h.describeRules,
		"DescribeTargetGroups":  h.describeTargetGroups,
		"DescribeTargetHealth":  h.describeTargetHealth,
		"DescribeTags":          h.describeTags,
		"DescribeAccountLimits": h.describeAccountLimits,

		"DescribeListenerCertificates": h.describeListenerCertificates,
	}
	h.ec2 = map[string]actionFunc{
		"DescribeSubnets":        h.describeSubnets,
		"DescribeSecurityGroups": h.describeSecurityGroups,
		"DescribeInstances":      h.describeInstances,

		"DescribeNetworkInterfaces": h.describeNetworkInterfaces,
	}
	h.sts = map[string]actionFunc{
		"GetCallerIdentity": h.getCallerIdentity,
	}
	h.iam = map[string]actionFunc{
		"SimulatePrincipalPolicy": h.simulatePrincipalPolicy,
		"GetRole":                 h.getRole,
	}
	state.setIAMAccount(opts.Identity.Account)
	return h
}

// State returns the store the Handler serves, for tests and the emulator to
// mutate.
func (h *Handler) State() *State { return h.state }

// Faults returns the Handler's fault set, to change while it serves.
func (h *Handler) Faults() *Faults { return h.faults }

// Calls returns how many requests each action has received since the last
// ResetCalls, counting every attempt (an SDK retry is a second call) and
// faulted or failed calls alike, as AWS's own throttling would.
func (h *Handler) Calls() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.calls)
}

// ResetCalls zeroes the call counters, e.g. between benchmark iterations.
func (h *Handler) ResetCalls() {
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.calls)
}

func (h *Handler) count(action string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls[action]++
}

// newRequestID returns a UUID-shaped, deterministic request ID.
func (h *Handler) newRequestID() string {
	return fmt.Sprintf("00000000-0000-4000-8000-%012x", h.requests.Add(1))
}

// protocolFor routes a request to ELBv2, EC2, STS or IAM by its Version
// parameter, falling back to the service in the SigV4 credential scope
// (…/us-west-2/ec2/aws4_request) and then to ELBv2.
func protocolFor(version, authorization string) protocol {
	switch version {
	case elbv2Version:
		return protoELBv2
	case ec2Version:
		return protoEC2
	case stsVersion:
		return protoSTS
	case iamVersion:
		return protoIAM
	}
	switch {
	case strings.Contains(authorization, "/ec2/aws4_request"):
		return protoEC2
	case strings.Contains(authorization, "/sts/aws4_request"):
		return protoSTS
	case strings.Contains(authorization, "/iam/aws4_request"):
		return protoIAM
	}
	return protoELBv2
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := h.newRequestID()
	if strings.HasPrefix(r.Header.Get("X-Amz-Target"), acmTargetPrefix) {
		h.serveACM(w, r, requestID)
		return
	}
	if strings.HasPrefix(r.URL.Path, route53PathPrefix) {
		h.serveRoute53(w, r, requestID)
		return
	}
	if strings.HasPrefix(r.URL.Path, eksPathPrefix) {
		h.serveEKS(w, r, requestID)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeError(w, protocolFor("", r.Header.Get("Authorization")), clientError("MalformedQueryString", "cannot parse request: %v", err), requestID)
		return
	}
	p := params{r.Form}
	action := p.str("Action")
	proto := protocolFor(p.str("Version"), r.Header.Get("Authorization"))
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		writeError(w, proto, &apiError{status: http.StatusMethodNotAllowed, code: "MethodNotAllowed", message: "method " + r.Method + " is not allowed"}, requestID)
		return
	}
	if action == "" {
		writeError(w, proto, clientError("MissingAction", "Request is missing the Action parameter"), requestID)
		return
	}
	h.count(action)
	if !h.allowAnonymous && r.Header.Get("Authorization") == "" {
		status := http.StatusForbidden
		if proto == protoEC2 {
			status = http.StatusUnauthorized
		}
		writeError(w, proto, &apiError{status: status, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token"}, requestID)
		return
	}
	table := h.elbv2
	switch proto {
	case protoEC2:
		table = h.ec2
	case protoSTS:
		table = h.sts
	case protoIAM:
		table = h.iam
	}
	fn, ok := table[action]
	if !ok {
		writeError(w, proto, clientError("InvalidAction", "The action %s is not valid for this web service.", action), requestID)
		return
	}
	fault, kind := h.faults.roll(action)
	if !sleep(r.Context(), fault.Latency) {
		return
	}
	if kind == faultDenied && proto == protoIAM {
		writeError(w, proto, h.iamDenied(action), requestID)
		return
	}
	if kind != faultNone {
		writeError(w, proto, faultError(proto, fault, kind, action), requestID)
		return
	}
	out := &xmlWriter{proto: proto}
	if apiErr := fn(p, out); apiErr != nil {
		writeError(w, proto, apiErr, requestID)
		return
	}
	writeXML(w, http.StatusOK, successBody(proto, action, out.buf.Bytes(), requestID), requestID)
}

// sleep waits d (an injected latency); false when the request went away
// first.
func sleep(ctx context.Context, d time.Duration) bool {
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

func writeError(w http.ResponseWriter, p protocol, e *apiError, requestID string) {
	writeXML(w, e.status, errorBody(p, e, requestID), requestID)
}

func writeXML(w http.ResponseWriter, status int, body []byte, requestID string) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	// A write error means the client went away; there is no one to tell.
	_, _ = w.Write(body)
}

// Server is a Handler listening on a loopback address, for the sandbox and
// for tests that want a real socket.
type Server struct {
	// URL is the base endpoint, e.g. "http://127.0.0.1:40123": pass it as
	// BaseEndpoint or AWS_ENDPOINT_URL.
	URL string

	srv      *http.Server
	done     chan error
	stopOnce sync.Once
	serveErr error
}

// Start listens on addr ("" means 127.0.0.1:0, a free port) and serves h
// until Close. It refuses any address that is not loopback, so the fake
// account is never reachable from the network.
func Start(addr string, h http.Handler) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("start aws api server: %w", err)
	}
	if host == "localhost" {
		addr = net.JoinHostPort("127.0.0.1", port)
	} else if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("start aws api server: %q is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start aws api server: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return nil, fmt.Errorf("start aws api server: listener address %s is not loopback", ln.Addr())
	}
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server immediately, dropping open connections, and waits
// for it to stop.
func (s *Server) Close() error {
	err := s.srv.Close()
	if serveErr := s.wait(); serveErr != nil && err == nil {
		err = serveErr
	}
	if err != nil {
		return fmt.Errorf("close aws api server: %w", err)
	}
	return nil
}

// Shutdown stops the server gracefully, letting in-flight requests finish
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		return fmt.Errorf("shut down aws api server: %w", err)
	}
	if serveErr := s.wait(); serveErr != nil {
		return fmt.Errorf("shut down aws api server: %w", serveErr)
	}
	return nil
}

// wait waits for Serve to return and reports its error, unless it is the
// expected http.ErrServerClosed; it may be called any number of times.
func (s *Server) wait() error {
	s.stopOnce.Do(func() {
		if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
			s.serveErr = err
		}
	})
	return s.serveErr
}
