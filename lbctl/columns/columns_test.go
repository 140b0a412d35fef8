package columns

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// TestMatchesTabwriter checks that uncoloured text is laid out exactly as
// kubectl's tabwriter lays it out, blocks of lines with fewer cells included.
func TestMatchesTabwriter(t *testing.T) {
	for _, in := range []string{
		"",
		"NAME\tAGE\nweb\t1d\n",
		"A\tB\tC\nlong-value\tx\ty\n\nsummary line\nX\tY\n",
		"SEVERITY\tCODE\tOBJECT\tMESSAGE\nerror\tE1\tns/a\tbroken\n\t\t\t→ fix it\nwarning\tW2\tns/b (+2)\tcheck\n",
		"a\tb\nc\n d\te\tf\n",
		"no trailing newline\tx",
		"ä\tö\n",
	} {
		var want, got bytes.Buffer
		tw := tabwriter.NewWriter(&want, 6, 4, 3, ' ', 0)
		fmt.Fprint(tw, in)
		if err := tw.Flush(); err != nil {
			t.Fatal(err)
		}
		w := NewWriter(&got)
		fmt.Fprint(w, in)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want.String(), got.String()); d != "" {
			t.Errorf("%q (-tabwriter +columns):\n%s", in, d)
		}
	}
}

// TestColourTakesNoWidth fails when colour codes count toward a column's
// width: with the escapes stripped, the coloured table must read exactly as
// the plain one.
func TestColourTakesNoWidth(t *testing.T) {
	red := func(s string) string { return "\x1b[31m" + s + "\x1b[0m" }
	plain, coloured := &bytes.Buffer{}, &bytes.Buffer{}
	for _, c := range []struct {
		buf   *bytes.Buffer
		paint func(string) string
	}{{plain, func(s string) string { return s }}, {coloured, red}} {
		w := NewWriter(c.buf)
		fmt.Fprintln(w, "SEVERITY\tCODE\tMESSAGE")
		fmt.Fprintf(w, "%s\tE1\tbroken\n", c.paint("error"))
		fmt.Fprintf(w, "%s\tW2\tcheck\n", c.paint("warning"))
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(coloured.String(), "\x1b[31m") {
		t.Fatalf("colour was lost:\n%q", coloured)
	}
	if d := cmp.Diff(plain.String(), ansi.Strip(coloured.String())); d != "" {
		t.Errorf("coloured table misaligned (-plain +stripped):\n%s", d)
	}
}
