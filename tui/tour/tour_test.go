package tour

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fixedSteps() []Step {
	page := func(s string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return s, nil }
	}
	return []Step{
		{Title: "The estate", Run: page("six apps on six ALBs")},
		{Title: "scan: what stands in the way", Run: page("15 warnings")},
		{Title: "Broken step", Run: func(context.Context) (string, error) { return "", errors.New("sandbox went away") }},
		{Title: "Never reached", Run: page("unreachable")},
	}
}

// drive runs a command chain the way the program would, feeding results
// back into Update; spinner ticks are dropped to keep it finite.
func drive(t *testing.T, m tea.Model, cmd tea.Cmd) tea.Model {
	t.Helper()
	for cmd != nil {
		msg := cmd()
		cmd = nil
		switch msg := msg.(type) {
		case tea.BatchMsg:
			for _, c := range msg {
				if c == nil {
					continue
				}
				if done, ok := c().(StepDoneMsg); ok {
					m, cmd = m.Update(done)
				}
			}
		case StepDoneMsg:
			m, cmd = m.Update(msg)
		}
	}
	return m
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

func TestTourFlow(t *testing.T) {
	var m tea.Model = New(context.Background(), "lbctl demo", fixedSteps(), DefaultKeyMap())
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m = drive(t, m, m.Init())
	tm := m.(Model)
	if tm.done != 1 || tm.cur != 0 || tm.bodies[0] != "six apps on six ALBs" {
		t.Fatalf("after init: done %d cur %d", tm.done, tm.cur)
	}
	m, cmd := m.Update(press("n"))
	if !m.(Model).running {
		t.Fatal("next did not start step 2")
	}
	m = drive(t, m, cmd)
	// Back, then forward again: no step is run twice.
	m, cmd = m.Update(press("left"))
	if cmd != nil || m.(Model).cur != 0 {
		t.Fatalf("previous: cur %d", m.(Model).cur)
	}
	m, cmd = m.Update(press("enter"))
	if cmd != nil || m.(Model).cur != 1 {
		t.Fatalf("forward to a finished step reran it or did not move: cur %d", m.(Model).cur)
	}
	m, cmd = m.Update(press("n"))
	m = drive(t, m, cmd)
	tm = m.(Model)
	if tm.errs[2] == nil || tm.cur != 2 {
		t.Fatalf("broken step: err %v cur %d", tm.errs[2], tm.cur)
	}
	// A failed step stops the tour: next does nothing.
	if _, cmd := m.Update(press("n")); cmd != nil {
		t.Error("next after a failed step started another")
	}
	if _, cmd := m.Update(press("q")); cmd == nil {
		t.Error("q does not quit")
	}
}

func TestTourGolden(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {160, 48}, {50, 10}} {
		name := filepath.Join("testdata", "tour-"+itoa(size.w)+"x"+itoa(size.h)+".golden")
		t.Run(name, func(t *testing.T) {
			var m tea.Model = New(context.Background(), "lbctl demo", fixedSteps(), DefaultKeyMap())
			m, _ = m.Update(tea.WindowSizeMsg{Width: size.w, Height: size.h})
			m = drive(t, m, m.Init())
			m, cmd := m.Update(press("n"))
			m = drive(t, m, cmd)
			got := m.(Model).render()
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(name, []byte(got), 0o644)
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (go test -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("view differs (-want +got):\n%s", diff)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}
