package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/loadtest"
)

// ruleTargets are the requests `loadtest --ingress NS/NAME` sends: one per
// listener rule of the Ingress, to its ALB.
func (s *Story) ruleTargets(ctx context.Context, key, set string) ([]loadtest.Target, error) {
	t, err := s.topology(ctx, false)
	if err != nil {
		return nil, err
	}
	ts, _, err := loadtest.TopologyTargets(t, loadtest.Selection{Ingresses: []string{key}}, loadtest.RuleOptions{})
	if err != nil {
		return nil, fmt.Errorf("ingress %s: %w", key, err)
	}
	for i := range ts {
		ts[i].Set = set
	}
	return ts, nil
}

func (s *Story) oldPath(ctx context.Context) (string, error) {
	targets, err := s.ruleTargets(ctx, "team-a/storefront", "")
	if err != nil {
		return "", err
	}
	d := time.Duration(float64(s.Requests) / oldPathRate * float64(time.Second))
	shape, err := loadtest.NewShape(loadtest.ShapeOptions{Rate: oldPathRate, Duration: d})
	if err != nil {
		return "", err
	}
	runs, err := s.attack(ctx, loadtest.Options{Targets: targets, Shape: shape, Transport: loadtest.TransportOptions{KeepAlive: true}})
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ %s loadtest run --ingress team-a/storefront --rate %d/s --duration %s\n\n", buildinfo.Command(), oldPathRate, d)
	if err := loadtest.WriteText(&b, runs[0]); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nReal HTTP requests through storefront's ALB (%s), each through a NodePort on one of\n", targets[0].Connect)
	fmt.Fprintf(&b, "three nodes, then kube-proxy to one of two pods. Latency counts from each request's scheduled\n")
	fmt.Fprintf(&b, "send time, so a stall is not hidden, and goes into an HdrHistogram.\n")
	return b.String(), nil
}

// steadyLoad sends steadyRate requests/s across every app's host until
// stop is called, as `kubectl lbctl loadtest run --url … --keepalive=false`
// does: one connection per request, its host resolved through DNS each
// time, so every request follows the weights of its moment.
func (s *Story) steadyLoad(ctx context.Context) (hosts []string, stop func() (*loadtest.Run, error), err error) {
	ings, err := s.sb.Kube.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, in := range ings.Items {
		for _, r := range in.Spec.Rules {
			if r.Host != "" && !seen[r.Host] {
				seen[r.Host] = true
				hosts = append(hosts, r.Host)
			}
		}
	}
	sort.Strings(hosts)
	var urls []string
	for _, h := range hosts {
		urls = append(urls, "http://"+h+"/")
	}
	targets, err := loadtest.URLTargets(urls, loadtest.RequestOptions{})
	if err != nil {
		return nil, nil, err
	}
	for i, h := range hosts {
		targets[i].Name = h
	}
	// Long enough for any migration; stop ends it.
	shape, err := loadtest.NewShape(loadtest.ShapeOptions{Rate: steadyRate, Duration: 30 * time.Minute})
	if err != nil {
		return nil, nil, err
	}
	lctx, cancel := context.WithCancel(ctx)
	type result struct {
		runs []*loadtest.Run
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runs, err := s.attack(lctx, loadtest.Options{Targets: targets, Shape: shape, Transport: loadtest.TransportOptions{KeepAlive: false}})
		done <- result{runs, err}
	}()
	return hosts, func() (*loadtest.Run, error) {
		cancel()
		r := <-done
		if r.err != nil && (!errors.Is(r.err, loadtest.ErrInterrupted) || ctx.Err() != nil) {
			return nil, r.err
		}
		if len(r.runs) == 0 {
			return nil, errors.New("the load test returned no run")
		}
		return r.runs[0], nil
	}, nil
}

// writeLoad summarises a steady load: totals, then each host.
func writeLoad(w io.Writer, run *loadtest.Run) error {
	sum := run.Summarize()
	fmt.Fprintf(w, "  %d requests in %s (%.0f/s), %d failed; latency p50 %s, p99 %s; status %s\n", sum.Requests,
		run.Meta.Measured.Round(100*time.Millisecond), sum.Rate, sum.Errors, fmtMs(run.Latency.Quantile(50)), fmtMs(run.Latency.Quantile(99)), codes(run.Codes))
	if len(run.Kinds) > 0 {
		fmt.Fprintf(w, "  errors by kind: %s\n", codes(run.Kinds))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  HOST\tREQUESTS\tFAILED\tP50\tP99\n")
	for _, r := range run.Rules {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\n", r.Name, r.Requests, r.Errors, fmtMs(r.Latency.Quantile(50)), fmtMs(r.Latency.Quantile(99)))
	}
	return tw.Flush()
}

// codes renders counts as "200×1480 502×2", largest first.
func codes(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// compare measures the old path against the new as `kubectl lbctl
// loadtest ab` does: both under one schedule, alternating in slots, and
// each percentile's difference with a bootstrap confidence interval.
func (s *Story) compare(ctx context.Context) (string, error) {
	a, err := s.ruleTargets(ctx, "team-a/storefront", "a")
	if err != nil {
		return "", err
	}
	b, err := s.ruleTargets(ctx, "team-a/storefront-ip", "b")
	if err != nil {
		return "", err
	}
	rate := float64(2*s.Requests) / abDuration.Seconds()
	shape, err := loadtest.NewShape(loadtest.ShapeOptions{Rate: rate, Duration: abDuration})
	if err != nil {
		return "", err
	}
	runs, err := s.attack(ctx, loadtest.Options{Targets: append(a, b...), Shape: shape, Slot: abSlot, Transport: loadtest.TransportOptions{KeepAlive: true}})
	if err != nil {
		return "", err
	}
	if len(runs) != 2 {
		return "", fmt.Errorf("the A/B test returned %d runs, want 2", len(runs))
	}
	c := loadtest.ABCompare(runs[0], runs[1], abSlot, 1000, 1)
	var out bytes.Buffer
	fmt.Fprintf(&out, "$ %s loadtest ab --a ingress:team-a/storefront --b ingress:team-a/storefront-ip --rate %s/s --duration %s --slot %s\n\n", buildinfo.Command(), strconv.FormatFloat(rate, 'f', -1, 64), abDuration, abSlot)
	if err := loadtest.WriteComparisonText(&out, c, "old path, instance targets via "+a[0].Connect, "new path, ip targets via "+b[0].Connect); err != nil {
		return "", err
	}
	fmt.Fprintf(&out, "\nBoth paths ran under one schedule, alternating every %s in pairs, so whatever else the\n", abSlot)
	fmt.Fprintf(&out, "machine did fell on both alike. B − A below zero is time the ip path saves: the sandbox adds\n")
	fmt.Fprintf(&out, "1 ms to every NodePort hop that crosses zones (2 of 3 here, as on a 3-zone cluster), the hop\n")
	fmt.Fprintf(&out, "ip targets remove. On a real estate, the same command measures it before the old path goes.\n")
	return out.String(), nil
}
