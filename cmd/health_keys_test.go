package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

	// The describe and YAML keys are checked like the others: y on
	// describe clashes with yaml's default; moved together, both stand.
	write(xdg, "describe: [y]\n")
	_, err = loadKeyMap(s)
	if code, msg := Explain(err); code != exitcode.Usage || !strings.Contains(msg, `key "y" is bound to both describe and yaml`) {
		t.Errorf("describe on yaml's key: exit %d %q, want 2 naming the conflict", code, msg)
	}
	write(xdg, "describe: [y]\nyaml: [Y]\nreverse: [r]\n")
	if km, err := loadKeyMap(s); err != nil || !cmp.Equal(km.Describe.Keys(), []string{"y"}) || !cmp.Equal(km.YAML.Keys(), []string{"Y"}) || !cmp.Equal(km.Reverse.Keys(), []string{"r"}) {
		t.Errorf("describe y, yaml Y, reverse r: %v %v %v %v", km.Describe.Keys(), km.YAML.Keys(), km.Reverse.Keys(), err)
	}

	// A misspelt key is refused in one line naming the file, the key and
	// the fix, rather than leaving the view without a way out.
	write(xdg, "quit: [ctlr+c]\n")
	_, err = loadKeyMap(s)
	code, msg = Explain(err)
	if code != exitcode.Usage || strings.Contains(msg, "\n") || !strings.Contains(msg, filepath.Join(xdg, "lbctl", "keys.yaml")+`: keymap: quit: "ctlr+c" is not a key name`) || !strings.Contains(msg, "ctrl+c") {
		t.Errorf("a misspelt key: exit %d %q, want 2 naming the file, the key and the fix", code, msg)
	}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(t.TempDir(), "lbctl", "keys.yaml")
		if err := os.MkdirAll(filepath.Dir(fifo), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := exec.Command("mkfifo", fifo).Run(); err == nil {
			s, _, _, _ = TestStreams("XDG_CONFIG_HOME=" + filepath.Dir(filepath.Dir(fifo)))
			_, err = loadKeyMap(s)
			if code, msg := Explain(err); code != exitcode.Usage || !strings.Contains(msg, "is a FIFO, not a regular file") {
				t.Errorf("a FIFO keymap: exit %d %q", code, msg)
			}
		}
	}
}
