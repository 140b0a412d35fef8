package dataplane

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// TargetState is a target's health state as DescribeTargetHealth reports it.
type TargetState string

// The target states of ELBv2.
const (
	StateInitial   TargetState = "initial"
	StateHealthy   TargetState = "healthy"
	StateUnhealthy TargetState = "unhealthy"
	StateDraining  TargetState = "draining"
	StateUnused    TargetState = "unused"
)

// The reason codes of ELBv2 target health that the data plane produces, so
// the controller emulator can pass them through to DescribeTargetHealth.
const (
	ReasonRegistrationInProgress   = "Elb.RegistrationInProgress"
	ReasonInitialHealthChecking    = "Elb.InitialHealthChecking"
	ReasonResponseCodeMismatch     = "Target.ResponseCodeMismatch"
	ReasonTimeout                  = "Target.Timeout"
	ReasonFailedHealthChecks       = "Target.FailedHealthChecks"
	ReasonDeregistrationInProgress = "Target.DeregistrationInProgress"
	ReasonNotRegistered            = "Target.NotRegistered"
	ReasonNotInUse                 = "Target.NotInUse"
)

// HealthEvent is one target's health: what OnHealth receives on every change
// and what TargetHealth lists. Reason and Description are empty when healthy.
type HealthEvent struct {
	TargetGroupARN string
	TargetID       string
	Port           int
	State          TargetState
	Reason         string
	Description    string
}

// targetKey identifies a target within a group, as AWS does.
type targetKey struct {
	id   string
	port int
}

// target is a registered target. Fields below the line are guarded by the
// group's mutex.
type target struct {
	key  targetKey
	addr string
	zone string
	// life ends (with cause errTargetDropped) when the target is dropped at
	// the end of its deregistration delay, aborting requests still in flight.
	life context.Context
	drop context.CancelCauseFunc

	state          TargetState
	reason, desc   string
	gen            uint64 // bumped whenever health checking starts or stops
	stopChecks     context.CancelFunc
	okRun, failRun int
	drainTimer     *time.Timer
}

// pickSet is the immutable set of targets a group routes to, rebuilt on every
// state change so the request path reads it without locking.
type pickSet struct {
	healthy []*target
	open    []*target // every target not draining: the fail-open set
}

// targetGroup is a running target group.
type targetGroup struct {
	arn   string
	p     *Plane
	picks atomic.Pointer[pickSet]
	rr    atomic.Uint64

	mu      sync.Mutex
	hc      healthConfig
	dereg   time.Duration
	inUse   bool
	removed bool
	targets map[targetKey]*target
}

func newTargetGroup(p *Plane, arn string) *targetGroup {
	tg := &targetGroup{arn: arn, p: p, targets: map[targetKey]*target{}}
	tg.picks.Store(&pickSet{})
	return tg
}

// update converges the group to cfg. inUse says whether any listener
// forwards to it; targets of an unused group are "unused" and not checked,
// as on AWS. cfg was validated.
func (tg *targetGroup) update(cfg TargetGroup, inUse bool) {
	hc, _ := compileHealthCheck(cfg.HealthCheck)
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.hc = hc
	tg.dereg = cfg.DeregistrationDelay
	useChanged := tg.inUse != inUse
	tg.inUse = inUse

	want := make(map[targetKey]Target, len(cfg.Targets))
	for _, t := range cfg.Targets {
		want[targetKey{t.ID, t.Port}] = t
	}
	for k, t := range tg.targets {
		w, ok := want[k]
		switch {
		case !ok:
			if t.state != StateDraining {
				tg.drain(t)
			}
		case w.Addr != t.addr || w.Zone != t.zone:
			// A target that moved is a different target to the data plane.
			tg.dropNow(t)
		case t.state == StateDraining:
			tg.register(t) // re-registered while draining
		case useChanged:
			tg.register(t)
		}
	}
	for k, w := range want {
		if _, ok := tg.targets[k]; ok {
			continue
		}
		life, drop := context.WithCancelCause(context.Background())
		t := &target{key: k, addr: w.Addr, zone: w.Zone, life: life, drop: drop}
		tg.targets[k] = t
		tg.register(t)
	}
	tg.rebuild()
}

// register (re)starts a target's life in the group: initial and checked when
// the group is in use, unused otherwise.
func (tg *targetGroup) register(t *target) {
	tg.stopChecking(t)
	if t.drainTimer != nil {
		t.drainTimer.Stop()
		t.drainTimer = nil
	}
	if !tg.inUse {
		tg.setState(t, StateUnused, ReasonNotInUse)
		return
	}
	tg.setState(t, StateInitial, ReasonRegistrationInProgress)
	t.okRun, t.failRun = 0, 0
	ctx, cancel := context.WithCancel(tg.p.ctx)
	t.stopChecks = cancel
	tg.p.wg.Add(1)
	go tg.runChecks(ctx, t, t.gen)
}

