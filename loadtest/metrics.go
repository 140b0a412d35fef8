package loadtest

import (
	"hash/maphash"
	"sort"
	"time"
)

// The per-pod breakdown is keyed by a response header the servers choose:
// it keeps at most MaxPods pods by name (the first seen in a process; the
// most requested when runs merge), and counts the requests of any other
// together, so that a server that names a new "pod" per response costs
// nothing more than one that names ten.
const (
	// MaxPods is how many pods a run keeps by name, in memory and in
	// RUN.json.
	MaxPods = 256
	// ReportPods is how many the text report lists, by requests.
	ReportPods = 20
	// maxPodName bounds a pod name as kept (a Kubernetes pod name has at
	// most 253 characters).
	maxPodName = 253
	// maxOtherNames bounds the set that counts the other pods' distinct
	// names; past it the count is a lower bound.
	maxOtherNames = 1 << 16
)

// Counts are the request tallies every breakdown keeps.
type Counts struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	// Codes counts responses by status ("0": no response).
	Codes map[string]int64 `json:"codes,omitempty"`
	// Kinds counts errors by kind (KindHTTP5xx, KindRefused, …).
	Kinds map[string]int64 `json:"errorKinds,omitempty"`
	// Origins counts errors by who produced them (OriginALB, OriginTarget,
	// OriginNetwork).
	Origins map[string]int64 `json:"errorOrigins,omitempty"`
}

func (c *Counts) add(code uint16, kind, origin string) {
	c.Requests++
	if c.Codes == nil {
		c.Codes = map[string]int64{}
	}
	c.Codes[statusKey(code)]++
	if kind != "" {
		c.Errors++
		if c.Kinds == nil {
			c.Kinds, c.Origins = map[string]int64{}, map[string]int64{}
		}
		c.Kinds[kind]++
		c.Origins[origin]++
	}
}

func (c *Counts) merge(o Counts) {
	c.Requests += o.Requests
	c.Errors += o.Errors
	c.Codes = mergeMap(c.Codes, o.Codes)
	c.Kinds = mergeMap(c.Kinds, o.Kinds)
	c.Origins = mergeMap(c.Origins, o.Origins)
}

func mergeMap(a, b map[string]int64) map[string]int64 {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = make(map[string]int64, len(b))
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}

// ErrorRatio is errors over requests (0 with no request).
func (c Counts) ErrorRatio() float64 {
	if c.Requests == 0 {
		return 0
	}
	return float64(c.Errors) / float64(c.Requests)
}

// Metrics are what a set of requests measured: a whole run, or one side of
// an A/B test. Latency is measured from each request's scheduled send time
// (wrk2's method), so time spent queued behind busy workers or a stalled
// server counts; Service is the time from the actual send (what vegeta
// reports) and Wait the difference, the time a request waited for a free
// worker. Memory is bounded whatever the duration but for the 1 s windows
// (a few KB each).
type Metrics struct {
	Counts
	// BytesOut counts request body bytes sent.
	BytesOut int64      `json:"bytesOut"`
	Latency  *Histogram `json:"latency"`
	Service  *Histogram `json:"service"`
	Wait     *Histogram `json:"wait"`
	// Rules break the set down per target (a listener rule, or a URL).
	Rules []*RuleMetrics `json:"rules"`
	// Pods break it down per pod named by the response's pod header, at
	// most MaxPods of them.
	Pods []*PodMetrics `json:"pods,omitempty"`
	// OtherPods holds the requests of the pods past MaxPods.
	OtherPods *OtherPods `json:"otherPods,omitempty"`
	// Windows are 1 s windows of scheduled send time since the end of the
	// warm-up.
	Windows []*Window `json:"windows"`

	pods   map[string]*PodMetrics
	others map[uint64]struct{}
	seed   maphash.Seed
}

// RuleMetrics are one target's share.
type RuleMetrics struct {
	Name string `json:"name"`
	Counts
	Latency *Histogram `json:"latency"`
}

// PodMetrics are one pod's share.
type PodMetrics struct {
	Name string `json:"name"`
	Counts
	Latency *Sparse `json:"latency"`
}

// OtherPods are the pods a breakdown does not keep by name, together.
type OtherPods struct {
	// Pods is how many distinct names they had (in a merged run, the sum
	// of each process's count).
	Pods int64 `json:"pods"`
	Counts
	Latency *Sparse `json:"latency"`
}

// Window is one second of the run, by scheduled send time.
type Window struct {
	// T is the window's start in whole seconds since the measurement began.
	T        int     `json:"t"`
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Latency  *Sparse `json:"latency"`
}

// NewMetrics returns empty metrics with one rule per name.
func NewMetrics(rules []string) *Metrics {
	m := &Metrics{Latency: NewHistogram(), Service: NewHistogram(), Wait: NewHistogram()}
	for _, n := range rules {
		m.Rules = append(m.Rules, &RuleMetrics{Name: n, Latency: NewHistogram()})
	}
	return m
}

// sample is one measured request, as the recorder attributes it.
type sample struct {
	rule     int
	offset   time.Duration // scheduled time since the measurement began
	latency  time.Duration // from scheduled send to response read
	service  time.Duration // from actual send
	wait     time.Duration
	code     uint16
	kind     string // "" when not an error
	origin   string
	pod      string
	bytesOut uint64
}

