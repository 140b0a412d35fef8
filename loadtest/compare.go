package loadtest

import (
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Diff is one statistic of B against A (B − A: negative means B is faster).
type Diff struct {
	Stat string        `json:"stat"`
	A    time.Duration `json:"aNs"`
	B    time.Duration `json:"bNs"`
	Diff time.Duration `json:"diffNs"`
	// Low and High bound the 95% confidence interval of Diff, when known
	// (an A/B test's bootstrap).
	Low  *time.Duration `json:"lowNs,omitempty"`
	High *time.Duration `json:"highNs,omitempty"`
}

// Comparison is B against A, percentile by percentile.
type Comparison struct {
	A, B       string  `json:"-"`
	ARequests  int64   `json:"aRequests"`
	BRequests  int64   `json:"bRequests"`
	AErrors    float64 `json:"aErrorRatio"`
	BErrors    float64 `json:"bErrorRatio"`
	Diffs      []Diff  `json:"diffs"`
	Bootstraps int     `json:"bootstraps,omitempty"`
	// Unmeasured names the side with no latency sample ("A", "B" or "A
	// and B"), when one has none: there is then no difference.
	Unmeasured string `json:"unmeasured,omitempty"`
	// Pairs is how many slot pairs the bootstrap resampled.
	Pairs int `json:"pairs,omitempty"`
}

// Compare sets two runs side by side: each percentile of latency (from the
// scheduled send time) and their difference. Runs measured at different
// times carry machine and network noise in the difference; an A/B test
// (ABCompare) cancels it and bounds it.
func Compare(a, b *Run) *Comparison {
	c := &Comparison{A: a.Meta.Name, B: b.Meta.Name, ARequests: a.Requests, BRequests: b.Requests, AErrors: a.ErrorRatio(), BErrors: b.ErrorRatio()}
	switch na, nb := a.Latency.Count() == 0, b.Latency.Count() == 0; {
	case na && nb:
		c.Unmeasured = "A and B"
	case na:
		c.Unmeasured = "A"
	case nb:
		c.Unmeasured = "B"
	}
	if c.Unmeasured != "" {
		return c
	}
	for _, st := range compareStats() {
		va, vb := st.of(a.Latency), st.of(b.Latency)
		c.Diffs = append(c.Diffs, Diff{Stat: st.name, A: va, B: vb, Diff: vb - va})
	}
	return c
}

type stat struct {
	name string
	of   func(*Histogram) time.Duration
}

func compareStats() []stat {
	out := []stat{{"mean", (*Histogram).Mean}}
	for _, q := range reportQuantiles {
		out = append(out, stat{"p" + strings.TrimSuffix(fmt.Sprint(q), ".0"), func(h *Histogram) time.Duration { return h.Quantile(q) }})
	}
	return append(out, stat{"max", (*Histogram).Max})
}

// ABCompare compares the two sides of an A/B test and bounds each
// difference with a 95% bootstrap confidence interval. The unit resampled
// is a pair of adjacent slots (one A, one B; slots count from the end of
// the warm-up, as the engine's targeter does), so whatever drifted during
// the run (the machine, the network) is resampled with the pair it
// touched, and successive requests' correlation is kept. slot is the slot
// length; seed makes the interval reproducible.
func ABCompare(a, b *Run, slot time.Duration, iterations int, seed uint64) *Comparison {
	c := Compare(a, b)
	if c.Unmeasured != "" {
		return c
	}
	pairLen := 2 * slot
	if pairLen < time.Second {
		pairLen = time.Second
	}
	type pair struct{ a, b *Sparse }
	byPair := map[int]*pair{}
	collect := func(run *Run, side int) {
		for _, w := range run.Windows {
			if w.Requests == 0 {
				continue
			}
			k := int(time.Duration(w.T) * time.Second / pairLen)
			p := byPair[k]
			if p == nil {
				p = &pair{a: NewSparse(), b: NewSparse()}
				byPair[k] = p
			}
			if side == 0 {
				p.a.Merge(w.Latency)
			} else {
				p.b.Merge(w.Latency)
			}
		}
	}
	collect(a, 0)
	collect(b, 1)
	var pairs []*pair
	keys := make([]int, 0, len(byPair))
	for k := range byPair {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		if p := byPair[k]; p.a.Count() > 0 && p.b.Count() > 0 {
			pairs = append(pairs, p)
		}
	}
	c.Pairs = len(pairs)
	if len(pairs) < 2 || iterations <= 0 {
		return c
	}
	c.Bootstraps = iterations
	stats := compareStats()
	samples := make([][]time.Duration, len(stats))
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	ha, hb := NewHistogram(), NewHistogram()
	for range iterations {
		ha.h.Reset()
		hb.h.Reset()
		for range pairs {
			p := pairs[rng.IntN(len(pairs))]
			p.a.AddTo(ha)
			p.b.AddTo(hb)
		}
		for i, st := range stats {
			samples[i] = append(samples[i], st.of(hb)-st.of(ha))
		}
	}
	for i := range c.Diffs {
		s := samples[i]
		sort.Slice(s, func(x, y int) bool { return s[x] < s[y] })
		lo, hi := s[int(0.025*float64(len(s)))], s[min(int(0.975*float64(len(s))), len(s)-1)]
		c.Diffs[i].Low, c.Diffs[i].High = &lo, &hi
	}
	return c
}

// WriteComparisonText writes a comparison as a table.
func WriteComparisonText(w io.Writer, c *Comparison, aName, bName string) error {
	ew := &errWriter{w: w}
	ew.printf("A = %s: %d requests, %s errors\nB = %s: %d requests, %s errors\n", TerminalText(aName), c.ARequests, fmtPercent(c.AErrors), TerminalText(bName), c.BRequests, fmtPercent(c.BErrors))
	if c.Unmeasured != "" {
		ew.printf("%s\n", unmeasuredNote(c))
		return ew.err
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	ci := c.Bootstraps > 0
	if ci {
		fmt.Fprintf(tw, "stat\tA\tB\tB − A\t95%% CI\t\n")
	} else {
		fmt.Fprintf(tw, "stat\tA\tB\tB − A\tchange\t\n")
	}
	for _, d := range c.Diffs {
		last := fmtChange(d)
		if ci && d.Low != nil {
			last = "[" + fmtSigned(*d.Low) + ", " + fmtSigned(*d.High) + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", d.Stat, fmtDuration(d.A), fmtDuration(d.B), fmtSigned(d.Diff), last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if ci {
		ew.printf("(95%% intervals from %d bootstrap resamples of %d A/B slot pairs)\n", c.Bootstraps, c.Pairs)
	}
	return ew.err
}

// WriteComparisonMarkdown writes a comparison as a Markdown table.
func WriteComparisonMarkdown(w io.Writer, c *Comparison, aName, bName string) error {
	ew := &errWriter{w: w}
	ew.printf("### lbctl load test: B against A\n\nA = %s (%d requests, %s errors), B = %s (%d requests, %s errors)\n\n", markdownCode(aName, false), c.ARequests, fmtPercent(c.AErrors), markdownCode(bName, false), c.BRequests, fmtPercent(c.BErrors))
	if c.Unmeasured != "" {
		ew.printf("%s\n", unmeasuredNote(c))
		return ew.err
	}
	ew.printf("| stat | A | B | B − A | 95%% CI |\n|---|---|---|---|---|\n")
	for _, d := range c.Diffs {
		ci := "—"
		if d.Low != nil {
			ci = "[" + fmtSigned(*d.Low) + ", " + fmtSigned(*d.High) + "]"
		}
		ew.printf("| %s | %s | %s | %s | %s |\n", d.Stat, fmtDuration(d.A), fmtDuration(d.B), fmtSigned(d.Diff), ci)
	}
	return ew.err
}

// unmeasuredNote says why a comparison has no difference.
func unmeasuredNote(c *Comparison) string {
	return "no difference: " + c.Unmeasured + " measured no latency (no response), so B − A is unknown"
}

func fmtSigned(d time.Duration) string {
	if d < 0 {
		return "−" + fmtDuration(-d)
	}
	return "+" + fmtDuration(d)
}

func fmtChange(d Diff) string {
	if d.A == 0 {
		return ""
	}
	return fmt.Sprintf("%+.1f%%", float64(d.Diff)/float64(d.A)*100)
}
