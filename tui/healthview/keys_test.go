package healthview

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

func TestParseKeyMap(t *testing.T) {
	km, err := ParseKeyMap([]byte("# vi-less\nup: [up, w]\ndown: [down, x]\nquit: [Q, ctrl+c]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(km.Up.Keys(), []string{"up", "w"}) || km.Up.Help().Key != "up/w" || km.Up.Help().Desc != "up" {
		t.Errorf("up = %v %+v", km.Up.Keys(), km.Up.Help())
	}
	if !cmp.Equal(km.Enter.Keys(), DefaultKeyMap().Enter.Keys()) {
		t.Errorf("an action left out lost its default keys: %v", km.Enter.Keys())
	}
	for _, tc := range []struct{ in, want string }{
		{"jump: [g]", "field jump not found"},
		{"up: []", "up has no key"},
		{"up: [k]\ndown: [k]", `key "k" is bound to both up and down`},
		{"sort: [q]", `key "q" is bound to both sort and quit`},
		{"up: k", "cannot unmarshal"},
	} {
		if _, err := ParseKeyMap([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeyMap(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

// A rebound key drives the view, the old one no longer does, and the help
// line shows the new keys.
func TestReboundKeys(t *testing.T) {
	km, err := ParseKeyMap([]byte("down: [x]\nquit: [Q]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var m tea.Model = New(context.Background(), nil, Header{}, km, func() time.Time { return t0 })
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture()})
	m, _ = m.Update(press("j"))
	if m.(Model).cursor != 0 {
		t.Error("j still moves down after down was rebound to x")
	}
	m, _ = m.Update(press("x"))
	if m.(Model).cursor != 1 {
		t.Error("x does not move down")
	}
	if _, cmd := m.Update(press("q")); cmd != nil {
		t.Error("q still quits after quit was rebound to Q")
	}
	if _, cmd := m.Update(press("Q")); cmd == nil {
		t.Error("Q does not quit")
	}
	if got := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(m.(Model).Render(), ""); !strings.Contains(got, "Q quit") {
		t.Errorf("the help line does not show the new quit key:\n%s", got)
	}
}

func TestValidKey(t *testing.T) {
	for _, k := range []string{"q", "Q", "/", "?", ":", "+", "é", "enter", "esc", "pgdown", "space", "f1", "f12", "f63",
		"ctrl+c", "ctrl+alt+x", "alt+enter", "shift+up", "ctrl+shift+f5", "ctrl++", "super+k"} {
		if !ValidKey(k) {
			t.Errorf("ValidKey(%q) = false, want true", k)
		}
	}
	for _, k := range []string{"", " ", "ctlr+c", "ctrl+", "ctrl+ctrl+c", "alt+ctrl+x", "f0", "f64", "f01", "escape", "pagedown",
		"\x1b[A", "\x1b", "\x03", "\t", "\u0085", "\u200b", "qq", "ctrl+qq", "+c"} {
		if ValidKey(k) {
			t.Errorf("ValidKey(%q) = true, want false", k)
		}
	}
}

// A misspelt key name or an escape sequence is refused with the action and
// the fix; ctrl+c cannot be taken from quit.
func TestParseKeyMapRefusesBadKeys(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"quit: [ctlr+c]", `keymap: quit: "ctlr+c" is not a key name; write one character`},
		{"up: [\"\\e[A\"]", `keymap: up: "\x1b[A" is not a key name`},
		{"down: [\"\\x03\"]", `keymap: down: "\x03" is not a key name`},
		{"sort: [ctrl+c]", "keymap: sort: ctrl+c always quits; bind another key to sort"},
	} {
		_, err := ParseKeyMap([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseKeyMap(%q) = %v, want one line with %q", tc.in, err, tc.want)
		}
	}
}

// Ctrl-C quits whatever the keymap binds quit to, and while a filter or a
// command is being typed.
func TestCtrlCAlwaysQuits(t *testing.T) {
	km, err := ParseKeyMap([]byte("quit: [Q]\n"))
	if err != nil {
		t.Fatal(err)
	}
	ctrlC := tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	var m tea.Model = New(context.Background(), nil, Header{}, km, func() time.Time { return t0 })
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	if _, cmd := m.Update(ctrlC); cmd == nil || cmd() != tea.Quit() {
		t.Error("ctrl+c does not quit after quit was rebound to Q")
	}
	m, _ = m.Update(press("/"))
	if m.(Model).mode != "filter" {
		t.Fatal("/ did not open the filter")
	}
	if _, cmd := m.Update(ctrlC); cmd == nil || cmd() != tea.Quit() {
		t.Error("ctrl+c does not quit while typing a filter")
	}
}

// FuzzParseKeyMap: whatever the file holds, parsing does not panic, and a
// keymap it accepts binds only key names a key press can have, keeps every
// action bound, and leaves ctrl+c to quit.
func FuzzParseKeyMap(f *testing.F) {
	for _, s := range []string{
		"quit: [q]\n", "quit: [ctlr+c]\n", "up: [\"\\e[A\"]\n", "sort: [ctrl+c]\n", "up: [k]\ndown: [k]\n",
		"quit: []\n", "jump: [g]\n", "up: k\n", "quit: [\"\\u0085\"]\n", "filter: [\"\\u2028\"]\n",
		"up: [up, w]\ndown: [down, x]\nquit: [Q, ctrl+c]\n", "help: [f1, \"?\"]\nback: [esc, alt+left]\n", "", "{}", "- a",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		km, err := ParseKeyMap(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(err.Error(), "yaml") {
				t.Errorf("a multi-line error: %q", err)
			}
			return
		}
		for _, b := range []key.Binding{km.Up, km.Down, km.Enter, km.Back, km.Filter, km.Command, km.Sort, km.Help, km.Quit} {
			if len(b.Keys()) == 0 {
				t.Errorf("an action lost its keys: %+v", b.Help())
			}
			for _, k := range b.Keys() {
				if !ValidKey(k) {
					t.Errorf("accepted key %q", k)
				}
				if k == "ctrl+c" && b.Help().Desc != "quit" {
					t.Errorf("ctrl+c bound to %s", b.Help().Desc)
				}
			}
		}
	})
}

// The describe, YAML, reverse and column keys are rebound like the others,
// their defaults count in conflicts, and the help shows the keys in force.
func TestReboundPaneAndSortKeys(t *testing.T) {
	km, err := ParseKeyMap([]byte("describe: [i]\nyaml: [Y]\nup: [up, y]\nreverse: [R]\ncolumn: [f1, f2, f3, f4]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKeyMap([]byte("down: [d]\n")); err == nil || !strings.Contains(err.Error(), `key "d" is bound to both down and describe`) {
		t.Errorf("down on describe's default key: %v", err)
	}
	var m tea.Model = New(context.Background(), nil, Header{}, km, func() time.Time { return t0 })
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	m, _ = m.Update(SnapshotMsg{Snapshot: fixture()})
	m, _ = m.Update(press("d"))
	if m.(Model).pane != "" {
		t.Error("d still describes after describe was rebound to i")
	}
	m, _ = m.Update(press("i"))
	if m.(Model).pane != "describe" {
		t.Error("i does not describe")
	}
	m, _ = m.Update(press("Y"))
	if m.(Model).pane != "yaml" {
		t.Error("Y does not show the YAML")
	}
	m, _ = m.Update(press("esc"))
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyF4})
	if mm := m.(Model); mm.sortCol != 3 || mm.sortDesc {
		t.Errorf("F4: sort column %d desc %v, want the 4th ascending", mm.sortCol, mm.sortDesc)
	}
	m, _ = m.Update(press("R"))
	if !m.(Model).sortDesc {
		t.Error("R does not reverse the sort")
	}
	m, _ = m.Update(press("?"))
	got := strings.Join(strings.Fields(regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(m.(Model).Render(), "")), " ")
	for _, want := range []string{"i describe", "Y yaml", "R reverse", "f1/f2/f3/f4 sort by column", "up/y up"} {
		if !strings.Contains(got, want) {
			t.Errorf("the full help lacks %q:\n%s", want, got)
		}
	}
}
