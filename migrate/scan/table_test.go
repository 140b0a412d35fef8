package scan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// TestTableColourAligned fails when colour codes count toward a column's
// width (the header then sits 9 columns right of the data on a terminal):
// with the escapes stripped, the coloured table reads as the plain one.
func TestTableColourAligned(t *testing.T) {
	r := &Report{
		Ingresses: []IngressEntry{{Namespace: "shop", Name: "web", Controller: "alb", Class: "alb", Rules: 2}},
		Findings: []Finding{
			{Severity: Error, Code: "conflict", Message: "two groups claim one order"},
			{Severity: Warning, Code: "instance-mode", Message: "targets are NodePorts", Remedy: "use ip mode"},
			{Severity: Info, Code: "shared", Message: "could share an ALB"},
		},
	}
	for _, wide := range []bool{false, true} {
		var plain, coloured bytes.Buffer
		if err := WriteTable(&plain, r, TableOptions{Wide: wide}); err != nil {
			t.Fatal(err)
		}
		if err := WriteTable(&coloured, r, TableOptions{Wide: wide, Color: true}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(coloured.String(), "\x1b[31m") {
			t.Fatalf("wide=%v: no colour in\n%s", wide, coloured.String())
		}
		if d := cmp.Diff(plain.String(), ansi.Strip(coloured.String())); d != "" {
			t.Errorf("wide=%v: coloured table misaligned (-plain +stripped):\n%s", wide, d)
		}
	}
}
