package loadtest

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"
)

// WriteHTML writes a run as one self-contained HTML page (inline SVG, no
// script, nothing fetched): requests per second and latency percentiles
// over time, the latency percentile distribution, and the per-rule, status
// and threshold tables.
func WriteHTML(w io.Writer, run *Run) error {
	s := run.Summarize()
	d := htmlData{
		Title:   "lbctl load test" + nameSuffix(run, noEscape),
		Summary: fmt.Sprintf("%d requests in %s (%.1f/s), %d errors (%s)%s", s.Requests, run.Meta.Measured.Round(100*time.Millisecond), s.Rate, s.Errors, fmtPercent(s.ErrorRatio), stateNote(run, noEscape)),
		Codes:   fmtCounts(run.Codes, " × ", noEscape),
		Latency: latencyCells(run.Latency, true),
		Wait:    latencyCells(run.Wait, true),
		Verdict: run.Thresholds,
	}
	if run.Meta.Shape != nil {
		d.Shape = run.Meta.Shape.String()
	}
	for _, r := range run.Rules {
		d.Rules = append(d.Rules, htmlRule{Name: r.Name, Requests: r.Requests, Errors: fmtPercent(r.ErrorRatio()), Cells: latencyCells(r.Latency, false)})
	}
	d.Rate, d.OverTime = timeCharts(run.Windows)
	d.Percentiles = percentileChart(run.Latency)
	if err := htmlPage.Execute(w, d); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// noEscape leaves a value to html/template, which escapes every value it
// writes for where it writes it.
func noEscape(s string) string { return s }

type htmlData struct {
	Title, Summary, Shape, Codes string
	Latency, Wait                []string
	Rules                        []htmlRule
	Verdict                      []Verdict
	Rate, OverTime, Percentiles  chart
}

type htmlRule struct {
	Name     string
	Requests int64
	Errors   string
	Cells    []string
}

// chart is an SVG chart's drawing: series as polylines, axis ticks.
type chart struct {
	Series []series
	XTicks []tick
	YTicks []tick
	Bars   []bar
	Empty  bool
}

type series struct {
	Name, Color, Points string
}

type tick struct {
	Pos   float64
	Label string
}

type bar struct{ X, Y, W, H float64 }

// Chart geometry: the plot area inside a 760×260 SVG.
const (
	chartLeft, chartTop, chartW, chartH = 60.0, 10.0, 680.0, 210.0
)

func timeCharts(ws []*Window) (chart, chart) {
	if len(ws) == 0 {
		return chart{Empty: true}, chart{Empty: true}
	}
	n := float64(len(ws))
	x := func(t float64) float64 { return chartLeft + t/n*chartW }
	var maxReq int64
	var maxLat time.Duration
	for _, w := range ws {
		maxReq = max(maxReq, w.Requests)
		maxLat = max(maxLat, w.Latency.Quantile(99))
	}
	rate := chart{XTicks: timeTicks(len(ws), x), YTicks: linTicks(float64(maxReq), func(v float64) string { return fmt.Sprintf("%.0f", v) })}
	for _, w := range ws {
		h := 0.0
		if maxReq > 0 {
			h = float64(w.Requests) / niceMax(float64(maxReq)) * chartH
		}
		rate.Bars = append(rate.Bars, bar{X: x(float64(w.T)) + 0.5, Y: chartTop + chartH - h, W: math.Max(chartW/n-1, 0.5), H: h})
	}
	top := niceMax(float64(maxLat) / float64(time.Millisecond))
	over := chart{XTicks: timeTicks(len(ws), x), YTicks: linTicks(float64(maxLat)/float64(time.Millisecond), func(v float64) string { return fmt.Sprintf("%g ms", v) })}
	for _, q := range []struct {
		p     float64
		name  string
		color string
	}{{50, "p50", "#2b6cb0"}, {90, "p90", "#d69e2e"}, {99, "p99", "#c53030"}} {
		var pts []string
		for _, w := range ws {
			if w.Requests == 0 {
				continue
			}
			v := float64(w.Latency.Quantile(q.p)) / float64(time.Millisecond)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(float64(w.T)+0.5), chartTop+chartH-v/top*chartH))
		}
		over.Series = append(over.Series, series{Name: q.name, Color: q.color, Points: strings.Join(pts, " ")})
	}
	return rate, over
}

