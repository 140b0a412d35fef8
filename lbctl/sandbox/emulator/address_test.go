package emulator

import "testing"

func TestALBAddress(t *testing.T) {
	for _, c := range []struct {
		base string
		n    int
		want string
	}{
		{"127.10.200", 1, "127.10.200.1"},
		{"127.10.200", 254, "127.10.200.254"},
		{"127.10.200", 255, "127.10.201.1"},
		{"127.10.200", 300, "127.10.201.46"},
		{"127.10.200", 509, "127.10.202.1"},
	} {
		if got := albAddress(c.base, c.n); got != c.want {
			t.Errorf("albAddress(%q, %d) = %s, want %s", c.base, c.n, got, c.want)
		}
	}
}
