// Package scan turns a topology into findings: what still uses NodePort
// instance targets, which ALBs it costs, and what stands between the cluster
// and ip targets on shared ALBs. Each check lives in its own file; Run is pure.
package scan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/topology"
)

// Severity of a finding.
type Severity string

// Severities, from least to most serious.
const (
	Info    Severity = "info"
	Warning Severity = "warning"
	Error   Severity = "error"
)

// Rank orders severities (info 0, warning 1, error 2).
func (s Severity) Rank() int {
	switch s {
	case Warning:
		return 1
	case Error:
		return 2
	}
	return 0
}

// ParseSeverity parses a --fail-on value.
func ParseSeverity(s string) (Severity, error) {
	switch Severity(s) {
	case Info, Warning, Error:
		return Severity(s), nil
	}
	return "", fmt.Errorf("severity %q is not one of info, warning, error", s)
}

// Finding codes: stable identifiers scripts can match on. docs/scan.md lists them.
const (
	CodeInstanceMode       = "instance-mode"
	CodeNodePortOnly       = "nodeport-only-for-instance"
	CodeOwnALB             = "alb-per-ingress"
	CodeGroupConflict      = "group-conflict"
	CodeGroupRules         = "group-rules-quota"
	CodeGroupTargetGroups  = "group-target-groups-quota"
	CodeGroupCertificates  = "group-certificates-quota"
	CodeGroupListeners     = "group-listeners-quota"
	CodeInstanceTargets    = "instance-targets-quota"
	CodeSubnetALB          = "subnet-ips-for-alb"
	CodeSubnetPods         = "subnet-ips-for-pods"
	CodeReadinessGateLabel = "readiness-gate-label"
	CodePreStop            = "prestop-sleep"
	CodeNamedHealthPort    = "named-healthcheck-port"
	CodeClusterIPInstance  = "clusterip-instance"
	CodeOrphanALB          = "orphan-alb"
	CodeOrphanTargetGroup  = "orphan-target-group"
	CodeOrphansNotJudged   = "orphans-not-judged"
	CodeOtherController    = "other-controller"
	CodeAnnotationInvalid  = "annotation-invalid"
	CodeServiceMissing     = "backend-missing"
	CodeClassMissing       = "ingress-class-problem"
	CodeClassAssumed       = "ingress-class-assumed"
	CodeParamsMissing      = "ingress-class-params-missing"
	CodeAWSAccess          = "aws-access"
	CodeTargetsUnhealthy   = "targets-unhealthy"
	CodeClusterNameUnknown = "cluster-name-unknown"
)

// Finding is one thing that stands in the way, or is worth knowing.
type Finding struct {
	Severity Severity             `json:"severity"`
	Code     string               `json:"code"`
	Message  string               `json:"message"`
	Objects  []topology.ObjectRef `json:"objects"`
	Remedy   string               `json:"remedy,omitempty"`
}

// SortFindings orders findings by severity (most serious first), code, then
// the first object.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return firstObject(a) < firstObject(b)
	})
}

func firstObject(f Finding) string {
	if len(f.Objects) == 0 {
		return ""
	}
	return f.Objects[0].String()
}

// Worst returns the most serious severity among findings ("" when none).
func Worst(fs []Finding) Severity {
	var w Severity
	for _, f := range fs {
		if w == "" || f.Severity.Rank() > w.Rank() {
			w = f.Severity
		}
	}
	return w
}

func refs(items ...topology.ObjectRef) []topology.ObjectRef { return items }

func joinKeys(keys []string) string {
	if len(keys) > 6 {
		return strings.Join(keys[:6], ", ") + fmt.Sprintf(" and %d more", len(keys)-6)
	}
	return strings.Join(keys, ", ")
}

// plural words a count: "1 ALB", "3 ALBs".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