func (m *Metrics) add(s sample) {
	m.Counts.add(s.code, s.kind, s.origin)
	m.BytesOut += int64(s.bytesOut)
	m.Latency.Record(s.latency)
	m.Service.Record(s.service)
	m.Wait.Record(s.wait)
	r := m.Rules[s.rule]
	r.Counts.add(s.code, s.kind, s.origin)
	r.Latency.Record(s.latency)
	if s.pod != "" {
		if p := m.pod(s.pod); p != nil {
			p.Counts.add(s.code, s.kind, s.origin)
			p.Latency.Record(s.latency)
		} else {
			o := m.otherPods()
			o.Counts.add(s.code, s.kind, s.origin)
			o.Latency.Record(s.latency)
			m.countOther(s.pod)
		}
	}
	w := m.window(int(s.offset / time.Second))
	w.Requests++
	if s.kind != "" {
		w.Errors++
	}
	w.Latency.Record(s.latency)
}

// pod returns the pod of that name, added when there is room for it; nil
// when MaxPods are kept already.
func (m *Metrics) pod(name string) *PodMetrics {
	return m.podUpTo(name, MaxPods)
}

func (m *Metrics) podUpTo(name string, limit int) *PodMetrics {
	if len(name) > maxPodName {
		name = name[:maxPodName]
	}
	if m.pods == nil {
		m.pods = map[string]*PodMetrics{}
		for _, p := range m.Pods {
			m.pods[p.Name] = p
		}
	}
	p := m.pods[name]
	if p == nil {
		if len(m.Pods) >= limit {
			return nil
		}
		p = &PodMetrics{Name: name, Latency: NewSparse()}
		m.pods[name] = p
		m.Pods = append(m.Pods, p)
	}
	return p
}

func (m *Metrics) otherPods() *OtherPods {
	if m.OtherPods == nil {
		m.OtherPods = &OtherPods{Latency: NewSparse()}
	}
	return m.OtherPods
}

// countOther counts a name among the other pods once.
func (m *Metrics) countOther(name string) {
	if m.others == nil {
		m.others = map[uint64]struct{}{}
		m.seed = maphash.MakeSeed()
	}
	if len(m.others) >= maxOtherNames {
		return
	}
	k := maphash.String(m.seed, name)
	if _, ok := m.others[k]; !ok {
		m.others[k] = struct{}{}
		m.OtherPods.Pods++
	}
}

// capPods keeps the MaxPods pods with the most requests by name and folds
// the rest into OtherPods.
func (m *Metrics) capPods() {
	if len(m.Pods) <= MaxPods {
		return
	}
	sortPods(m.Pods)
	o := m.otherPods()
	for _, p := range m.Pods[MaxPods:] {
		o.Pods++
		o.Counts.merge(p.Counts)
		o.Latency.Merge(p.Latency)
		delete(m.pods, p.Name)
	}
	m.Pods = m.Pods[:MaxPods:MaxPods]
}

// sortPods orders pods by requests, most first, then by name.
func sortPods(ps []*PodMetrics) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Requests != ps[j].Requests {
			return ps[i].Requests > ps[j].Requests
		}
		return ps[i].Name < ps[j].Name
	})
}

// window returns window t, growing the list as needed.
func (m *Metrics) window(t int) *Window {
	if t < 0 {
		t = 0
	}
	for len(m.Windows) <= t {
		m.Windows = append(m.Windows, &Window{T: len(m.Windows), Latency: NewSparse()})
	}
	return m.Windows[t]
}

// Merge adds other's measurements to m: rules and pods matched by name,
// windows by their start shifted by shift seconds. Every count and
// histogram is exact: merging equals having recorded both in one process.
func (m *Metrics) Merge(other *Metrics, shift int) {
	m.Counts.merge(other.Counts)
	m.BytesOut += other.BytesOut
	m.Latency.Merge(other.Latency)
	m.Service.Merge(other.Service)
	m.Wait.Merge(other.Wait)
	for _, r := range other.Rules {
		mine := m.rule(r.Name)
		mine.Counts.merge(r.Counts)
		mine.Latency.Merge(r.Latency)
	}
	// Pods are matched by name without a limit, then the most requested
	// kept.
	for _, p := range other.Pods {
		mine := m.podUpTo(p.Name, len(m.Pods)+1)
		mine.Counts.merge(p.Counts)
		mine.Latency.Merge(p.Latency)
	}
	if o := other.OtherPods; o != nil {
		mine := m.otherPods()
		mine.Pods += o.Pods
		mine.Counts.merge(o.Counts)
		mine.Latency.Merge(o.Latency)
	}
	m.capPods()
	for _, w := range other.Windows {
		mine := m.window(w.T + shift)
		mine.Requests += w.Requests
		mine.Errors += w.Errors
		mine.Latency.Merge(w.Latency)
	}
}

// Rule returns the rule of that name (nil when none).
func (m *Metrics) Rule(name string) *RuleMetrics {
	for _, r := range m.Rules {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (m *Metrics) rule(name string) *RuleMetrics {
	if r := m.Rule(name); r != nil {
		return r
	}
	r := &RuleMetrics{Name: name, Latency: NewHistogram()}
	m.Rules = append(m.Rules, r)
	return r
}

// TopPods returns the n pods with the most requests, and the rest
// together (nil when there is none): those past n and the OtherPods.
func (m *Metrics) TopPods(n int) ([]*PodMetrics, *OtherPods) {
	out := append([]*PodMetrics(nil), m.Pods...)
	sortPods(out)
	var rest *OtherPods
	if m.OtherPods != nil && m.OtherPods.Requests > 0 {
		rest = &OtherPods{Pods: m.OtherPods.Pods, Latency: NewSparse()}
		rest.Counts.merge(m.OtherPods.Counts)
		rest.Latency.Merge(m.OtherPods.Latency)
	}
	if len(out) > n {
		if rest == nil {
			rest = &OtherPods{Latency: NewSparse()}
		}
		for _, p := range out[n:] {
			rest.Pods++
			rest.Counts.merge(p.Counts)
			rest.Latency.Merge(p.Latency)
		}
		out = out[:n]
	}
	return out, rest
}
