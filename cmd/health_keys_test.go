package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

func TestHealthKeyMapFile(t *testing.T) {
	home, xdg := t.TempDir(), t.TempDir()
	write := func(dir, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, "lbctl"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "lbctl", "keys.yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(home, ".config"), "quit: [Q]\n")
	write(xdg, "quit: [x]\n")

	s, _, _, _ := TestStreams()
	km, err := loadKeyMap(s)
	if err != nil || !cmp.Equal(km.Quit.Keys(), []string{"q", "ctrl+c"}) {
		t.Errorf("no HOME, no XDG_CONFIG_HOME: %v %v, want the defaults", km.Quit.Keys(), err)
	}
	s, _, _, _ = TestStreams("HOME=" + home)
	if km, err := loadKeyMap(s); err != nil || !cmp.Equal(km.Quit.Keys(), []string{"Q"}) {
		t.Errorf("~/.config/lbctl/keys.yaml: %v %v", km.Quit.Keys(), err)
	}
	s, _, _, _ = TestStreams("HOME="+home, "XDG_CONFIG_HOME="+xdg)
	if km, err := loadKeyMap(s); err != nil || !cmp.Equal(km.Quit.Keys(), []string{"x"}) {
		t.Errorf("$XDG_CONFIG_HOME/lbctl/keys.yaml comes first: %v %v", km.Quit.Keys(), err)
	}
	s, _, _, _ = TestStreams("HOME=" + t.TempDir())
	if km, err := loadKeyMap(s); err != nil || !cmp.Equal(km.Quit.Keys(), []string{"q", "ctrl+c"}) {
		t.Errorf("no file: %v %v, want the defaults", km.Quit.Keys(), err)
	}

	write(xdg, "quit: [q]\nsort: [q]\n")
	s, _, _, _ = TestStreams("XDG_CONFIG_HOME=" + xdg)
	_, err = loadKeyMap(s)
	code, msg := Explain(err)
	if code != exitcode.Usage || !strings.Contains(msg, filepath.Join(xdg, "lbctl", "keys.yaml")) || !strings.Contains(msg, `key "q" is bound to both sort and quit`) {
		t.Errorf("a conflicting keymap: exit %d %q, want 2 naming the file and the conflict", code, msg)
	}
}
