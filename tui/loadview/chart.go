package loadview

import (
	"image/color"
	"math"
	"strings"

	"charm.land/lipgloss/v2"
)

// The line chart is drawn by hand in braille: the chart libraries on the
// Go module proxy (ntcharts v0.4.0, the latest) are built on Charm v1's
// bubbletea and lipgloss, not on the v2 modules this view uses.

// series is one line of a chart: a value per time step, oldest first; NaN
// where there is none.
type series struct {
	name   string
	color  color.Color
	values []float64
}

// braille dot bits by dot column (0, 1) and row (0 at the top, 3 at the
// bottom) within a 2×4 cell.
var brailleBits = [2][4]rune{{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}}

// chartScale is the top of the y axis for values up to peak: a 1-2-5
// step above it, so the axis labels read as round numbers.
func chartScale(peak float64) float64 {
	if peak <= 0 || math.IsNaN(peak) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(peak)))
	for _, f := range []float64{1, 2, 5, 10} {
		if f*mag >= peak {
			return f * mag
		}
	}
	return 10 * mag
}

// drawChart draws the series as braille lines in a plot of width×height
// cells (2×4 dots each) from 0 to top: the last 2×width values of each
// series spread over the width, the newest at the right edge, each joined
// to the next, and a cell two lines pass through takes the colour of the
// later one. The y axis is labelled at the top, middle and bottom with label,
// right-aligned in labelWidth.
func drawChart(ss []series, width, height int, top float64, label func(float64) string, labelWidth int) []string {
	width, height = max(width, 1), max(height, 1)
	cols, rows := 2*width, 4*height
	dots := make([][]rune, height)
	owner := make([][]int, height)
	for y := range height {
		dots[y] = make([]rune, width)
		owner[y] = make([]int, width)
		for x := range owner[y] {
			owner[y][x] = -1
		}
	}
	level := func(v float64) int {
		l := int(math.Round(v / top * float64(rows-1)))
		return min(max(l, 0), rows-1)
	}
	plot := func(si, x, l int) {
		py := rows - 1 - l
		cy, cx := py/4, x/2
		dots[cy][cx] |= brailleBits[x%2][py%4]
		owner[cy][cx] = si
	}
	for si, s := range ss {
		vals := s.values
		if len(vals) > cols {
			vals = vals[len(vals)-cols:]
		}
		n := len(vals)
		// Value i sits at column pos(i): spread over the whole width, the
		// newest at the right edge.
		pos := func(i int) int {
			if n == 1 {
				return cols - 1
			}
			return i * (cols - 1) / (n - 1)
		}
		for i, v := range vals {
			if math.IsNaN(v) {
				continue
			}
			x0, l0 := pos(i), level(v)
			plot(si, x0, l0)
			if i+1 == n || math.IsNaN(vals[i+1]) {
				continue
			}
			// Join to the next value column by column, each column's dots
			// running from the previous column's level to its own.
			x1, l1 := pos(i+1), level(vals[i+1])
			prev := l0
			for x := x0 + 1; x <= x1; x++ {
				l := l0 + int(math.Round(float64((l1-l0)*(x-x0))/float64(x1-x0)))
				for d := min(prev, l); d <= max(prev, l); d++ {
					plot(si, x, d)
				}
				prev = l
			}
		}
	}
	out := make([]string, 0, height+1)
	for y := range height {
		lab := ""
		switch y {
		case 0:
			lab = label(top)
		case height / 2:
			if height > 2 {
				lab = label(top / 2)
			}
		case height - 1:
			lab = label(0)
		}
		var b strings.Builder
		b.WriteString(padLeft(lab, labelWidth))
		b.WriteString(" ┤")
		for x := 0; x < width; {
			o := owner[y][x]
			end := x
			var run strings.Builder
			for end < width && owner[y][end] == o {
				if dots[y][end] == 0 {
					run.WriteByte(' ')
				} else {
					run.WriteRune(0x2800 + dots[y][end])
				}
				end++
			}
			if o >= 0 {
				b.WriteString(lipgloss.NewStyle().Foreground(ss[o].color).Render(run.String()))
			} else {
				b.WriteString(run.String())
			}
			x = end
		}
		out = append(out, b.String())
	}
	return out
}

func padLeft(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}
