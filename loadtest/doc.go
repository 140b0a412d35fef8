// Package loadtest is lbctl's ALB-aware load-test engine, built on the
// vegeta library: targets from URLs, vegeta target files or the topology's
// listener rules, open-model load shapes, latency measured from each
// request's scheduled send time into mergeable HdrHistograms, breakdowns per
// rule, status, error kind, origin (ALB or target) and pod, thresholds, and
// A/B comparison of two routing paths.
package loadtest
