package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// reportQuantiles are the percentiles reports show.
var reportQuantiles = []float64{50, 90, 95, 99, 99.9}

// WriteText writes a run as a plain-text report for a terminal or a log.
func WriteText(w io.Writer, run *Run) error {
	ew := &errWriter{w: w}
	s := run.Summarize()
	title := "load test"
	if run.Meta.Name != "" && run.Meta.Name != "run" {
		title = "load test " + TerminalText(run.Meta.Name)
	}
	ew.printf("%s: %d requests in %s (%.1f/s), %d errors (%s)%s\n", title, s.Requests,
		run.Meta.Measured.Round(100*time.Millisecond), s.Rate, s.Errors, fmtPercent(s.ErrorRatio), stateNote(run, TerminalText))
	if run.Meta.Shape != nil {
		ew.printf("shape: %s\n", run.Meta.Shape)
	}
	if m := missedNote(run); m != "" {
		ew.printf("%s\n", m)
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tmean\tp50\tp90\tp95\tp99\tp99.9\tmax\n")
	for _, row := range []struct {
		name string
		h    *Histogram
	}{{"latency (from scheduled send)", run.Latency}, {"service time (from actual send)", run.Service}, {"wait for a worker", run.Wait}} {
		fmt.Fprintf(tw, "%s\t%s\n", row.name, strings.Join(latencyCells(row.h, true), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	ew.printf("status codes: %s\n", fmtCounts(run.Codes, "×", TerminalText))
	if run.Errors > 0 {
		ew.printf("errors by kind: %s; by origin: %s\n", fmtCounts(run.Kinds, " ", TerminalText), fmtCounts(run.Origins, " ", TerminalText))
	}
	if len(run.Rules) > 0 {
		ew.printf("\nper rule:\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  RULE\tREQUESTS\tERRORS\tP50\tP90\tP95\tP99\tP99.9\n")
		for _, r := range run.Rules {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", TerminalText(r.Name), r.Requests, fmtPercent(r.ErrorRatio()), strings.Join(latencyCells(r.Latency, false), "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if top, other := run.TopPods(ReportPods); len(top) > 0 {
		ew.printf("\nper pod (%s header", TerminalText(orDefault(run.Meta.Options.PodHeader, DefaultPodHeader)))
		if other != nil {
			ew.printf("; the %d with the most requests", len(top))
		}
		ew.printf("):\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  POD\tREQUESTS\tERRORS\tP50\tP99\n")
		for _, p := range top {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", TerminalText(p.Name), p.Requests, fmtPercent(p.ErrorRatio()), fmtDuration(p.Latency.Quantile(50)), fmtDuration(p.Latency.Quantile(99)))
		}
		if other != nil {
			fmt.Fprintf(tw, "  (other %d pods)\t%d\t%s\t%s\t%s\n", other.Pods, other.Requests, fmtPercent(other.ErrorRatio()), fmtDuration(other.Latency.Quantile(50)), fmtDuration(other.Latency.Quantile(99)))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(run.Thresholds) > 0 {
		ew.printf("\nthresholds:\n")
		for _, v := range run.Thresholds {
			ew.printf("  %s\n", v)
		}
	}
	return ew.err
}

// stateNote says whether the run was cut short, its reason escaped by esc
// for the sink it goes to.
func stateNote(run *Run, esc func(string) string) string {
	switch {
	case run.Meta.Aborted != "":
		return " — aborted: " + esc(run.Meta.Aborted)
	case run.Meta.Interrupted:
		return " — interrupted, partial results"
	}
	return ""
}

// missedNote says how many scheduled requests were never sent, "" when
// none: the rate measured is then less than the rate asked.
func missedNote(run *Run) string {
	if run.Meta.Missed <= 0 {
		return ""
	}
	return fmt.Sprintf("missed sends: %d scheduled requests were never sent (the generator fell behind; lower the rate, raise --max-workers, or spread the load with --workers)", run.Meta.Missed)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func latencyCells(h *Histogram, mean bool) []string {
	var out []string
	if mean {
		out = append(out, fmtDuration(h.Mean()))
	}
	for _, q := range reportQuantiles {
		out = append(out, fmtDuration(h.Quantile(q)))
	}
	if mean {
		out = append(out, fmtDuration(h.Max()))
	}
	return out
}

// fmtCounts lists a count map by key ("200×98, 502×2"), the keys escaped
// by esc.
func fmtCounts(m map[string]int64, sep string, esc func(string) string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		label := k
		if k == "0" {
			label = "no response"
		}
		parts = append(parts, esc(label)+sep+strconv.FormatInt(m[k], 10))
	}
	return strings.Join(parts, ", ")
}

// WriteMarkdown writes a run as GitHub-flavoured Markdown (a PR comment,
// a job summary).
func WriteMarkdown(w io.Writer, run *Run) error {
	ew := &errWriter{w: w}
	s := run.Summarize()
	ew.printf("### lbctl load test%s\n\n", nameSuffix(run, markdownText))
	ew.printf("%d requests in %s (%.1f/s), %d errors (%s)%s\n\n", s.Requests, run.Meta.Measured.Round(100*time.Millisecond), s.Rate, s.Errors, fmtPercent(s.ErrorRatio), stateNote(run, markdownText))
	ew.printf("| | mean | p50 | p90 | p95 | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|---|\n")
	ew.printf("| latency | %s |\n", strings.Join(latencyCells(run.Latency, true), " | "))
	ew.printf("| wait for a worker | %s |\n\n", strings.Join(latencyCells(run.Wait, true), " | "))
	if m := missedNote(run); m != "" {
		ew.printf("%s\n\n", m)
	}
	ew.printf("Status codes: %s\n\n", fmtCounts(run.Codes, " × ", markdownText))
	if run.Errors > 0 {
		ew.printf("Errors by kind: %s; by origin: %s\n\n", fmtCounts(run.Kinds, " ", markdownText), fmtCounts(run.Origins, " ", markdownText))
	}
	if len(run.Rules) > 0 {
		ew.printf("| rule | requests | errors | p50 | p90 | p95 | p99 | p99.9 |\n|---|---|---|---|---|---|---|---|\n")
		for _, r := range run.Rules {
			ew.printf("| %s | %d | %s | %s |\n", markdownCode(r.Name, true), r.Requests, fmtPercent(r.ErrorRatio()), strings.Join(latencyCells(r.Latency, false), " | "))
		}
		ew.printf("\n")
	}
	if len(run.Thresholds) > 0 {
		writeVerdictTable(ew, run.Thresholds)
	}
	return ew.err
}

func nameSuffix(run *Run, esc func(string) string) string {
	if run.Meta.Name != "" && run.Meta.Name != "run" {
		return " — " + esc(run.Meta.Name)
	}
	return ""
}

func writeVerdictTable(ew *errWriter, vs []Verdict) {
	ew.printf("| threshold | scope | result | value |\n|---|---|---|---|\n")
	for _, v := range vs {
		res := "✅ passed"
		if !v.Passed {
			res = "❌ failed"
		}
		scope := markdownText(v.Scope)
		if scope == "" {
			scope = "all"
		}
		ew.printf("| %s | %s | %s | %s |\n", markdownCode(v.Threshold, true), scope, res, markdownText(v.Value))
	}
	ew.printf("\n")
}

// GitHubAnnotations returns a GitHub Actions ::error:: workflow command
// for each failed verdict.
func GitHubAnnotations(vs []Verdict) []string {
	var out []string
	for _, v := range vs {
		if v.Passed {
			continue
		}
		msg := "threshold " + v.Threshold + " failed: " + v.Value
		if v.Scope != "" {
			msg += " (rule " + v.Scope + ")"
		}
		out = append(out, "::error title=lbctl loadtest::"+workflowText(msg))
	}
	return out
}

// WriteStepSummary writes what $GITHUB_STEP_SUMMARY gets: the run's
// Markdown report, thresholds table included.
func WriteStepSummary(w io.Writer, run *Run) error { return WriteMarkdown(w, run) }

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
