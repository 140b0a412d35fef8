package world

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Poller keeps a topology's health current: Kubernetes from informers
// (listed once, then watched), one DescribeTargetHealth per target group
// per interval, and the whole AWS side read again only when it is unknown,
// failed, or the controller's TargetGroupBindings changed. It backs off
// while AWS throttles. A Kubernetes change refreshes at once with the last
// target health.
type Poller struct {
	c        Clients
	s        Scope // what the watch covers, recorded on each topology
	o        Options
	t        *topology.Topology
	watcher  *kube.Watcher
	reader   *awsapi.Reader
	base     time.Duration
	interval time.Duration
	due      time.Time // when target health is next read
	awsDue   bool
	// Calls counts AWS calls made by refreshes.
	Calls int
	// AWSErr is why AWS could not be read at the last refresh.
	AWSErr error
}

// MaxInterval is the longest the poller backs off to while AWS throttles.
const MaxInterval = 30 * time.Second

// NewPoller starts watching the scope's Kubernetes objects (the informers
// must sync within 30 s) and refreshes t every interval.
func NewPoller(ctx context.Context, c Clients, s Scope, o Options, t *topology.Topology, interval time.Duration) (*Poller, error) {
	kc, err := c.Kube()
	if err != nil {
		return nil, err
	}
	dc, err := c.Dynamic()
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	w, err := kube.Watch(sctx, kc, dc, s.Kube())
	if err != nil {
		return nil, err
	}
	return &Poller{c: c, s: s, o: o, t: t, watcher: w, base: interval, interval: interval, awsDue: true}, nil
}

// Stop ends the informers.
func (p *Poller) Stop() { p.watcher.Stop() }

// Interval is the current, possibly backed-off, polling interval.
func (p *Poller) Interval() time.Duration { return p.interval }

// KubeGrace is how long a kind may go unwatched before the views say so: a
// watch is renewed every few minutes within milliseconds, and after an
// error the informers try again within a second or two.
const KubeGrace = 5 * time.Second

// KubeDown says why the Kubernetes side is not current ("" while every kind
// is watched): which kind has gone unwatched longest, since when, and why.
func (p *Poller) KubeDown() string {
	f, ok := p.watcher.Failing()
	if !ok || time.Since(f.Since) < KubeGrace {
		return ""
	}
	why := "no answer from the API server"
	var ue *url.Error
	switch {
	case errors.As(f.Err, &ue):
		// Leave out the request URL: the reason is the transport's.
		why = ue.Err.Error()
	case f.Err != nil:
		why = f.Err.Error()
	}
	if i := strings.IndexByte(why, '\n'); i >= 0 {
		why = why[:i]
	}
	return fmt.Sprintf("%s since %s: %s", f.Kind, f.Since.Format("15:04:05"), why)
}

// Wait sleeps until target health is due (the jittered, backed-off
// interval) or, sooner, until Kubernetes changes.
func (p *Poller) Wait(ctx context.Context) error {
	if p.due.IsZero() {
		p.due = time.Now().Add(time.Duration(float64(p.interval) * (0.9 + 0.2*rand.Float64())))
	}
	timer := time.NewTimer(time.Until(p.due))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
	case <-p.watcher.Changed():
		// A burst of changes (a rollout) makes one refresh.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(100*time.Millisecond, p.interval/4)):
		}
	}
	p.awsDue = !time.Now().Before(p.due)
	if p.awsDue {
		p.due = time.Time{}
	}
	return nil
}

// Next refreshes and returns the new topology.
func (p *Poller) Next(ctx context.Context) (*topology.Topology, error) {
	objs, err := p.watcher.Objects()
	if err != nil {
		return nil, err
	}
	if p.awsDue {
		// A refresh costs one DescribeTargetHealth per target group; the
		// whole AWS side is read again only when it is unknown, failed, or
		// the controller's TargetGroupBindings changed (every target group
		// the controller makes or deletes has one).
		if p.t.AWS == nil || p.AWSErr != nil || BindingsChanged(p.t.Objects, objs) {
			p.readAll(ctx)
		} else {
			p.readTargetHealth(ctx)
		}
	}
	p.t = JoinWith(objs, p.t.AWS, p.t.Defaults, p.s)
	return p.t, nil
}

// readAll reads the whole AWS side.
func (p *Poller) readAll(ctx context.Context) {
	if err := Probe(ctx, p.c); err != nil {
		p.AWSErr = err
		return
	}
	st, err := ReadAWS(ctx, p.c, p.o, nil, false)
	if err != nil {
		p.AWSErr = err
		return
	}
	p.AWSErr = nil
	p.t.AWS = st
	if p.t.Cluster == "" {
		p.t.Cluster, _ = topology.InferCluster(st)
	}
	for _, c := range st.Calls {
		p.Calls += c
	}
}

// readTargetHealth makes one DescribeTargetHealth per target group.
func (p *Poller) readTargetHealth(ctx context.Context) {
	if p.reader == nil {
		a, err := p.c.AWS(ctx)
		if err != nil {
			p.AWSErr = err
			return
		}
		p.reader = &awsapi.Reader{ELB: a.ELB}
		if p.o.Rate > 0 {
			p.reader.Limiter = Limiter(p.o.Rate)
		}
	}
	throttled := false
	var lastErr error
	for i := range p.t.AWS.TargetGroups {
		tg := &p.t.AWS.TargetGroups[i]
		p.Calls++
		targets, err := p.reader.TargetHealth(ctx, tg.ARN)
		if err != nil {
			if awsapi.Classify(err) == awsapi.Throttled {
				throttled = true
				continue
			}
			// Anything else (unreachable, denied) would fail for every
			// group after the same retries: stop at the first.
			lastErr = err
			break
		}
		tg.Targets = targets
	}
	p.AWSErr = lastErr
	if throttled {
		p.interval = min(p.interval*2, MaxInterval)
	} else if p.interval > p.base {
		p.interval = max(p.base, p.interval*3/4)
	}
}

// BindingsChanged says whether the TargetGroupBindings of a and b differ
// (a target group made or deleted).
func BindingsChanged(a, b *kube.Objects) bool {
	if len(a.TargetGroupBindings) != len(b.TargetGroupBindings) {
		return true
	}
	for i := range a.TargetGroupBindings {
		if a.TargetGroupBindings[i].Spec.TargetGroupARN != b.TargetGroupBindings[i].Spec.TargetGroupARN {
			return true
		}
	}
	return false
}
