package dataplane

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is the whole desired data plane. The controller emulator builds it
// from what it has reconciled and hands every new version to Plane.Apply,
// which converges the running listeners and target groups to it.
type Config struct {
	LoadBalancers []LoadBalancer
	TargetGroups  []TargetGroup
}

// DefaultIdleTimeout is the ALB attribute idle_timeout.timeout_seconds's
// default: how long the ALB waits for a target before answering 504, and how
// long it keeps an idle client connection.
const DefaultIdleTimeout = 60 * time.Second

// LoadBalancer is one ALB: a loopback IP standing in for its ENIs, and the
// listeners on it.
type LoadBalancer struct {
	// Name identifies the ALB across Applies.
	Name string
	// DNSName is what clients resolve; Plane.DialContext maps it to IP.
	DNSName string
	// IP is the loopback address the listeners bind, 127.30.0.N by convention.
	IP string
	// IdleTimeout defaults to DefaultIdleTimeout. A change applies to new
	// upstream requests; client connections keep the timeout they started with.
	IdleTimeout time.Duration
	Listeners   []Listener
}

// EphemeralPort as Listener.BindPort binds a free port chosen by the kernel
// (see Plane.ListenerAddr); the choice is kept across Applies.
const EphemeralPort = -1

// Listener is one ALB listener with its rules.
type Listener struct {
	// Port is the listener's port as AWS knows it (80), sent to targets in
	// X-Forwarded-Port.
	Port int
	// BindPort is the local port actually bound: 0 means Port, EphemeralPort
	// any free port. Non-root users cannot bind 80, hence the distinction.
	BindPort int
	// Rules are evaluated by ascending Priority (ties in the given order);
	// the first match wins.
	Rules []Rule
	// Default applies when no rule matches.
	Default Action
}

// Rule is a listener rule. A rule matches when the host matches one of Hosts
// (or Hosts is empty) and the path matches one of Paths (or Paths is empty).
type Rule struct {
	Priority int
	// Hosts are host-header values with * and ? wildcards, compared
	// case-insensitively with the request's Host stripped of its port.
	Hosts []string
	// Paths are path-pattern values with * and ? wildcards, compared
	// case-sensitively with the request's escaped path (no query).
	Paths  []string
	Action Action
}

// Action is what a rule does; exactly one of Forward, Fixed or Redirect is set.
type Action struct {
	// Forward picks one target group per request, at random by weight.
	Forward []WeightedTargetGroup
	// Fixed answers from the ALB itself.
	Fixed *FixedResponse
	// Redirect answers a redirect from the ALB itself.
	Redirect *Redirect
}

// WeightedTargetGroup is one target group of a forward action. Weights are
// 0–999 as on AWS; a single target group may leave Weight 0.
type WeightedTargetGroup struct {
	ARN    string
	Weight int
}

// FixedResponse is a fixed-response action.
type FixedResponse struct {
	// Status is 2XX, 4XX or 5XX.
	Status int
	// ContentType defaults to "text/plain; charset=utf-8".
	ContentType string
	Body        string
}

// Redirect is a redirect action. Empty fields keep the request's value; each
// field may use the #{protocol}, #{host}, #{port}, #{path} and #{query}
// placeholders as on AWS.
type Redirect struct {
	Protocol string // "HTTP" or "HTTPS"
	Host     string
	Port     string
	Path     string // must start with "/"
	Query    string // without the leading "?"
	// StatusCode is 301 (default) or 302.
	StatusCode int
}

// TargetGroup is one target group: its targets and how they are checked.
type TargetGroup struct {
	ARN         string
	Targets     []Target
	HealthCheck HealthCheck
	// DeregistrationDelay is how long a removed target stays draining: it
	// gets no new requests, its in-flight requests may finish, and at the end
	// the ALB drops it (aborting what is still in flight).
	DeregistrationDelay time.Duration
}

// Target is a registered target, identified as on AWS by (ID, Port).
type Target struct {
	// ID is what AWS calls the target: a pod IP (ip mode) or an instance ID.
	ID   string
	Port int
	// Addr is host:port to connect to: the pod itself, or the node's
	// NodePort forwarder. Health checks go to the same host.
	Addr string
	Zone string
}

// HealthCheck is a target group's health-check configuration. Zero values
// take the AWS API defaults (path "/", traffic port, 30s interval, 5s
// timeout, 5 healthy, 2 unhealthy, matcher "200").
type HealthCheck struct {
	Path string
	// Port is "traffic-port" (or empty) for the target's own port, or a number
	// on the same host as Target.Addr.
	Port               string
	Interval, Timeout  time.Duration
	HealthyThreshold   int
	UnhealthyThreshold int
	// Matcher is "200", "200-399", "200,204" or a mix.
	Matcher string
}