// percentileChart plots latency against percentile on HdrHistogram's
// log scale of 1/(1−q): 0%, 90%, 99%, 99.9%, 99.99%… equally spaced.
func percentileChart(h *Histogram) chart {
	if h.Count() == 0 {
		return chart{Empty: true}
	}
	const decades = 5.0 // up to 99.999%
	x := func(q float64) float64 {
		v := math.Log10(1 / (1 - math.Min(q/100, 0.999999)))
		return chartLeft + math.Min(v/decades, 1)*chartW
	}
	top := niceMax(float64(h.Max()) / float64(time.Millisecond))
	c := chart{YTicks: linTicks(float64(h.Max())/float64(time.Millisecond), func(v float64) string { return fmt.Sprintf("%g ms", v) })}
	for _, t := range []struct {
		q float64
		l string
	}{{0, "0%"}, {90, "90%"}, {99, "99%"}, {99.9, "99.9%"}, {99.99, "99.99%"}, {99.999, "99.999%"}} {
		c.XTicks = append(c.XTicks, tick{Pos: x(t.q), Label: t.l})
	}
	var pts []string
	for i := 0; i <= 200; i++ {
		q := 100 * (1 - math.Pow(10, -decades*float64(i)/200))
		v := float64(h.Quantile(q)) / float64(time.Millisecond)
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(q), chartTop+chartH-v/top*chartH))
	}
	c.Series = []series{{Name: "latency", Color: "#2b6cb0", Points: strings.Join(pts, " ")}}
	return c
}

func timeTicks(n int, x func(float64) float64) []tick {
	step := int(niceMax(float64(n)/6 + 1))
	var out []tick
	for t := 0; t <= n; t += max(step, 1) {
		out = append(out, tick{Pos: x(float64(t)), Label: fmt.Sprintf("%ds", t)})
	}
	return out
}

func linTicks(maxV float64, label func(float64) string) []tick {
	top := niceMax(maxV)
	var out []tick
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		out = append(out, tick{Pos: chartTop + chartH - float64(i)/4*chartH, Label: label(v)})
	}
	return out
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

var htmlPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:800px;color:#1a202c}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .7em;border-bottom:1px solid #e2e8f0;text-align:right}
td:first-child,th:first-child{text-align:left}code{font-size:.95em}
svg text{font-size:11px;fill:#4a5568}.axis{stroke:#a0aec0}.grid{stroke:#edf2f7}
.pass{color:#276749}.fail{color:#c53030;font-weight:600}
</style></head><body>
<h1>{{.Title}}</h1>
<p>{{.Summary}}</p>{{if .Shape}}<p>Shape: {{.Shape}}</p>{{end}}
<table><tr><th></th><th>mean</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr>
<tr><td>latency (from scheduled send)</td>{{range .Latency}}<td>{{.}}</td>{{end}}</tr>
<tr><td>wait for a worker</td>{{range .Wait}}<td>{{.}}</td>{{end}}</tr></table>
<p>Status codes: {{.Codes}}</p>
{{define "chart"}}{{if .Empty}}<p>No data.</p>{{else}}<svg viewBox="0 0 760 250" width="760" height="250" role="img">
{{range .YTicks}}<line class="grid" x1="60" x2="740" y1="{{.Pos}}" y2="{{.Pos}}"/><text x="54" y="{{.Pos}}" text-anchor="end" dy="4">{{.Label}}</text>{{end}}
{{range .XTicks}}<text x="{{.Pos}}" y="238" text-anchor="middle">{{.Label}}</text>{{end}}
<line class="axis" x1="60" x2="740" y1="220" y2="220"/><line class="axis" x1="60" x2="60" y1="10" y2="220"/>
{{range .Bars}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="#90cdf4"/>{{end}}
{{range .Series}}<polyline fill="none" stroke="{{.Color}}" stroke-width="1.6" points="{{.Points}}"><title>{{.Name}}</title></polyline>{{end}}
</svg>{{if .Series}}<p>{{range .Series}}<span style="color:{{.Color}}">■</span> {{.Name}} &nbsp; {{end}}</p>{{end}}{{end}}{{end}}
<h2>Requests per second</h2>{{template "chart" .Rate}}
<h2>Latency over time (by scheduled send second)</h2>{{template "chart" .OverTime}}
<h2>Latency by percentile</h2>{{template "chart" .Percentiles}}
{{if .Rules}}<h2>Per rule</h2><table><tr><th>rule</th><th>requests</th><th>errors</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th></tr>
{{range .Rules}}<tr><td><code>{{.Name}}</code></td><td>{{.Requests}}</td><td>{{.Errors}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{end}}
{{if .Verdict}}<h2>Thresholds</h2><table><tr><th>threshold</th><th>scope</th><th>result</th><th>value</th></tr>
{{range .Verdict}}<tr><td><code>{{.Threshold}}</code></td><td>{{if .Scope}}{{.Scope}}{{else}}all{{end}}</td>{{if .Passed}}<td class="pass">passed</td>{{else}}<td class="fail">failed</td>{{end}}<td>{{.Value}}</td></tr>{{end}}</table>{{end}}
<p><small>Latency is measured from each request's scheduled send time. Generated by lbctl.</small></p>
</body></html>
`))
