package lbc

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Expected forms, shared by the parsers and the settings resolvers so every
// finding about one annotation shows the same advice.
const (
	ExpectedListenPorts = `JSON list of {"HTTP"|"HTTPS": port} with ports 1-65535, e.g. [{"HTTP":80},{"HTTPS":443}]`
	ExpectedGroupName   = "1-63 lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric"
	ExpectedGroupOrder  = "integer from -1000 to 1000"
	ExpectedAction      = `JSON action: {"type":"forward"|"redirect"|"fixed-response", ...} with forwardConfig.targetGroups[] of serviceName+servicePort, targetGroupARN or targetGroupName`
	ExpectedConditions  = `JSON list of {"field":"host-header"|"path-pattern"|"http-header"|"http-request-method"|"query-string"|"source-ip", "<field>Config":{...}}`
	ExpectedStringMap   = "comma-separated key=value pairs (escape a literal comma as \\,)"
	ExpectedInteger     = "base-10 integer"
	ExpectedBool        = "true or false"
	ExpectedHTTPCodes   = "comma-separated HTTP codes or ranges within 200-499, e.g. 200,202 or 200-299"
	ExpectedGRPCCodes   = "comma-separated gRPC codes or ranges within 0-99, e.g. 0 or 0-99"
)

// Listener protocols the ALB controller accepts in listen-ports.
const (
	ProtocolHTTP  = "HTTP"
	ProtocolHTTPS = "HTTPS"
)

// ListenPort is one ALB listener an Ingress asks for.
type ListenPort struct {
	Protocol string
	Port     int32
}

// ParseListenPorts parses a listen-ports value the way the controller does
// (computeIngressListenPorts): a JSON list of single-key objects mapping
// HTTP or HTTPS to a port in 1-65535. The result is sorted by port, as the
// controller keys listeners by port. A port listed twice keeps its last
// protocol, as in the controller, and is reported as tolerated when the
// protocols differ; so is a list of empty objects, which the controller
// accepts as "no listeners".
func ParseListenPorts(s string) ([]ListenPort, error) {
	key := Key(SuffixListenPorts)
	var entries []map[string]int32
	if err := json.Unmarshal([]byte(s), &entries); err != nil {
		return nil, annErr(key, s, ExpectedListenPorts, err)
	}
	if len(entries) == 0 {
		return nil, annErr(key, s, ExpectedListenPorts, errors.New("empty listen-ports configuration"))
	}
	byPort := map[int32]string{}
	var dupErr error
	for _, entry := range entries {
		protocols := make([]string, 0, len(entry))
		for p := range entry {
			protocols = append(protocols, p)
		}
		sort.Strings(protocols)
		for _, protocol := range protocols {
			port := entry[protocol]
			if port < 1 || port > 65535 {
				return nil, annErr(key, s, ExpectedListenPorts, fmt.Errorf("listen port must be within [1, 65535]: %d", port))
			}
			if protocol != ProtocolHTTP && protocol != ProtocolHTTPS {
				return nil, annErr(key, s, ExpectedListenPorts, fmt.Errorf("listen protocol must be within [HTTP, HTTPS]: %s", protocol))
			}
			if prev, ok := byPort[port]; ok && prev != protocol && dupErr == nil {
				dupErr = tolerated(key, s, ExpectedListenPorts, "port %d listed as both %s and %s, the last one wins", port, prev, protocol)
			}
			byPort[port] = protocol
		}
	}
	out := make([]ListenPort, 0, len(byPort))
	for port, protocol := range byPort {
		out = append(out, ListenPort{Protocol: protocol, Port: port})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Port < out[j].Port })
	if len(out) == 0 {
		// [{}] passes the controller's checks and yields no listener at all.
		return out, tolerated(key, s, ExpectedListenPorts, "no port in any entry: the Ingress gets no listener and no rules")
	}
	if dupErr != nil {
		return out, dupErr
	}
	return out, nil
}

// FormatListenPorts renders ports as a listen-ports value, the inverse of
// ParseListenPorts, for plans that write annotations.
func FormatListenPorts(ports []ListenPort) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range ports {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "{%q:%d}", p.Protocol, p.Port)
	}
	b.WriteByte(']')
	return b.String()
}

// ParseGroupName validates a group name as the controller does
// (validateGroupName). The controller ignores an Ingress whose group name is
// invalid: it joins no group and gets no ALB.
func ParseGroupName(s string) (string, error) {
	key := Key(SuffixGroupName)
	if !validGroupName(s) {
		return "", annErr(key, s, ExpectedGroupName, errors.New("groupName must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"))
	}
	if len(s) > 63 {
		return "", annErr(key, s, ExpectedGroupName, errors.New("groupName must be no more than 63 characters"))
	}
	return s, nil
}

