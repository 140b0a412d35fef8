package loadview

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestChartScale(t *testing.T) {
	for peak, want := range map[float64]float64{0: 1, 0.7: 1, 1: 1, 1.3: 2, 3: 5, 7: 10, 12: 20, 480: 500, math.NaN(): 1} {
		if got := chartScale(peak); got != want {
			t.Errorf("chartScale(%v) = %v, want %v", peak, got, want)
		}
	}
}

// A rising line from 0 to the top over 8 steps, in a 4×2 plot: each step
// rises one dot (of 8), and consecutive values are joined.
func TestDrawChartLine(t *testing.T) {
	vals := []float64{0, 1, 2, 3, 4, 5, 6, 7, math.NaN()}
	got := drawChart([]series{{"x", lipgloss.Color("#ffffff"), vals}}, 4, 2, 7, func(v float64) string { return "" }, 2)
	for i := range got {
		got[i] = regexp.MustCompile("\x1b\\[[0-9;:]*m").ReplaceAllString(got[i], "")
	}
	// Only the last 8 values fit (two per cell): 1…7, then a gap; the
	// segment from each value to the next is filled in.
	want := []string{
		"   ┤ ⢀⡴⠃",
		"   ┤⠴⠋  ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("chart:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Fewer values than dot columns spread over the whole width: 0, top, 0
// makes a peak across the plot.
func TestDrawChartStretches(t *testing.T) {
	got := drawChart([]series{{"x", lipgloss.Color("#ffffff"), []float64{0, 7, 0}}}, 4, 2, 7, func(v float64) string { return "" }, 0)
	for i := range got {
		got[i] = regexp.MustCompile("\x1b\\[[0-9;:]*m").ReplaceAllString(got[i], "")
	}
	want := []string{
		" ┤ ⡼⢧ ",
		" ┤⣰⠃⠈⢳",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("chart:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
