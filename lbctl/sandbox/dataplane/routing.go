package dataplane

import (
	"cmp"
	"net/http"
	"net/http/httputil"
	"slices"
	"strconv"
	"strings"
)

// actionKind says which part of a compiled action applies.
type actionKind int

const (
	actionForward actionKind = iota
	actionFixed
	actionRedirect
)

// compiledAction is an Action resolved against the running target groups.
type compiledAction struct {
	kind     actionKind
	forward  []weightedGroup
	total    int // sum of forward weights
	fixed    fixedPage
	redirect *Redirect
}

type weightedGroup struct {
	tg     *targetGroup
	weight int
}

// fixedPage is a fixed response ready to write.
type fixedPage struct {
	status      int
	contentType string
	body        []byte
}

// compiledRule is a Rule with host patterns lower-cased.
type compiledRule struct {
	hosts  []string
	paths  []string
	action compiledAction
}

// listenerTable is one listener's routing table: immutable once built, and
// swapped whole by Apply, so a request routes on one consistent version and
// in-flight requests are never affected by a change.
type listenerTable struct {
	lb      *albRuntime
	port    int
	portStr string
	rules   []compiledRule
	def     compiledAction
	proxy   *httputil.ReverseProxy
}

// compileListener builds a listener's table; the Config was validated, so
// every referenced target group exists in tgs.
func compileListener(l Listener, lb *albRuntime, tgs map[string]*targetGroup) *listenerTable {
	t := &listenerTable{lb: lb, port: l.Port, portStr: strconv.Itoa(l.Port)}
	rules := slices.Clone(l.Rules)
	slices.SortStableFunc(rules, func(a, b Rule) int { return cmp.Compare(a.Priority, b.Priority) })
	for _, r := range rules {
		cr := compiledRule{paths: slices.Clone(r.Paths), action: compileAction(r.Action, tgs)}
		for _, h := range r.Hosts {
			cr.hosts = append(cr.hosts, strings.ToLower(h))
		}
		t.rules = append(t.rules, cr)
	}
	t.def = compileAction(l.Default, tgs)
	t.proxy = lb.newProxy(t.portStr)
	return t
}

func compileAction(a Action, tgs map[string]*targetGroup) compiledAction {
	switch {
	case a.Fixed != nil:
		ct := a.Fixed.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
		}
		return compiledAction{kind: actionFixed, fixed: fixedPage{a.Fixed.Status, ct, []byte(a.Fixed.Body)}}
	case a.Redirect != nil:
		r := *a.Redirect
		return compiledAction{kind: actionRedirect, redirect: &r}
	}
	c := compiledAction{kind: actionForward}
	for _, w := range a.Forward {
		weight := w.Weight
		if len(a.Forward) == 1 && weight == 0 {
			weight = 1 // a plain forward carries no weight
		}
		c.forward = append(c.forward, weightedGroup{tg: tgs[w.ARN], weight: weight})
		c.total += weight
	}
	return c
}

// route returns the action for a request's normalized host and escaped path.
func (t *listenerTable) route(host, path string) *compiledAction {
	for i := range t.rules {
		r := &t.rules[i]
		if matchHost(r.hosts, host) && matchPath(r.paths, path) {
			return &r.action
		}
	}
	return &t.def
}

// pick chooses a target group at random by weight; nil when every weight
// is zero (the ALB then answers 503).
func (a *compiledAction) pick(rnd *randSource) *targetGroup {
	if a.total <= 0 {
		return nil
	}
	if len(a.forward) == 1 {
		return a.forward[0].tg
	}
	n := rnd.IntN(a.total)
	for _, w := range a.forward {
		if n < w.weight {
			return w.tg
		}
		n -= w.weight
	}
	return a.forward[len(a.forward)-1].tg
}

// redirectLocation builds the Location of a redirect action for r, which
// arrived on a listener with the given port, as the ALB does: the URL always
// carries the port, and #{…} placeholders take the request's values.
func redirectLocation(rd *Redirect, r *http.Request, listenerPort string) string {
	host := r.Host
	if h := normalizeHost(host); h != "" {
		host = h
	}
	path := r.URL.EscapedPath()
	repl := strings.NewReplacer(
		"#{protocol}", "http",
		"#{host}", host,
		"#{port}", listenerPort,
		"#{path}", path,
		"#{query}", r.URL.RawQuery,
	)
	field := func(v, def string) string {
		if v == "" {
			v = def
		}
		return repl.Replace(v)
	}
	proto := strings.ToLower(field(strings.ToLower(rd.Protocol), "#{protocol}"))
	loc := proto + "://" + field(rd.Host, "#{host}") + ":" + field(rd.Port, "#{port}") + field(rd.Path, "#{path}")
	if q := field(rd.Query, "#{query}"); q != "" {
		loc += "?" + q
	}
	return loc
}
