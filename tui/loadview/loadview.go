// Package loadview is the live view of a load test: how far the run is,
// the scheduled and the achieved request rate, the last second's latency
// percentiles and their history as a chart, status codes, errors by kind
// and a table of the rules; in an A/B test, B − A so far. Update is a pure
// function of messages: the engine's progress arrives as ProgressMsg about
// once a second (with ABMsg in an A/B test), and DoneMsg when the run
// returned.
package loadview

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/lbctl/lbctl/loadtest"
)

// ProgressMsg delivers the engine's progress.
type ProgressMsg loadtest.Progress

// ABMsg delivers an A/B test's B − A so far: the point differences of the
// final report (loadtest.Compare of the two sides' metrics at the last
// progress). The report's confidence interval resamples the whole run's
// slot pairs, so it comes at the end.
type ABMsg loadtest.Comparison

// DoneMsg says the run returned (Err: why it stopped, nil when it ran to
// its end).
type DoneMsg struct{ Err error }

// Header says what runs: the view's first line.
type Header struct {
	// Title names the command ("lbctl loadtest run").
	Title string
	// Shape is the load shape as the engine prints it ("200/s for 30s").
	Shape   string
	Targets int
	// Paced is false for --rate max: there is no scheduled rate.
	Paced bool
	// AB is true in an A/B test: the view shows B − A (ABMsg).
	AB bool
	// NoInterval is set when the report will have no confidence interval
	// (ab --bootstrap 0), so the live line does not promise one.
	NoInterval bool
}

// percentiles are one second's latency percentiles, in milliseconds (NaN
// for a second without requests).
type percentiles struct{ p50, p90, p99 float64 }

// Model is the view's state.
type Model struct {
	header Header
	stop   func()

	last     loadtest.Progress
	seen     bool
	achieved float64 // responses per second since the previous progress
	prevDone int64
	prevAt   time.Duration
	latency  []percentiles // by window, since the end of the warm-up
	rates    []float64     // achieved, one per progress
	sched    []float64     // scheduled, one per progress
	ruleRate []float64
	prevRule []int64
	ab       *loadtest.Comparison // B − A so far (A/B tests)

	bar   progress.Model
	rules table.Model

	width, height int
	stopping      bool
	done          bool
	err           error
}

