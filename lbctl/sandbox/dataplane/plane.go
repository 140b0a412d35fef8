package dataplane

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by a Plane's methods after Close.
var ErrClosed = errors.New("data plane closed")

// Options configure a Plane.
type Options struct {
	// OnHealth receives every change of a target's state or reason, in
	// order, from a single goroutine; it must not call Close. A target that
	// finishes draining (or moves) is reported once more as unused with
	// Target.NotRegistered before it disappears from TargetHealth.
	OnHealth func(HealthEvent)
	// Rand drives the weighted choice among target groups; nil uses the
	// runtime generator (fastest). The Plane owns it from then on.
	Rand *rand.Rand
	// Logf receives state changes and server errors; nil discards them.
	Logf func(string, ...any)
}

// Plane runs every ALB of the sandbox and their target groups. Its methods
// are safe for concurrent use; traffic keeps flowing while Apply runs.
type Plane struct {
	rnd    *randSource
	logf   func(string, ...any)
	logger *log.Logger
	events *eventQueue

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	hcTransport *http.Transport
	hcClient    *http.Client

	// names maps "host:port" (a load balancer's DNS name or IP, and a
	// listener port) to the address actually bound, for DialContext.
	names atomic.Pointer[map[string]string]
	// records is the DNS zone of application host names (SetRecords).
	records atomic.Pointer[map[string][]Record]

	mu        sync.Mutex
	closed    bool
	tgs       map[string]*targetGroup
	lbs       map[string]*albRuntime
	listeners map[string]*listener // by ip:listenerPort
}

// New returns an empty Plane; Apply gives it load balancers.
func New(o Options) *Plane {
	ctx, cancel := context.WithCancel(context.Background())
	p := &Plane{
		rnd:       newRandSource(o.Rand),
		logf:      o.Logf,
		logger:    newLogger(o.Logf),
		events:    newEventQueue(o.OnHealth),
		ctx:       ctx,
		cancel:    cancel,
		tgs:       map[string]*targetGroup{},
		lbs:       map[string]*albRuntime{},
		listeners: map[string]*listener{},
	}
	if p.logf == nil {
		p.logf = nopLogf
	}
	p.hcTransport = newTransport(0)
	p.hcClient = &http.Client{
		Transport: p.hcTransport,
		// ALB health checks judge the first response; they never follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	empty := map[string]string{}
	p.names.Store(&empty)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.events.run(ctx)
	}()
	return p
}