func (tg *targetGroup) stopChecking(t *target) {
	if t.stopChecks != nil {
		t.stopChecks()
		t.stopChecks = nil
	}
	t.gen++
}

// drain starts a removed target's deregistration delay.
func (tg *targetGroup) drain(t *target) {
	tg.stopChecking(t)
	tg.setState(t, StateDraining, ReasonDeregistrationInProgress)
	gen := t.gen
	t.drainTimer = time.AfterFunc(tg.dereg, func() { tg.finishDrain(t, gen) })
}

func (tg *targetGroup) finishDrain(t *target, gen uint64) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if tg.removed || t.state != StateDraining || t.gen != gen {
		return
	}
	tg.dropNow(t)
	tg.rebuild()
}

// dropNow forgets a target, aborting its in-flight requests, and reports it
// unused/Target.NotRegistered (what AWS answers for a deregistered target).
func (tg *targetGroup) dropNow(t *target) {
	tg.stopChecking(t)
	if t.drainTimer != nil {
		t.drainTimer.Stop()
		t.drainTimer = nil
	}
	delete(tg.targets, t.key)
	t.drop(errTargetDropped)
	tg.setState(t, StateUnused, ReasonNotRegistered)
}

// setState records a change of state or reason and reports it; it returns
// whether the state itself changed.
func (tg *targetGroup) setState(t *target, s TargetState, reason string) bool {
	if t.state == s && t.reason == reason {
		return false
	}
	return tg.setStateDesc(t, s, reason, describeReason(reason))
}

func (tg *targetGroup) setStateDesc(t *target, s TargetState, reason, desc string) bool {
	if t.state == s && t.reason == reason && t.desc == desc {
		return false
	}
	changed := t.state != s
	t.state, t.reason, t.desc = s, reason, desc
	ev := tg.event(t)
	tg.p.logf("target group %s: target %s:%d (%s) is %s %s", tg.arn, t.key.id, t.key.port, t.addr, s, reason)
	tg.p.events.push(ev)
	return changed
}

func (tg *targetGroup) event(t *target) HealthEvent {
	return HealthEvent{
		TargetGroupARN: tg.arn,
		TargetID:       t.key.id,
		Port:           t.key.port,
		State:          t.state,
		Reason:         t.reason,
		Description:    t.desc,
	}
}

// describeReason is the Description AWS pairs with a reason code.
func describeReason(reason string) string {
	switch reason {
	case ReasonRegistrationInProgress:
		return "Target registration is in progress"
	case ReasonInitialHealthChecking:
		return "Initial health checks in progress"
	case ReasonTimeout:
		return "Request timed out"
	case ReasonFailedHealthChecks:
		return "Health checks failed"
	case ReasonDeregistrationInProgress:
		return "Target deregistration is in progress"
	case ReasonNotRegistered:
		return "Target is not registered to the target group"
	case ReasonNotInUse:
		return "Target group is not configured to receive traffic from the load balancer"
	}
	return ""
}

// rebuild recomputes the pick set; called with mu held after any change.
func (tg *targetGroup) rebuild() {
	ps := &pickSet{}
	for _, t := range tg.targets {
		if t.state == StateDraining {
			continue
		}
		ps.open = append(ps.open, t)
		if t.state == StateHealthy {
			ps.healthy = append(ps.healthy, t)
		}
	}
	byKey := func(a, b *target) int {
		return cmp.Or(cmp.Compare(a.key.id, b.key.id), cmp.Compare(a.key.port, b.key.port))
	}
	slices.SortFunc(ps.open, byKey)
	slices.SortFunc(ps.healthy, byKey)
	tg.picks.Store(ps)
}

// pick returns the next target round-robin over the healthy ones, or over
// every target not draining when none is healthy (the ALB fails open), or
// nil when there is none at all.
func (tg *targetGroup) pick() *target {
	ps := tg.picks.Load()
	list := ps.healthy
	if len(list) == 0 {
		list = ps.open
	}
	if len(list) == 0 {
		return nil
	}
	return list[tg.rr.Add(1)%uint64(len(list))]
}

// health lists every target's current state, ordered by ID and port.
func (tg *targetGroup) health() []HealthEvent {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	out := make([]HealthEvent, 0, len(tg.targets))
	for _, t := range tg.targets {
		out = append(out, tg.event(t))
	}
	slices.SortFunc(out, func(a, b HealthEvent) int {
		return cmp.Or(cmp.Compare(a.TargetID, b.TargetID), cmp.Compare(a.Port, b.Port))
	})
	return out
}

// close stops the group's health checks and drains for good. Requests in
// flight to its targets are left to finish: a group disappears from the
// routing tables in the same Apply that removes it.
func (tg *targetGroup) close() {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.removed = true
	for _, t := range tg.targets {
		tg.stopChecking(t)
		if t.drainTimer != nil {
			t.drainTimer.Stop()
		}
	}
}
