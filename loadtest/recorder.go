package loadtest

import (
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// recorder turns vegeta results into metrics, attributing each to its
// target by the URL tag and to its scheduled send time by its sequence
// number. It runs on one goroutine.
type recorder struct {
	pacer       *startPacer
	plan        *plan
	targets     []Target
	shape       *Shape
	podKey      string
	secrets     SecretHeaders
	sets        []*Metrics
	measureFrom time.Time
	began       time.Time
	warmup      int64
	canceled    int64
	stopping    bool
	// sent counts every result, warm-up and failed targeter included: one
	// per request the generator sent.
	sent uint64
}

func newRecorder(pacer *startPacer, targets []Target, p *plan, shape *Shape, podKey string) *recorder {
	r := &recorder{pacer: pacer, plan: p, targets: targets, shape: shape, podKey: podKey}
	names := make([][]string, len(p.sets))
	for i, t := range targets {
		names[p.setOf[i]] = append(names[p.setOf[i]], t.Name)
	}
	for _, n := range names {
		r.sets = append(r.sets, NewMetrics(n))
	}
	return r
}

// start notes when the attack began, once the pacer knows: the first
// result and the first tick both come after the first Pace call.
func (r *recorder) start() bool {
	if r.began.IsZero() {
		r.began = r.pacer.start()
		r.measureFrom = r.began.Add(r.shape.Warmup)
	}
	return !r.began.IsZero()
}

func (r *recorder) add(res *vegeta.Result) {
	r.start()
	r.sent++
	idx, ok := urlTag(res.URL)
	if !ok || idx >= len(r.targets) {
		return // the targeter failed before naming a target
	}
	due := res.Timestamp
	if r.shape.Paced() {
		if d, ok := r.shape.Due(res.Seq); ok {
			due = r.began.Add(d)
		}
	}
	if due.Before(r.measureFrom) {
		r.warmup++
		return
	}
	kind, origin := "", ""
	if isError(res.Code) {
		kind = errorKind(res.Code, res.Error)
		switch {
		case res.Code == 0:
			origin = OriginNetwork
		case isALBServer(headerValue(res.Headers, "Server")):
			origin = OriginALB
		default:
			origin = OriginTarget
		}
		if r.stopping && res.Code == 0 {
			r.canceled++ // cut short by the stop, not the server's doing
			return
		}
	}
	wait := max(res.Timestamp.Sub(due), 0)
	s := sample{
		rule: r.plan.ruleOf[idx], offset: due.Sub(r.measureFrom),
		latency: wait + res.Latency, service: res.Latency, wait: wait,
		code: res.Code, kind: kind, origin: origin,
		bytesOut: res.BytesOut,
	}
	if r.podKey != "" {
		s.pod = headerValue(res.Headers, r.podKey)
	}
	r.sets[r.plan.setOf[idx]].add(s)
}

// headerValue reads a header by its canonical key without canonicalizing
// it again.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (r *recorder) progress(now time.Time, shape *Shape) Progress {
	p := Progress{Elapsed: now.Sub(r.began), Duration: shape.Duration(), Warmup: now.Before(r.measureFrom),
		WarmupRequests: r.warmup, Rate: shape.Rate(now.Sub(r.began))}
	last := int(now.Sub(r.measureFrom)/time.Second) - 1
	w := &Window{T: last, Latency: NewSparse()}
	for si, m := range r.sets {
		p.Requests += m.Requests
		p.Errors += m.Errors
		p.Codes = mergeMap(p.Codes, m.Codes)
		p.Kinds = mergeMap(p.Kinds, m.Kinds)
		for _, rm := range m.Rules {
			rp := RuleProgress{Set: r.plan.sets[si], Name: rm.Name, Requests: rm.Requests, Errors: rm.Errors}
			if rm.Requests > 0 {
				rp.P50, rp.P99 = rm.Latency.Quantile(50), rm.Latency.Quantile(99)
			}
			p.Rules = append(p.Rules, rp)
		}
		if last >= 0 && last < len(m.Windows) {
			mw := m.Windows[last]
			w.Requests += mw.Requests
			w.Errors += mw.Errors
			w.Latency.Merge(mw.Latency)
		}
	}
	if last >= 0 {
		p.Window = w
	}
	return p
}

func (r *recorder) runs(end time.Time, shape *Shape, o Options, p *plan) []*Run {
	out := make([]*Run, len(r.sets))
	for i, m := range r.sets {
		var ts []Target
		for ti, t := range o.Targets {
			if p.setOf[ti] == i {
				ts = append(ts, t)
			}
		}
		name := p.sets[i]
		if name == "" {
			name = "run"
		}
		run := &Run{Schema: Schema, Metrics: *m, Meta: Meta{
			Tool: "lbctl", Version: o.Version, Name: name, Started: r.measureFrom,
			Measured: max(end.Sub(r.measureFrom), 0), Shape: shape, Targets: r.secrets.Redact(ts),
			Warmup: r.warmup, Canceled: r.canceled,
			Options: RunOptions{
				Workers: o.Workers, MaxWorkers: unbounded(o.MaxWorkers), Connections: o.Transport.Connections,
				MaxConns: o.Transport.MaxConnections, KeepAlive: o.Transport.KeepAlive, HTTP2: o.Transport.HTTP2,
				Timeout: o.Transport.Timeout, DNSTTL: o.DNSTTL, PodHeader: r.podKey,
			},
		}}
		run.Summary = run.Summarize()
		out[i] = run
	}
	return out
}
