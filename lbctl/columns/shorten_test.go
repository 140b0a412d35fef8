package columns

import "testing"

func TestMiddleKeepsBothEnds(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"k8s-teama-cart-1fc20b13a6", 25, "k8s-teama-cart-1fc20b13a6"},
		{"k8s-teama-cart-1fc20b13a6", 20, "k8s-teama…1fc20b13a6"},
		{"i-0a1b2c3d4e5f60001", 12, "i-0a1…f60001"},
		{"abcdef", 1, "…"},
		{"abcdef", 0, ""},
		{"日本語のテキスト", 7, "日…スト"},
	} {
		got := Middle(c.in, c.w)
		if got != c.want {
			t.Errorf("Middle(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if Width(got) > c.w {
			t.Errorf("Middle(%q, %d) = %q is %d cells wide", c.in, c.w, got, Width(got))
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("storefront", 6); got != "store…" {
		t.Errorf("Truncate = %q", got)
	}
	if got := Truncate("\x1b[31mred text\x1b[0m", 4); Width(got) != 4 {
		t.Errorf("Truncate of coloured text is %q, %d cells", got, Width(got))
	}
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("Truncate = %q", got)
	}
}