// New returns the view of a run; stop asks the run to end early (q or
// ctrl+c), as Ctrl-C does on the plain output: the run returns its partial
// results and the view ends with DoneMsg.
func New(h Header, stop func()) Model {
	m := Model{header: h, stop: stop, width: 100, height: 40,
		bar: progress.New(progress.WithColors(lipgloss.Color("#7D9CFF"), lipgloss.Color("#4FB477")), progress.WithoutPercentage())}
	st := table.DefaultStyles()
	st.Header = st.Header.Foreground(lipgloss.Color("#888888"))
	st.Selected = st.Selected.Foreground(lipgloss.Color("#7D9CFF"))
	m.rules = table.New(table.WithFocused(true), table.WithStyles(st))
	m.layoutTable()
	return m
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd { return nil }

// Update applies progress, the end of the run, keys and window sizes.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ProgressMsg:
		m.apply(loadtest.Progress(msg))
		return m, nil
	case ABMsg:
		c := loadtest.Comparison(msg)
		m.ab = &c
		return m, nil
	case DoneMsg:
		m.done, m.err = true, msg.Err
		return m, tea.Quit
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layoutTable()
		return m, nil
	case tea.KeyPressMsg:
		switch msg.String() {
		case "q", "ctrl+c":
			if m.stopping || m.done {
				return m, tea.Quit // a second press leaves at once
			}
			m.stopping = true
			stop := m.stop
			return m, func() tea.Msg {
				if stop != nil {
					stop()
				}
				return nil
			}
		}
		var cmd tea.Cmd
		m.rules, cmd = m.rules.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) apply(p loadtest.Progress) {
	done := p.Requests + p.WarmupRequests
	if m.seen && p.Elapsed > m.prevAt {
		m.achieved = float64(done-m.prevDone) / (p.Elapsed - m.prevAt).Seconds()
	} else if p.Elapsed > 0 {
		m.achieved = float64(done) / p.Elapsed.Seconds()
	}
	if len(m.prevRule) != len(p.Rules) {
		m.prevRule, m.ruleRate = make([]int64, len(p.Rules)), make([]float64, len(p.Rules))
	}
	for i, r := range p.Rules {
		if dt := (p.Elapsed - m.prevAt).Seconds(); m.seen && dt > 0 {
			m.ruleRate[i] = float64(r.Requests-m.prevRule[i]) / dt
		}
		m.prevRule[i] = r.Requests
	}
	m.prevDone, m.prevAt, m.seen, m.last = done, p.Elapsed, true, p
	m.rates = append(m.rates, m.achieved)
	m.sched = append(m.sched, p.Rate)
	if w := p.Window; w != nil && w.T >= 0 {
		for len(m.latency) <= w.T {
			m.latency = append(m.latency, percentiles{math.NaN(), math.NaN(), math.NaN()})
		}
		if w.Requests > 0 {
			m.latency[w.T] = percentiles{ms(w.Latency.Quantile(50)), ms(w.Latency.Quantile(90)), ms(w.Latency.Quantile(99))}
		}
	}
	// Keep what the widest chart shows.
	const keep = 1024
	if len(m.rates) > 2*keep {
		m.rates, m.sched = append([]float64(nil), m.rates[keep:]...), append([]float64(nil), m.sched[keep:]...)
	}
	m.setRows()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

var (
	styleTitle = lipgloss.NewStyle().Bold(true)
	styleDim   = lipgloss.NewStyle().Foreground(lipgloss.Color("#888888"))
	styleOK    = lipgloss.NewStyle().Foreground(lipgloss.Color("#4FB477"))
	styleWarn  = lipgloss.NewStyle().Foreground(lipgloss.Color("#E5C07B"))
	styleErr   = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#E5534B"))
	colorP50   = lipgloss.Color("#4FB477")
	colorP90   = lipgloss.Color("#E5C07B")
	colorP99   = lipgloss.Color("#E5534B")
	colorRate  = lipgloss.Color("#7D9CFF")
	colorSched = lipgloss.Color("#888888")
)

// Fixed columns of the rule table; the rule's name takes the rest.
var ruleColumns = []table.Column{{Title: "req/s", Width: 8}, {Title: "requests", Width: 10}, {Title: "errors", Width: 8},
	{Title: "err%", Width: 7}, {Title: "p50", Width: 9}, {Title: "p99", Width: 9}}

const labelWidth = 7 // the charts' y-axis labels

func (m *Model) layoutTable() {
	fixed := 0
	for _, c := range ruleColumns {
		fixed += c.Width + 2
	}
	cols := append([]table.Column{{Title: "rule", Width: max(20, m.width-fixed-2)}}, ruleColumns...)
	m.rules.SetColumns(cols)
	m.rules.SetWidth(m.width)
	// The table (its header included) takes what the rest of the view
	// leaves, and shows three rules at least.
	m.rules.SetHeight(max(4, min(len(m.last.Rules)+1, m.height-fixedLines-m.abLines()-m.chartHeight()-m.rateLines())))
}

// fixedLines counts the view's lines outside the charts' plots and the
// table.
const fixedLines = 15

// chartHeight is the latency chart's height in rows.
func (m Model) chartHeight() int { return min(10, max(4, (m.height-20)/3)) }

// rateHeight is the rate chart's height in rows (0: no room for it);
// rateLines counts its legend too.
func (m Model) rateHeight() int {
	if m.height < 36 {
		return 0
	}
	return 3
}

// abLines counts the B − A line of an A/B test.
func (m Model) abLines() int {
	if m.header.AB {
		return 1
	}
	return 0
}

func (m Model) rateLines() int {
	if h := m.rateHeight(); h > 0 {
		return h + 1
	}
	return 0
}

func (m *Model) setRows() {
	rows := make([]table.Row, 0, len(m.last.Rules))
	for i, r := range m.last.Rules {
		name := loadtest.TerminalText(r.Name)
		if r.Set != "" {
			name = r.Set + ": " + name
		}
		errPct := "-"
		if r.Requests > 0 {
			errPct = strconv.FormatFloat(100*float64(r.Errors)/float64(r.Requests), 'f', 2, 64)
		}
		p50, p99 := "-", "-"
		if r.Requests > 0 {
			p50, p99 = fmtDur(r.P50), fmtDur(r.P99)
		}
		rows = append(rows, table.Row{name, fmtRate(m.ruleRate[i]), strconv.FormatInt(r.Requests, 10), strconv.FormatInt(r.Errors, 10), errPct, p50, p99})
	}
	m.rules.SetRows(rows)
	m.layoutTable()
}

// View renders the model in the alternate screen.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = m.header.Title
	return v
}

