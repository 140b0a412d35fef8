package loadtest

import (
	"fmt"
	"net/http"
	"sort"

	"golang.org/x/net/http/httpguts"
)

// SensitiveHeaders are the request headers whose values are credentials:
// lbctl sends them and never writes them out (RUN.json, -o json, reports,
// the workers' Job and logs). --secret-header adds to them.
var SensitiveHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key"}

// Redacted replaces a secret header's value wherever a target is written.
const Redacted = "<redacted>"

// SecretHeaders are the header names whose values are secrets, canonical.
type SecretHeaders map[string]bool

// NewSecretHeaders is SensitiveHeaders and the extra names given, each
// checked as a header name.
func NewSecretHeaders(extra []string) (SecretHeaders, error) {
	s := SecretHeaders{}
	for _, n := range SensitiveHeaders {
		s[http.CanonicalHeaderKey(n)] = true
	}
	for _, n := range extra {
		if !httpguts.ValidHeaderFieldName(n) {
			return nil, fmt.Errorf("secret header %q: not a valid header name", n)
		}
		s[http.CanonicalHeaderKey(n)] = true
	}
	return s, nil
}

// Names are the secret header names, sorted.
func (s SecretHeaders) Names() []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Redact returns copies of the targets whose secret headers' values are
// Redacted; the targets given are unchanged.
func (s SecretHeaders) Redact(ts []Target) []Target {
	out := make([]Target, len(ts))
	for i, t := range ts {
		out[i] = t
		cloned := false
		for k, vs := range t.Header {
			if !s[http.CanonicalHeaderKey(k)] {
				continue
			}
			if !cloned {
				out[i].Header, cloned = t.Header.Clone(), true
			}
			red := make([]string, len(vs))
			for j := range red {
				red[j] = Redacted
			}
			out[i].Header[k] = red
		}
	}
	return out
}

// Split returns copies of the targets without their secret headers, and
// those headers by target index (nil when no target has one).
func (s SecretHeaders) Split(ts []Target) ([]Target, map[int]http.Header) {
	var secrets map[int]http.Header
	out := make([]Target, len(ts))
	for i, t := range ts {
		out[i] = t
		for k, vs := range t.Header {
			if !s[http.CanonicalHeaderKey(k)] {
				continue
			}
			if secrets == nil {
				secrets = map[int]http.Header{}
			}
			if secrets[i] == nil {
				secrets[i] = http.Header{}
				out[i].Header = t.Header.Clone()
			}
			secrets[i][k] = append([]string(nil), vs...)
			delete(out[i].Header, k)
		}
	}
	return out, secrets
}

// JoinSecrets adds back to targets the headers Split took out of them.
func JoinSecrets(ts []Target, secrets map[int]http.Header) error {
	for i, h := range secrets {
		if i < 0 || i >= len(ts) {
			return fmt.Errorf("secret headers of target %d: there are %d targets", i, len(ts))
		}
		if ts[i].Header == nil {
			ts[i].Header = http.Header{}
		}
		for k, vs := range h {
			if !httpguts.ValidHeaderFieldName(k) {
				return fmt.Errorf("secret header %q of target %d: not a valid header name", k, i)
			}
			for _, v := range vs {
				if !httpguts.ValidHeaderFieldValue(v) {
					return fmt.Errorf("secret header %s of target %d: the value holds CR, LF or another control byte", k, i)
				}
			}
			ts[i].Header[k] = append(ts[i].Header[k], vs...)
		}
	}
	return nil
}
