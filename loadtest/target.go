package loadtest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// ErrNoTargets is returned when nothing was left to send requests to.
var ErrNoTargets = errors.New("no targets")

// Target is one kind of request a load test sends: a URL with its method,
// headers and body, and for a listener rule the ALB to connect to.
type Target struct {
	// Name identifies the target in breakdowns and in thresholds
	// (rule:NAME): NAMESPACE/INGRESS:HOSTPATH for a rule, the URL otherwise.
	Name   string      `json:"name"`
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// Connect is the host:port to connect to instead of the URL's, as
	// curl's --connect-to: the ALB's DNS name for a rule whose host the URL
	// carries (so Host and TLS SNI are the rule's).
	Connect string `json:"connect,omitempty"`
	// Weight is the target's relative share of requests (0 counts as 1).
	Weight int `json:"weight,omitempty"`
	// Set is the side of an A/B test the target belongs to ("a", "b"), empty
	// in a plain run.
	Set string `json:"set,omitempty"`
	// Ingress is NAMESPACE/NAME for a target made from a rule.
	Ingress string `json:"ingress,omitempty"`
}

// RequestOptions are what --method, --header and --body add to URL targets.
type RequestOptions struct {
	Method string
	Header http.Header
	Body   []byte
}

// ParseHeaders parses "Name: value" flags into a header.
func ParseHeaders(lines []string) (http.Header, error) {
	h := http.Header{}
	for _, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || !httpguts.ValidHeaderFieldName(k) || !httpguts.ValidHeaderFieldValue(v) {
			// The value may be a credential: only the name is shown.
			shown := k
			if !ok {
				shown = "…"
			}
			return nil, fmt.Errorf("header %q: want \"Name: value\" (a valid name, and no CR, LF or control byte in the value)", shown)
		}
		h.Add(k, v)
	}
	return h, nil
}

// URLTargets makes one target per URL. A URL may be prefixed NAME= to name it.
func URLTargets(urls []string, o RequestOptions) ([]Target, error) {
	var out []Target
	for _, raw := range urls {
		name := ""
		if n, u, ok := strings.Cut(raw, "="); ok && !strings.Contains(n, "/") && !strings.Contains(n, ":") {
			name, raw = n, u
		}
		u, err := checkURL(raw)
		if err != nil {
			return nil, err
		}
		if name == "" {
			name = u
		}
		out = append(out, Target{Name: name, Method: methodOr(o.Method), URL: u, Header: o.Header.Clone(), Body: o.Body})
	}
	return out, nil
}

func methodOr(m string) string {
	if m == "" {
		return http.MethodGet
	}
	return strings.ToUpper(m)
}

// checkURL validates an absolute http(s) URL and drops its fragment, which
// is never sent (the engine uses it to tag requests).
func checkURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("url %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("url %q: no host", raw)
	}
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// ParseMix parses --mix PATTERN=WEIGHT entries.
func ParseMix(entries []string) (map[string]int, error) {
	m := map[string]int{}
	for _, e := range entries {
		k, v, ok := strings.Cut(e, "=")
		w, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || k == "" || err != nil || w < 0 {
			return nil, fmt.Errorf("--mix %q: want RULE=WEIGHT with a whole weight ≥ 0 (e.g. api=3)", e)
		}
		m[strings.TrimSpace(k)] = w
	}
	return m, nil
}

// ApplyMix sets each target's weight from the first mix pattern that
// matches its name (MatchName); targets no pattern names keep weight 1.
// A pattern that matches nothing is an error, so a typo does not pass
// silently. Targets left with weight 0 are dropped.
func ApplyMix(targets []Target, mix map[string]int) ([]Target, error) {
	if len(mix) == 0 {
		return targets, nil
	}
	used := map[string]bool{}
	out := targets[:0:0]
	for _, t := range targets {
		w := 1
		for p, pw := range mix {
			if MatchName(p, t.Name) {
				w, used[p] = pw, true
				break
			}
		}
		if w > 0 {
			t.Weight = w
			out = append(out, t)
		}
	}
	for p := range mix {
		if !used[p] {
			return nil, fmt.Errorf("--mix %s: no target matches %q", p, p)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--mix: every weight is 0: %w", ErrNoTargets)
	}
	return out, nil
}

// MatchName reports whether a rule pattern names a target: the whole name,
// its ingress part (NAMESPACE/INGRESS or just INGRESS, before the ':'), or
// a glob where * matches any run of characters, / included.
func MatchName(pattern, name string) bool {
	if pattern == name {
		return true
	}
	if ing, _, ok := strings.Cut(name, ":"); ok && !strings.Contains(name, "://") {
		if pattern == ing {
			return true
		}
		if _, short, ok := strings.Cut(ing, "/"); ok && pattern == short {
			return true
		}
	}
	return strings.Contains(pattern, "*") && glob(pattern, name)
}

// glob matches s against a pattern whose only wildcard is *.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return true
}