// validGroupName implements ^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$ without a regexp.
func validGroupName(s string) bool {
	if s == "" {
		return false
	}
	alnum := func(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }
	if !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !alnum(c) && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// Group order bounds of current controllers (sortGroupMembers); releases
// before the change used 1-1000 and rejected duplicates.
const (
	MinGroupOrder = -1000
	MaxGroupOrder = 1000
)

// ParseGroupOrder parses group.order: a base-10 integer in [-1000, 1000].
// An invalid order fails the whole group in the controller.
func ParseGroupOrder(s string) (int32, error) {
	key := Key(SuffixGroupOrder)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, annErr(key, s, ExpectedGroupOrder, err)
	}
	if n < MinGroupOrder || n > MaxGroupOrder {
		return 0, annErr(key, s, ExpectedGroupOrder, fmt.Errorf("explicit Ingress group order must be within [%d:%d]", MinGroupOrder, MaxGroupOrder))
	}
	return int32(n), nil
}

// ParseInt parses an integer annotation as the controller does
// (ParseInt64Annotation); annotation names the key for the error.
func ParseInt(s, annotation string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, annErr(annotation, s, ExpectedInteger, err)
	}
	return n, nil
}

// ParseBool parses a boolean annotation as the controller does (strconv.ParseBool).
func ParseBool(s, annotation string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, annErr(annotation, s, ExpectedBool, err)
	}
	return b, nil
}

// ParseStringList splits a stringList annotation the way the controller does
// (splitCommaSeparatedString): on commas, trimming spaces, dropping empties.
func ParseStringList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// ParseAttributes parses a load-balancer-attributes value; see ParseStringMap.
func ParseAttributes(s string) (map[string]string, error) {
	return ParseStringMap(s, Key(SuffixLoadBalancerAttributes))
}

// ParseTags parses a tags value; see ParseStringMap.
func ParseTags(s string) (map[string]string, error) {
	return ParseStringMap(s, Key(SuffixTags))
}

// ParseStringMap parses a stringMap annotation ("k=v,k2=v2") exactly as the
// controller's ParseStringMapAnnotation: pairs split on commas that are
// followed by another '=' (a backslash escapes the next character), keys and
// values trimmed, an empty key or a pair without '=' rejected. A repeated key
// keeps its last value as in the controller; the map is returned with an
// ErrTolerated error naming the key.
func ParseStringMap(s, annotation string) (map[string]string, error) {
	out := map[string]string{}
	var dupErr error
	for _, pair := range splitKeyValuePairs(s) {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, annErr(annotation, s, ExpectedStringMap, fmt.Errorf("pair %q has no '='", pair))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" {
			return nil, annErr(annotation, s, ExpectedStringMap, fmt.Errorf("pair %q has an empty key", pair))
		}
		if prev, dup := out[k]; dup && prev != v && dupErr == nil {
			dupErr = tolerated(annotation, s, ExpectedStringMap, "duplicate key %q: %q is replaced by %q", k, prev, v)
		}
		out[k] = v
	}
	if dupErr != nil {
		return out, dupErr
	}
	return out, nil
}

// splitKeyValuePairs mirrors the controller's splitter of the same name.
func splitKeyValuePairs(s string) []string {
	var result []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			i++
		case s[i] == ',':
			remaining := strings.TrimSpace(s[i+1:])
			switch {
			case strings.Contains(remaining, "="):
				result = append(result, strings.TrimSpace(cur.String()))
				cur.Reset()
			case remaining != "":
				return append(result, strings.TrimSpace(cur.String()), remaining)
			default:
				cur.WriteByte(',')
			}
		default:
			cur.WriteByte(s[i])
		}
	}
	if cur.Len() > 0 {
		result = append(result, strings.TrimSpace(cur.String()))
	}
	return result
}

// FormatStringMap renders m as a stringMap annotation value, keys sorted,
// with ',' and '\' escaped, so ParseStringMap gives m back.
func FormatStringMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	esc := strings.NewReplacer(`\`, `\\`, `,`, `\,`)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, esc.Replace(k)+"="+esc.Replace(m[k]))
	}
	return strings.Join(parts, ",")
}

// CodeRange is an inclusive range of health-check success codes.
type CodeRange struct{ From, To int }

// ParseSuccessCodes checks a success-codes value. The controller passes it to
// AWS unchanged, so this applies AWS's rule instead: comma-separated codes or
// "a-b" ranges within 200-499 for HTTP and HTTP2 target groups, 0-99 when
// protocolVersion is GRPC. A value AWS rejects makes target group creation fail.
func ParseSuccessCodes(s, protocolVersion string) ([]CodeRange, error) {
	key := Key(SuffixSuccessCodes)
	lo, hi, expected := 200, 499, ExpectedHTTPCodes
	if protocolVersion == ProtocolVersionGRPC {
		lo, hi, expected = 0, 99, ExpectedGRPCCodes
	}
	var out []CodeRange
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		from, to, isRange := strings.Cut(item, "-")
		a, errA := strconv.Atoi(from)
		b := a
		var errB error
		if isRange {
			b, errB = strconv.Atoi(to)
		}
		if item == "" || errA != nil || errB != nil || strings.HasPrefix(from, "+") || strings.HasPrefix(to, "+") {
			return nil, annErr(key, s, expected, fmt.Errorf("%q is not a code or range", item))
		}
		if a < lo || b > hi || a > b {
			return nil, annErr(key, s, expected, fmt.Errorf("%q is outside %d-%d", item, lo, hi))
		}
		out = append(out, CodeRange{From: a, To: b})
	}
	return out, nil
}