// Render is the view as text (tests read it).
func (m Model) Render() string {
	var b strings.Builder
	p := m.last
	state := styleDim.Render("starting")
	switch {
	case m.done && m.err != nil:
		state = styleErr.Render("stopped")
	case m.done:
		state = styleOK.Render("finished")
	case m.stopping:
		state = styleWarn.Render("stopping…")
	case m.seen && p.Warmup:
		state = styleWarn.Render("warm-up")
	case m.seen:
		state = styleOK.Render("measuring")
	}
	fmt.Fprintf(&b, "%s  %s  %s\n", styleTitle.Render(m.header.Title),
		styleDim.Render(fmt.Sprintf("%d target(s) · %s · %s / %s", m.header.Targets, m.header.Shape, p.Elapsed.Round(time.Second), p.Duration)), state)
	frac := 0.0
	if p.Duration > 0 {
		frac = min(1, float64(p.Elapsed)/float64(p.Duration))
	}
	m.bar.SetWidth(max(10, m.width-8))
	fmt.Fprintf(&b, "%s %3.0f%%\n\n", m.bar.ViewAs(frac), 100*frac)

	sched := "max (unpaced)"
	if m.header.Paced {
		sched = fmtRate(p.Rate) + "/s"
	}
	errPct := 0.0
	if p.Requests > 0 {
		errPct = 100 * float64(p.Errors) / float64(p.Requests)
	}
	errs := fmt.Sprintf("%d (%.2f%%)", p.Errors, errPct)
	if p.Errors > 0 {
		errs = styleErr.Render(errs)
	}
	fmt.Fprintf(&b, "rate      scheduled %s   achieved %s/s   requests %d   errors %s", sched, fmtRate(m.achieved), p.Requests, errs)
	if p.WarmupRequests > 0 {
		fmt.Fprintf(&b, styleDim.Render("   warm-up %d (excluded)"), p.WarmupRequests)
	}
	b.WriteString("\n")
	if w := p.Window; w != nil && w.Requests > 0 {
		l := w.Latency
		fmt.Fprintf(&b, "latency   p50 %s   p90 %s   p99 %s   max %s   %s\n", fmtDur(l.Quantile(50)), fmtDur(l.Quantile(90)),
			fmtDur(l.Quantile(99)), fmtDur(l.Max()), styleDim.Render(fmt.Sprintf("second %d: %d requests, from the scheduled send", w.T+1, w.Requests)))
	} else {
		fmt.Fprintf(&b, "latency   %s\n", styleDim.Render("after the first measured second"))
	}
	if m.header.AB {
		fmt.Fprintf(&b, "B − A     %s\n", abLine(m.ab, !m.header.NoInterval))
	}
	b.WriteString("\n")
	m.renderLatency(&b)
	if h := m.rateHeight(); h > 0 {
		m.renderRates(&b, h)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "status    %s\n", codesLine(p.Codes, p.Requests))
	fmt.Fprintf(&b, "errors    %s\n\n", kindsLine(p.Kinds))
	b.WriteString(m.rules.View())
	b.WriteString("\n\n")
	switch {
	case m.done && m.err != nil:
		b.WriteString(styleErr.Render(m.err.Error()))
	case m.done:
		b.WriteString(styleOK.Render("finished"))
	case m.stopping:
		b.WriteString(styleWarn.Render("stopping: the partial results follow (q again leaves at once)"))
	default:
		b.WriteString(styleDim.Render("q / ctrl+c stop the run (partial results are reported) · ↑/↓ scroll the rules"))
	}
	b.WriteString("\n")
	return b.String()
}

func (m Model) plotWidth() int { return max(10, m.width-labelWidth-4) }

func (m Model) renderLatency(b *strings.Builder) {
	w, h := m.plotWidth(), m.chartHeight()
	lat := m.latency
	if len(lat) > 2*w {
		lat = lat[len(lat)-2*w:]
	}
	first := len(m.latency) - len(lat)
	p50, p90, p99 := make([]float64, len(lat)), make([]float64, len(lat)), make([]float64, len(lat))
	peak := 0.0
	for i, x := range lat {
		p50[i], p90[i], p99[i] = x.p50, x.p90, x.p99
		if !math.IsNaN(x.p99) {
			peak = max(peak, x.p99)
		}
	}
	fmt.Fprintf(b, "latency by second  %s %s %s\n", lipgloss.NewStyle().Foreground(colorP50).Render("━ p50"),
		lipgloss.NewStyle().Foreground(colorP90).Render("━ p90"), lipgloss.NewStyle().Foreground(colorP99).Render("━ p99"))
	ss := []series{{"p50", colorP50, p50}, {"p90", colorP90, p90}, {"p99", colorP99, p99}}
	for _, l := range drawChart(ss, w, h, chartScale(peak), func(v float64) string { return fmtDur(time.Duration(v * float64(time.Millisecond))) }, labelWidth) {
		b.WriteString(l)
		b.WriteString("\n")
	}
	axis := strings.Repeat(" ", labelWidth) + " └" + strings.Repeat("─", w)
	b.WriteString(styleDim.Render(axis))
	b.WriteString("\n")
	// Seconds since the end of the warm-up of the first and the last
	// plotted second, at the plot's edges.
	if len(lat) > 0 {
		from, to := fmt.Sprintf("%ds", first+1), fmt.Sprintf("%ds", len(m.latency))
		if len(lat) == 1 {
			from = ""
		}
		b.WriteString(styleDim.Render(strings.Repeat(" ", labelWidth+2) + from + strings.Repeat(" ", max(1, w-len(from)-len(to))) + to))
	}
	b.WriteString("\n")
}

