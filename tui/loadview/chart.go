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
// cells (two time steps per cell, four value steps per row) from 0 to top,
// the newest values at the right edge; each line joins its consecutive
// values, and a cell two lines pass through takes the colour of the later
// one. The y axis is labelled at the top, middle and bottom with label,
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
	for si, s := range ss {
		vals := s.values
		if len(vals) > cols {
			vals = vals[len(vals)-cols:]
		}
		off := cols - len(vals)
		prev := -1
		for i, v := range vals {
			if math.IsNaN(v) {
				prev = -1
				continue
			}
			l := level(v)
			lo, hi := l, l
			if prev >= 0 {
				lo, hi = min(prev, l), max(prev, l)
			}
			x := off + i
			for d := lo; d <= hi; d++ {
				py := rows - 1 - d
				cy, cx := py/4, x/2
				dots[cy][cx] |= brailleBits[x%2][py%4]
				owner[cy][cx] = si
			}
			prev = l
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
