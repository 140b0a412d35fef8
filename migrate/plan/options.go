package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// GroupByMode says which Ingresses share an ALB.
type GroupByMode string

// Grouping modes of --group-by.
const (
	// GroupByNamespace shares one ALB per namespace (the default).
	GroupByNamespace GroupByMode = "namespace"
	// GroupByCluster shares one ALB for the whole cluster.
	GroupByCluster GroupByMode = "cluster"
	// GroupByLabel shares one ALB per value of a label (on the Ingress, else
	// on its namespace).
	GroupByLabel GroupByMode = "label"
	// GroupByNone keeps one ALB per Ingress: only the target type changes.
	GroupByNone GroupByMode = "none"
)

// GroupBy is the typed --group-by value.
type GroupBy struct {
	Mode GroupByMode
	// Label is the label key for GroupByLabel.
	Label string
}

// String renders the flag form ("label=team").
func (g GroupBy) String() string {
	if g.Mode == GroupByLabel {
		return "label=" + g.Label
	}
	return string(g.Mode)
}

// ParseGroupBy reads a --group-by value: namespace, cluster, none or
// label=KEY.
func ParseGroupBy(s string) (GroupBy, error) {
	switch GroupByMode(s) {
	case GroupByNamespace, GroupByCluster, GroupByNone:
		return GroupBy{Mode: GroupByMode(s)}, nil
	}
	if k, ok := strings.CutPrefix(s, "label="); ok {
		if k == "" {
			return GroupBy{}, fmt.Errorf("--group-by label= needs a label key, e.g. label=team")
		}
		return GroupBy{Mode: GroupByLabel, Label: k}, nil
	}
	return GroupBy{}, fmt.Errorf("group-by %q is not one of namespace, cluster, label=KEY, none", s)
}

// DNSMode says how traffic moves from an old ALB to a new one.
type DNSMode string

// DNS shift modes.
const (
	// DNSExternalDNS weights the records through ExternalDNS annotations
	// (set-identifier and aws-weight) on the old and new Ingresses.
	DNSExternalDNS DNSMode = "externaldns"
	// DNSRoute53 changes Route53 weighted records directly.
	DNSRoute53 DNSMode = "route53"
)

// Defaults of the options, documented in docs/plan.md.
const (
	// DefaultPricePerHour is the ALB-hour price in USD (us-east-1, on demand);
	// LCU charges are not part of the estimate.
	DefaultPricePerHour = 0.0225
	// HoursPerMonth is the month the cost estimate uses (AWS's 730 hours).
	HoursPerMonth = 730
	// DefaultSuffix names the parallel ip-mode Ingress: <name>-ip.
	DefaultSuffix = "-ip"
	// DefaultSoak is the time each traffic step is watched before the next.
	DefaultSoak = 5 * time.Minute
)

// DefaultSteps are the traffic percentages moved to the new targets, in order.
func DefaultSteps() []int { return []int{10, 50, 100} }

// Options tune Build. The zero value plans with the defaults.
type Options struct {
	GroupBy GroupBy
	// Regroup dissolves existing explicit groups that hold Ingresses to move
	// (or whose members conflict) instead of changing them in place; groups
	// pinned by IngressClassParams are always kept.
	Regroup bool
	// Limits are the quotas to pack under; zero means the AWS account's
	// (when the topology has DescribeAccountLimits) else lbc.DefaultLimits.
	Limits lbc.Limits
	// PricePerHour of one ALB in USD; 0 means DefaultPricePerHour.
	PricePerHour float64
	// DNS is how traffic moves to a new ALB; "" means DNSExternalDNS.
	DNS DNSMode
	// Steps are the percentages of traffic on the new targets after each
	// shift step; nil means DefaultSteps. The last is always 100.
	Steps []int
	// Soak is the wait between steps; 0 means DefaultSoak.
	Soak time.Duration
	// Suffix names the parallel Ingress; "" means DefaultSuffix.
	Suffix string
	// Live are the cluster facts the preflight checks use when the plan
	// is made against a cluster; nil for manifests.
	Live *Live
}

func (o Options) withDefaults(t *topology.Topology) Options {
	if o.GroupBy.Mode == "" {
		o.GroupBy.Mode = GroupByNamespace
	}
	if o.Limits == (lbc.Limits{}) {
		o.Limits = lbc.DefaultLimits()
		if t.AWS != nil && len(t.AWS.Limits) > 0 {
			o.Limits = lbc.LimitsFromAWS(t.AWS.Limits)
		}
	}
	if o.PricePerHour == 0 {
		o.PricePerHour = DefaultPricePerHour
	}
	if o.DNS == "" {
		o.DNS = DNSExternalDNS
	}
	if len(o.Steps) == 0 {
		o.Steps = DefaultSteps()
	}
	if o.Steps[len(o.Steps)-1] != 100 {
		o.Steps = append(append([]int(nil), o.Steps...), 100)
	}
	if o.Soak == 0 {
		o.Soak = DefaultSoak
	}
	if o.Suffix == "" {
		o.Suffix = DefaultSuffix
	}
	return o
}