func (m Model) renderRates(b *strings.Builder, h int) {
	w := m.plotWidth()
	peak := 0.0
	for i := max(0, len(m.rates)-2*w); i < len(m.rates); i++ {
		peak = max(peak, m.rates[i], m.sched[i])
	}
	ss := []series{{"achieved", colorRate, m.rates}}
	if m.header.Paced {
		ss = []series{{"scheduled", colorSched, m.sched}, {"achieved", colorRate, m.rates}}
	}
	legend := lipgloss.NewStyle().Foreground(colorRate).Render("━ achieved")
	if m.header.Paced {
		legend = lipgloss.NewStyle().Foreground(colorSched).Render("━ scheduled") + " " + legend
	}
	fmt.Fprintf(b, "requests/s  %s\n", legend)
	for _, l := range drawChart(ss, w, h, chartScale(peak), fmtRate, labelWidth) {
		b.WriteString(l)
		b.WriteString("\n")
	}
}

// abLine writes B − A so far for the percentiles the latency line shows
// and the error rate: negative (B better) in the OK style, positive in the
// error style; the sign says it without colour. Before both sides have
// measured requests there is nothing to subtract.
func abLine(c *loadtest.Comparison, interval bool) string {
	if c == nil || c.ARequests == 0 || c.BRequests == 0 || c.Unmeasured != "" {
		return styleDim.Render("after the first measured requests of both sides")
	}
	var parts []string
	for _, stat := range []string{"p50", "p90", "p99"} {
		for _, d := range c.Diffs {
			if d.Stat == stat {
				parts = append(parts, stat+" "+judged(signedMs(d.Diff)))
			}
		}
	}
	parts = append(parts, "errors "+judged(signedPct(100*(c.BErrors-c.AErrors))))
	later := "; interval at the end"
	if !interval {
		later = ""
	}
	return strings.Join(parts, "   ") + "   " +
		styleDim.Render(fmt.Sprintf("(%d A, %d B requests so far%s)", c.ARequests, c.BRequests, later))
}

// judged styles a signed difference: B lower is better.
func judged(s string, sign int) string {
	switch {
	case sign < 0:
		return styleOK.Render(s)
	case sign > 0:
		return styleErr.Render(s)
	}
	return s
}

// signedMs writes a latency difference in milliseconds with three
// significant digits, as signedNum.
func signedMs(d time.Duration) (string, int) {
	v, prec := ms(d), 2
	switch a := math.Abs(v); {
	case a >= 99.95:
		prec = 0
	case a >= 9.995:
		prec = 1
	}
	return signedNum(v, prec, "ms")
}

// signedPct writes a difference of percentages with two decimals.
func signedPct(p float64) (string, int) { return signedNum(p, 2, "%") }

// signedNum writes v with prec decimals, its sign (− is U+2212) and unit,
// and returns the sign of what it shows: 0, and no sign, when it rounds to
// zero.
func signedNum(v float64, prec int, unit string) (string, int) {
	n := strconv.FormatFloat(math.Abs(v), 'f', prec, 64)
	switch {
	case strings.Trim(n, "0.") == "":
		return n + unit, 0
	case v < 0:
		return "−" + n + unit, -1
	}
	return "+" + n + unit, 1
}

// codesLine lists the status codes by code with their shares.
func codesLine(codes map[string]int64, total int64) string {
	if len(codes) == 0 {
		return styleDim.Render("none yet")
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(codes)) {
		name := k
		if k == "0" {
			name = "no response"
		}
		s := fmt.Sprintf("%s %d (%.1f%%)", name, codes[k], 100*float64(codes[k])/float64(max(total, 1)))
		if k == "0" || k >= "4" {
			s = styleErr.Render(s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " · ")
}

// kindsLine lists the errors by kind, the most frequent first.
func kindsLine(kinds map[string]int64) string {
	if len(kinds) == 0 {
		return styleDim.Render("none")
	}
	keys := slices.Sorted(maps.Keys(kinds))
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(kinds[b], kinds[a]) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, kinds[k]))
	}
	return styleErr.Render(strings.Join(parts, " · "))
}

// fmtRate writes a rate without decimals past 100/s.
func fmtRate(r float64) string {
	if r >= 100 || r == math.Trunc(r) {
		return strconv.FormatFloat(math.Round(r), 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// fmtDur writes a latency with three significant digits.
func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "0"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d/time.Microsecond)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", ms(d))
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1fms", ms(d))
	case d < time.Second:
		return fmt.Sprintf("%.0fms", ms(d))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}
