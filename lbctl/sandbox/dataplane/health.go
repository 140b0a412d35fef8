package dataplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthCheckUserAgent is what ALB health checkers send, so a pod's logs
// look as they would behind a real ALB.
const healthCheckUserAgent = "ELB-HealthChecker/2.0"

// checkResult is the outcome of one health check.
type checkResult struct {
	ok           bool
	reason, desc string
}

// runChecks health-checks one target every interval until ctx ends; gen
// identifies this run so a stale result never lands on a re-registered
// target.
func (tg *targetGroup) runChecks(ctx context.Context, t *target, gen uint64) {
	defer tg.p.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		start := time.Now()
		tg.mu.Lock()
		hc := tg.hc
		tg.mu.Unlock()
		res := tg.p.probe(ctx, hc.url(t.addr), &hc)
		if ctx.Err() != nil {
			return
		}
		tg.record(t, gen, res, &hc)
		timer.Reset(max(0, hc.interval-time.Since(start)))
	}
}

// record applies one check result to the target's state with the group's
// thresholds.
func (tg *targetGroup) record(t *target, gen uint64, res checkResult, hc *healthConfig) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	if t.gen != gen || tg.removed {
		return
	}
	switch t.state {
	case StateInitial, StateHealthy, StateUnhealthy:
	default:
		return
	}
	if res.ok {
		t.okRun, t.failRun = t.okRun+1, 0
	} else {
		t.okRun, t.failRun = 0, t.failRun+1
	}
	changed := false
	switch {
	case res.ok && t.state != StateHealthy && t.okRun >= hc.healthy:
		changed = tg.setStateDesc(t, StateHealthy, "", "")
	case !res.ok && (t.state == StateUnhealthy || t.failRun >= hc.unhealthy):
		changed = tg.setStateDesc(t, StateUnhealthy, res.reason, res.desc)
	case t.state == StateInitial:
		tg.setState(t, StateInitial, ReasonInitialHealthChecking)
	}
	if changed {
		tg.rebuild()
	}
}

// probe performs one health check: GET url within the timeout, judged by
// the matcher, with the reason codes AWS reports for each kind of failure.
func (p *Plane) probe(ctx context.Context, url string, hc *healthConfig) checkResult {
	ctx, cancel := context.WithTimeout(ctx, hc.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return checkResult{reason: ReasonFailedHealthChecks, desc: describeReason(ReasonFailedHealthChecks)}
	}
	req.Header.Set("User-Agent", healthCheckUserAgent)
	resp, err := p.hcClient.Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return checkResult{reason: ReasonTimeout, desc: describeReason(ReasonTimeout)}
		}
		return checkResult{reason: ReasonFailedHealthChecks, desc: describeReason(ReasonFailedHealthChecks)}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if !hc.matcher.match(resp.StatusCode) {
		return checkResult{
			reason: ReasonResponseCodeMismatch,
			desc:   fmt.Sprintf("Health checks failed with these codes: [%d]", resp.StatusCode),
		}
	}
	return checkResult{ok: true}
}
