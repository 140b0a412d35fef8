package dataplane

import (
	"fmt"
	"strconv"
	"strings"
)

// matchWildcard reports whether s matches pattern, where '*' matches any run
// of bytes (including none) and '?' exactly one byte: the ALB's host-header
// and path-pattern condition syntax. It runs in O(len(pattern)·len(s)) at
// worst and allocates nothing.
func matchWildcard(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// normalizeHost turns a Host header into what ALB host-header conditions
// compare against: the port stripped and lower-cased.
func normalizeHost(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && i > strings.LastIndexByte(h, ']') {
		if _, err := strconv.Atoi(h[i+1:]); err == nil || i == len(h)-1 {
			h = h[:i]
		}
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.ToLower(h)
}

// matchHost reports whether a normalized host matches any of the
// (lower-cased) host patterns; no patterns means any host.
func matchHost(patterns []string, host string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if matchWildcard(p, host) {
			return true
		}
	}
	return false
}

// matchPath reports whether path matches any of the case-sensitive path
// patterns; no patterns means any path.
func matchPath(patterns []string, path string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if matchWildcard(p, path) {
			return true
		}
	}
	return false
}

// codeRange is an inclusive range of HTTP status codes.
type codeRange struct{ lo, hi int }

// matcher is a parsed health-check success-code matcher.
type matcher []codeRange

// parseMatcher parses a target group's HttpCode matcher: a single code
// ("200"), a range ("200-399"), a comma list ("200,204") or a mix of these.
// The empty string means "200", the AWS default.
func parseMatcher(s string) (matcher, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return matcher{{200, 200}}, nil
	}
	var m matcher
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := parseCode(lo)
		if err != nil {
			return nil, fmt.Errorf("matcher %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = parseCode(hi); err != nil {
				return nil, fmt.Errorf("matcher %q: %w", s, err)
			}
			if b < a {
				return nil, fmt.Errorf("matcher %q: range %s is reversed", s, part)
			}
		}
		m = append(m, codeRange{a, b})
	}
	return m, nil
}

func parseCode(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("status code %q is not a number", s)
	}
	if n < 100 || n > 599 {
		return 0, fmt.Errorf("status code %d is outside 100-599", n)
	}
	return n, nil
}

// match reports whether code counts as a successful health check.
func (m matcher) match(code int) bool {
	for _, r := range m {
		if code >= r.lo && code <= r.hi {
			return true
		}
	}
	return false
}
