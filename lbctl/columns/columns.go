// Package columns aligns tab-separated text into kubectl-style columns by what
// a terminal shows: ANSI escape sequences (colour) take no width and wide
// runes take two cells, where text/tabwriter counts every rune of a colour
// code and pushes the header off its column.
package columns

import (
	"bytes"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// kubectl's table layout (k8s.io/cli-runtime/pkg/printers.GetNewTabWriter).
const (
	minWidth = 6
	padding  = 3
)

// Writer buffers what is written and aligns it on Flush. Cells are terminated
// by a tab; the text after a line's last tab is not a cell and is not padded.
// As in text/tabwriter, a column's width is set by the run of consecutive
// lines that have a cell in it. The zero value is not usable; use NewWriter.
type Writer struct {
	out io.Writer
	buf bytes.Buffer
}

// NewWriter returns a Writer that writes aligned text to out on Flush.
func NewWriter(out io.Writer) *Writer { return &Writer{out: out} }

// Write buffers p; it never fails.
func (w *Writer) Write(p []byte) (int, error) { return w.buf.Write(p) }

// Flush writes the buffered lines aligned and empties the buffer. An
// unterminated last line is written as it is, aligned with the others.
func (w *Writer) Flush() error {
	text := w.buf.String()
	w.buf.Reset()
	if text == "" {
		return nil
	}
	trailing := strings.HasSuffix(text, "\n")
	raw := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	lines := make([][]string, len(raw))
	for i, l := range raw {
		lines[i] = strings.Split(l, "\t")
	}
	var b strings.Builder
	f := formatter{lines: lines, out: &b}
	f.format(0, len(lines), 0)
	s := b.String()
	if !trailing {
		s = strings.TrimSuffix(s, "\n")
	}
	_, err := io.WriteString(w.out, s)
	return err
}

type formatter struct {
	lines  [][]string
	widths []int
	out    *strings.Builder
}

// format lays out lines [line0, line1) from column on, with f.widths holding
// the widths of the columns before it (text/tabwriter's algorithm).
func (f *formatter) format(line0, line1, column int) {
	for this := line0; this < line1; this++ {
		if column >= len(f.lines[this])-1 {
			continue
		}
		// A run of lines with a cell in this column starts here.
		f.write(line0, this)
		line0 = this
		width := minWidth
		for ; this < line1 && column < len(f.lines[this])-1; this++ {
			if cw := Width(f.lines[this][column]) + padding; cw > width {
				width = cw
			}
		}
		f.widths = append(f.widths, width)
		f.format(line0, this, column+1)
		f.widths = f.widths[:len(f.widths)-1]
		line0 = this
	}
	f.write(line0, line1)
}

func (f *formatter) write(line0, line1 int) {
	for _, line := range f.lines[line0:line1] {
		for j, c := range line {
			f.out.WriteString(c)
			if j < len(line)-1 && j < len(f.widths) {
				f.out.WriteString(strings.Repeat(" ", max(f.widths[j]-Width(c), 0)))
			}
		}
		f.out.WriteByte('\n')
	}
}

// Width is the number of terminal cells s takes: escape sequences count for
// nothing, wide runes for two.
func Width(s string) int { return ansi.StringWidth(s) }
