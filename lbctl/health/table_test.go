package health

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/google/go-cmp/cmp"
)

// TestTableColourAligned fails when colour codes count toward a column's
// width: with the escapes stripped, the coloured table reads as the plain one.
func TestTableColourAligned(t *testing.T) {
	s := Snapshot{Rows: []Row{
		{LoadBalancer: "k8s-shop-web", TargetGroup: "k8s-shop-web-80", Target: "10.0.1.5:8080", State: "healthy"},
		{LoadBalancer: "k8s-shop-web", TargetGroup: "k8s-shop-web-80", Target: "10.0.1.6:8080", State: "unhealthy", Reason: "Target.Timeout"},
		{LoadBalancer: "k8s-shop-web", TargetGroup: "k8s-shop-web-80", Target: "10.0.1.7:8080", State: "unused"},
	}}
	for _, wide := range []bool{false, true} {
		var plain, coloured bytes.Buffer
		if err := WriteTable(&plain, s, wide, false); err != nil {
			t.Fatal(err)
		}
		if err := WriteTable(&coloured, s, wide, true); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(coloured.String(), "\x1b[32m") {
			t.Fatalf("wide=%v: no colour in\n%s", wide, coloured.String())
		}
		if d := cmp.Diff(plain.String(), ansi.Strip(coloured.String())); d != "" {
			t.Errorf("wide=%v: coloured table misaligned (-plain +stripped):\n%s", wide, d)
		}
	}
}
