package loadtest

import (
	"strconv"
	"strings"
)

// Error kinds a failed request is counted under. Responses with an error
// status count as "http_4xx"/"http_5xx"; requests that got no response as
// what went wrong on the way.
const (
	KindHTTP4xx   = "http_4xx"
	KindHTTP5xx   = "http_5xx"
	KindHTTPOther = "http_other" // 1xx and other statuses outside 200-399
	KindRefused   = "refused"
	KindReset     = "reset"
	KindTimeout   = "timeout"
	KindDNS       = "dns"
	KindTLS       = "tls"
	KindEOF       = "eof"
	KindCanceled  = "canceled"
	KindOther     = "other"
)

// Origins of an error: the ALB answered it itself (Server: awselb/…), the
// target (pod) answered it, or no response came back at all.
const (
	OriginALB     = "alb"
	OriginTarget  = "target"
	OriginNetwork = "network"
)

// isError reports whether a result is an error, as vegeta counts them: no
// response, or a status outside 200-399.
func isError(code uint16) bool { return code < 200 || code >= 400 }

// errorKind classifies a failed result. vegeta keeps only the error's
// text, so transport errors are told apart by the messages Go's net, tls
// and http packages write.
func errorKind(code uint16, msg string) string {
	switch {
	case code >= 500 && code < 600:
		return KindHTTP5xx
	case code >= 400 && code < 500:
		return KindHTTP4xx
	case code != 0:
		return KindHTTPOther
	}
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "context canceled"):
		return KindCanceled
	case strings.Contains(m, "connection refused"):
		return KindRefused
	case strings.Contains(m, "connection reset"), strings.Contains(m, "broken pipe"):
		return KindReset
	case strings.Contains(m, "timeout"), strings.Contains(m, "deadline exceeded"):
		return KindTimeout
	case strings.Contains(m, "no such host"), strings.Contains(m, "resolve "), strings.Contains(m, "lookup "):
		return KindDNS
	case strings.Contains(m, "tls:"), strings.Contains(m, "x509:"), strings.Contains(m, "certificate"):
		return KindTLS
	case strings.HasSuffix(m, "eof"):
		return KindEOF
	}
	return KindOther
}

// statusKey is the JSON key of a status code (0: no response); the usual
// ones without allocating.
func statusKey(code uint16) string {
	switch code {
	case 200:
		return "200"
	case 0:
		return "0"
	case 204:
		return "204"
	case 301:
		return "301"
	case 302:
		return "302"
	case 404:
		return "404"
	case 500:
		return "500"
	case 502:
		return "502"
	case 503:
		return "503"
	case 504:
		return "504"
	}
	return strconv.Itoa(int(code))
}

// isALBServer reports whether a Server header names an ALB, which marks
// the responses the load balancer generated itself (502s when a target
// resets, 503s with no healthy target, 504s on target timeouts, fixed
// responses and redirects).
func isALBServer(server string) bool { return strings.HasPrefix(server, "awselb") }