// Apply converges the running data plane to cfg, idempotently: listeners
// are started and stopped, routing tables swapped atomically (requests in
// flight finish on the table they started with), target groups created,
// updated and removed, targets registered (initial, then healthy after
// HealthyThreshold successes) and deregistered (draining for the
// DeregistrationDelay, then dropped). Targets of a group no listener
// forwards to are "unused" (Target.NotInUse) and not health-checked, as on
// AWS, until a rule starts using the group.
//
// An invalid cfg is rejected whole, before anything changes. A listener that
// cannot bind is reported in the returned error while the rest of cfg is
// applied; the next Apply tries it again.
func (p *Plane) Apply(cfg Config) error {
	if err := validate(cfg); err != nil {
		return fmt.Errorf("apply data plane config: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}

	inUse := map[string]bool{}
	for _, lb := range cfg.LoadBalancers {
		for _, l := range lb.Listeners {
			for _, r := range l.Rules {
				for _, f := range r.Action.Forward {
					inUse[f.ARN] = true
				}
			}
			for _, f := range l.Default.Forward {
				inUse[f.ARN] = true
			}
		}
	}

	// Target groups first, so new tables can point at them.
	wantTGs := map[string]bool{}
	for _, c := range cfg.TargetGroups {
		wantTGs[c.ARN] = true
		tg, ok := p.tgs[c.ARN]
		if !ok {
			tg = newTargetGroup(p, c.ARN)
			p.tgs[c.ARN] = tg
		}
		tg.update(c, inUse[c.ARN])
	}

	// Load balancers and listeners.
	var errs []error
	wantLBs := map[string]bool{}
	wantListeners := map[string]bool{}
	var retired []*albRuntime
	for _, c := range cfg.LoadBalancers {
		wantLBs[c.Name] = true
		idle := c.IdleTimeout
		if idle == 0 {
			idle = DefaultIdleTimeout
		}
		rt, ok := p.lbs[c.Name]
		if !ok || rt.idle != idle {
			if ok {
				retired = append(retired, rt)
			}
			rt = newALBRuntime(c.Name, idle, p.rnd, p.logger)
			p.lbs[c.Name] = rt
		}
		ip, _ := loopbackHost(c.IP)
		for _, lc := range c.Listeners {
			key := net.JoinHostPort(ip, strconv.Itoa(lc.Port))
			wantListeners[key] = true
			tab := compileListener(lc, rt, p.tgs)
			if l, ok := p.listeners[key]; ok && l.bindSpec == lc.BindPort && l.lbName == c.Name {
				l.table.Store(tab)
				continue
			} else if ok {
				p.stopListener(l)
			}
			l, err := p.startListener(key, c.Name, ip, lc, rt, tab)
			if err != nil {
				errs = append(errs, fmt.Errorf("load balancer %s listener %d: %w", c.Name, lc.Port, err))
				continue
			}
			p.listeners[key] = l
		}
	}
	for key, l := range p.listeners {
		if !wantListeners[key] {
			p.stopListener(l)
		}
	}
	for name, rt := range p.lbs {
		if !wantLBs[name] {
			retired = append(retired, rt)
			delete(p.lbs, name)
		}
	}
	for _, rt := range retired {
		// Connections in use finish their request; idle ones go now.
		rt.transport.CloseIdleConnections()
	}
	for arn, tg := range p.tgs {
		if !wantTGs[arn] {
			tg.close()
			delete(p.tgs, arn)
		}
	}
	p.publishNames(cfg)
	return errors.Join(errs...)
}

// startListener binds and serves one ALB listener.
func (p *Plane) startListener(key, lbName, ip string, lc Listener, rt *albRuntime, tab *listenerTable) (*listener, error) {
	ln, err := listenLoopback(net.JoinHostPort(ip, strconv.Itoa(bindPort(lc))))
	if err != nil {
		return nil, err
	}
	l := &listener{key: key, lbName: lbName, bindSpec: lc.BindPort, ln: ln, done: make(chan struct{})}
	l.table.Store(tab)
	l.srv = &http.Server{
		Handler:           l,
		ReadHeaderTimeout: rt.idle,
		IdleTimeout:       rt.idle,
		ErrorLog:          p.logger,
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(l.done)
		_ = l.srv.Serve(ln)
	}()
	p.logf("load balancer %s: listener %d on %s", lbName, lc.Port, l.addr())
	return l, nil
}

// stopListener frees the listener's port at once and lets its in-flight
// requests finish in the background (for up to a minute).
func (p *Plane) stopListener(l *listener) {
	delete(p.listeners, l.key)
	_ = l.ln.Close()
	p.logf("listener %s (%s) stopped", l.key, l.addr())
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
		defer cancel()
		if err := l.srv.Shutdown(ctx); err != nil {
			_ = l.srv.Close()
		}
	}()
}

// publishNames refreshes the name table DialContext uses; called with mu held.
func (p *Plane) publishNames(cfg Config) {
	names := map[string]string{}
	for _, c := range cfg.LoadBalancers {
		ip, _ := loopbackHost(c.IP)
		for _, lc := range c.Listeners {
			l, ok := p.listeners[net.JoinHostPort(ip, strconv.Itoa(lc.Port))]
			if !ok {
				continue
			}
			port := strconv.Itoa(lc.Port)
			names[net.JoinHostPort(ip, port)] = l.addr()
			if c.DNSName != "" {
				names[net.JoinHostPort(strings.ToLower(c.DNSName), port)] = l.addr()
			}
		}
	}
	p.names.Store(&names)
}

// ListenerAddr is the address a load balancer's listener actually bound
// (its BindPort may differ from Port), found by the load balancer's name or
// DNS name; ok is false when there is no such running listener.
func (p *Plane) ListenerAddr(lb string, port int) (addr string, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.listeners {
		if l.table.Load().port == port && l.lbName == lb {
			return l.addr(), true
		}
	}
	a, ok := (*p.names.Load())[net.JoinHostPort(strings.ToLower(lb), strconv.Itoa(port))]
	return a, ok
}

// DialContext dials addr as a client in the sandbox would: a load
// balancer's DNS name or IP with a listener port reaches that listener
// wherever it is bound. Other loopback addresses are dialled as they are;
// anything else is refused. An application host name with records in the
// zone (SetRecords) is resolved first, once per connection. Plug it into an http.Transport to send load-test
// traffic to "http://<alb dns name>/".
func (p *Plane) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if a, ok := p.resolve(addr); ok {
		addr = a
	}
	if a, ok := (*p.names.Load())[strings.ToLower(addr)]; ok {
		addr = a
	}
	d := loopbackDialer{d: net.Dialer{Timeout: 5 * time.Second}}
	return d.DialContext(ctx, network, addr)
}

// TargetHealth reports every registered target of a target group (draining
// ones included), ordered by ID and port, as DescribeTargetHealth does; nil
// for an unknown group.
func (p *Plane) TargetHealth(tgARN string) []HealthEvent {
	p.mu.Lock()
	tg, ok := p.tgs[tgARN]
	p.mu.Unlock()
	if !ok {
		return nil
	}
	return tg.health()
}

// Close stops every listener at once (connections are closed), every health
// check and drain, and waits for them; OnHealth is not called after Close
// returns.
func (p *Plane) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	p.cancel()
	var errs []error
	for _, l := range p.listeners {
		if err := l.srv.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("close listener %s: %w", l.key, err))
		}
	}
	for _, tg := range p.tgs {
		tg.close()
	}
	lbs := p.lbs
	p.mu.Unlock()
	p.wg.Wait()
	for _, rt := range lbs {
		rt.transport.CloseIdleConnections()
	}
	p.hcTransport.CloseIdleConnections()
	return errors.Join(errs...)
}
