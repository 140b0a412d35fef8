package healthview

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

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
		{"jump: [g]", `unknown field "jump"`},
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