// healthConfig is a HealthCheck with defaults applied and the matcher parsed.
type healthConfig struct {
	path               string
	port               int // 0 = traffic port
	interval, timeout  time.Duration
	healthy, unhealthy int
	matcher            matcher
	matcherText        string
}

func compileHealthCheck(h HealthCheck) (healthConfig, error) {
	c := healthConfig{
		path:        h.Path,
		interval:    h.Interval,
		timeout:     h.Timeout,
		healthy:     h.HealthyThreshold,
		unhealthy:   h.UnhealthyThreshold,
		matcherText: h.Matcher,
	}
	if c.path == "" {
		c.path = "/"
	}
	if !strings.HasPrefix(c.path, "/") {
		return c, fmt.Errorf("path %q must start with /", c.path)
	}
	if c.interval == 0 {
		c.interval = 30 * time.Second
	}
	if c.timeout == 0 {
		c.timeout = min(5*time.Second, c.interval)
	}
	if c.interval < 0 || c.timeout < 0 {
		return c, errors.New("interval and timeout must not be negative")
	}
	if c.timeout > c.interval {
		return c, fmt.Errorf("timeout %v exceeds interval %v", c.timeout, c.interval)
	}
	if c.healthy == 0 {
		c.healthy = 5
	}
	if c.unhealthy == 0 {
		c.unhealthy = 2
	}
	if c.healthy < 0 || c.unhealthy < 0 {
		return c, errors.New("thresholds must not be negative")
	}
	switch h.Port {
	case "", "traffic-port":
	default:
		n, err := strconv.Atoi(h.Port)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("port %q is neither traffic-port nor 1-65535", h.Port)
		}
		c.port = n
	}
	m, err := parseMatcher(h.Matcher)
	if err != nil {
		return c, err
	}
	c.matcher = m
	if c.matcherText == "" {
		c.matcherText = "200"
	}
	return c, nil
}

// url is the health-check URL for a target reached at addr.
func (c *healthConfig) url(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + c.path
	}
	if c.port != 0 {
		port = strconv.Itoa(c.port)
	}
	return "http://" + net.JoinHostPort(host, port) + c.path
}

// validate checks a Config as a whole before Apply changes anything, so a
// bad Config leaves the running plane as it was.
func validate(cfg Config) error {
	var errs []error
	tgs := make(map[string]bool, len(cfg.TargetGroups))
	for i, tg := range cfg.TargetGroups {
		if tg.ARN == "" {
			errs = append(errs, fmt.Errorf("target group %d: empty ARN", i))
			continue
		}
		if tgs[tg.ARN] {
			errs = append(errs, fmt.Errorf("target group %s: duplicate ARN", tg.ARN))
		}
		tgs[tg.ARN] = true
		if err := validateTargetGroup(tg); err != nil {
			errs = append(errs, fmt.Errorf("target group %s: %w", tg.ARN, err))
		}
	}
	names := map[string]bool{}
	binds := map[string]string{}
	for i, lb := range cfg.LoadBalancers {
		if lb.Name == "" {
			errs = append(errs, fmt.Errorf("load balancer %d: empty name", i))
			continue
		}
		if names[lb.Name] {
			errs = append(errs, fmt.Errorf("load balancer %s: duplicate name", lb.Name))
		}
		names[lb.Name] = true
		if err := validateLoadBalancer(lb, tgs, binds); err != nil {
			errs = append(errs, fmt.Errorf("load balancer %s: %w", lb.Name, err))
		}
	}
	return errors.Join(errs...)
}

func validateTargetGroup(tg TargetGroup) error {
	var errs []error
	if _, err := compileHealthCheck(tg.HealthCheck); err != nil {
		errs = append(errs, fmt.Errorf("health check: %w", err))
	}
	if tg.DeregistrationDelay < 0 {
		errs = append(errs, errors.New("negative deregistration delay"))
	}
	seen := map[targetKey]bool{}
	for _, t := range tg.Targets {
		k := targetKey{t.ID, t.Port}
		switch {
		case t.ID == "":
			errs = append(errs, fmt.Errorf("target %s: empty ID", t.Addr))
		case t.Port < 1 || t.Port > 65535:
			errs = append(errs, fmt.Errorf("target %s: port %d outside 1-65535", t.ID, t.Port))
		case seen[k]:
			errs = append(errs, fmt.Errorf("target %s:%d: registered twice", t.ID, t.Port))
		}
		seen[k] = true
		if _, err := loopbackAddr(t.Addr); err != nil {
			errs = append(errs, fmt.Errorf("target %s:%d: %w", t.ID, t.Port, err))
		}
	}
	return errors.Join(errs...)
}

