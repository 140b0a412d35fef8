package cmd

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestScanColourTableAligned runs scan on a 200-column terminal with colour
// on and reads the tables back from the screen: every row's cells start
// where their header's labels do. Colour codes counted as width put the
// findings header 9 columns right of its rows.
func TestScanColourTableAligned(t *testing.T) {
	bin := buildBinary(t)
	estate, err := filepath.Abs("../migrate/scan/testdata/estate")
	if err != nil {
		t.Fatal(err)
	}
	term := newTerminalSized(t, 200, 50, []string{"TERM=xterm-256color", "HOME=" + t.TempDir()},
		// The shell outlives the scan so tmux reads all of its output.
		bin+" scan -f "+estate+" --no-aws --color=always; echo scan-exit=$?; sleep 60")
	term.waitFor("the scan to end", 30*time.Second, func(s string) bool { return strings.Contains(s, "scan-exit=") })
	if coloured := term.tmux("capture-pane", "-p", "-e", "-S", "-", "-t", "lbctl"); !strings.Contains(coloured, "\x1b[31m") {
		t.Fatalf("no colour on the screen:\n%q", coloured)
	}
	screen := term.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "lbctl")
	tables := 0
	lines := strings.Split(screen, "\n")
	for i, h := range lines {
		if !strings.HasPrefix(h, "NAMESPACE ") && !strings.HasPrefix(h, "SEVERITY ") {
			continue
		}
		tables++
		starts := regexp.MustCompile(`\S+`).FindAllStringIndex(h, -1)
		rows := 0
		for _, row := range lines[i+1:] {
			if strings.TrimSpace(row) == "" {
				break
			}
			rows++
			for _, s := range starts[1:] {
				p := s[0]
				if len(row) <= p || row[p-1] != ' ' || row[p] == ' ' {
					t.Errorf("column %q (at %d) does not line up with its row:\n%s\n%s", h[s[0]:s[1]], p, h, row)
					break
				}
			}
		}
		if rows == 0 {
			t.Errorf("table %q has no rows", h)
		}
	}
	if tables != 2 {
		t.Fatalf("read %d tables, want the Ingresses and the findings; the screen:\n%s", tables, screen)
	}
}
