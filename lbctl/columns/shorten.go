package columns

import (
	"github.com/charmbracelet/x/ansi"
)

// Truncate cuts s to at most w terminal cells, ending in "…" when it cut.
// Escape sequences take no width and are kept.
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if Width(s) <= w {
		return s
	}
	return ansi.Truncate(s, w, "…")
}

// Middle shortens s to at most w terminal cells by cutting its middle, so
// the start (a kind or a prefix) and the end (the unique part of an ID, an
// ARN or a hashed name) stay: "k8s-teama-cart-1fc20b13a6" in 18 cells is
// "k8s-team…1fc20b13a6". The end keeps the larger half. s is plain text.
func Middle(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if Width(s) <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	keep := w - 1
	head := keep / 2
	tail := keep - head
	r := []rune(s)
	// Cut by cells, not runes: take runes from each end while they fit.
	var hw, tw int
	i := 0
	for i < len(r) && hw+Width(string(r[i])) <= head {
		hw += Width(string(r[i]))
		i++
	}
	j := len(r)
	for j > i && tw+Width(string(r[j-1])) <= tail+(head-hw) {
		tw += Width(string(r[j-1]))
		j--
	}
	return string(r[:i]) + "…" + string(r[j:])
}