func validateLoadBalancer(lb LoadBalancer, tgs map[string]bool, binds map[string]string) error {
	var errs []error
	ip, err := loopbackHost(lb.IP)
	if err != nil {
		return err
	}
	if lb.IdleTimeout < 0 {
		errs = append(errs, errors.New("negative idle timeout"))
	}
	ports := map[int]bool{}
	for _, l := range lb.Listeners {
		if l.Port < 1 || l.Port > 65535 {
			errs = append(errs, fmt.Errorf("listener port %d outside 1-65535", l.Port))
			continue
		}
		if ports[l.Port] {
			errs = append(errs, fmt.Errorf("listener %d: duplicate port", l.Port))
		}
		ports[l.Port] = true
		if l.BindPort < EphemeralPort || l.BindPort > 65535 {
			errs = append(errs, fmt.Errorf("listener %d: bind port %d invalid", l.Port, l.BindPort))
		}
		key := net.JoinHostPort(ip, strconv.Itoa(l.Port))
		if other, ok := binds[key]; ok {
			errs = append(errs, fmt.Errorf("listener %s already belongs to load balancer %s", key, other))
		}
		binds[key] = lb.Name
		if bp := bindPort(l); bp > 0 {
			bkey := "bind " + net.JoinHostPort(ip, strconv.Itoa(bp))
			if other, ok := binds[bkey]; ok {
				errs = append(errs, fmt.Errorf("listener %d: bind address %s already used by load balancer %s", l.Port, bkey[5:], other))
			}
			binds[bkey] = lb.Name
		}
		for i, r := range l.Rules {
			if err := validateRule(r, tgs); err != nil {
				errs = append(errs, fmt.Errorf("listener %d rule %d (priority %d): %w", l.Port, i, r.Priority, err))
			}
		}
		if err := validateAction(l.Default, tgs); err != nil {
			errs = append(errs, fmt.Errorf("listener %d default action: %w", l.Port, err))
		}
	}
	return errors.Join(errs...)
}

// bindPort is the port a listener binds: its own, a chosen one, or 0 for
// an ephemeral one.
func bindPort(l Listener) int {
	switch l.BindPort {
	case 0:
		return l.Port
	case EphemeralPort:
		return 0
	}
	return l.BindPort
}

func validateRule(r Rule, tgs map[string]bool) error {
	for _, h := range r.Hosts {
		if h == "" {
			return errors.New("empty host pattern")
		}
	}
	for _, p := range r.Paths {
		if p == "" {
			return errors.New("empty path pattern")
		}
	}
	return validateAction(r.Action, tgs)
}

func validateAction(a Action, tgs map[string]bool) error {
	n := 0
	if len(a.Forward) > 0 {
		n++
	}
	if a.Fixed != nil {
		n++
	}
	if a.Redirect != nil {
		n++
	}
	if n != 1 {
		return fmt.Errorf("exactly one of forward, fixed response or redirect is required, got %d", n)
	}
	for _, w := range a.Forward {
		if !tgs[w.ARN] {
			return fmt.Errorf("forward to unknown target group %s", w.ARN)
		}
		if w.Weight < 0 || w.Weight > 999 {
			return fmt.Errorf("forward to %s: weight %d outside 0-999", w.ARN, w.Weight)
		}
	}
	if f := a.Fixed; f != nil {
		if c := f.Status / 100; f.Status < 200 || f.Status > 599 || c == 3 {
			return fmt.Errorf("fixed response status %d is not 2XX, 4XX or 5XX", f.Status)
		}
	}
	if r := a.Redirect; r != nil {
		if r.StatusCode != 0 && r.StatusCode != 301 && r.StatusCode != 302 {
			return fmt.Errorf("redirect status %d is neither 301 nor 302", r.StatusCode)
		}
		if p := strings.ToUpper(r.Protocol); p != "" && p != "HTTP" && p != "HTTPS" && p != "#{PROTOCOL}" {
			return fmt.Errorf("redirect protocol %q is neither HTTP nor HTTPS", r.Protocol)
		}
		if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
			return fmt.Errorf("redirect path %q must start with /", r.Path)
		}
	}
	return nil
}
