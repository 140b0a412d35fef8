package tour

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// liveView stands in for the health view: it counts its activations (each
// polls: a tick message that asks for the next), the keys it got and its
// size.
type liveView struct {
	inits, polls int
	keys         []string
	w, h         int
}

type pollMsg struct{}

func (v *liveView) Init() tea.Cmd {
	v.inits++
	return func() tea.Msg { return pollMsg{} }
}

func (v *liveView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pollMsg:
		v.polls++
		return v, func() tea.Msg { return pollMsg{} }
	case tea.KeyPressMsg:
		v.keys = append(v.keys, msg.String())
	case tea.WindowSizeMsg:
		v.w, v.h = msg.Width, msg.Height
	}
	return v, nil
}

func (v *liveView) View() tea.View {
	return tea.NewView(fmt.Sprintf("LIVE %dx%d polls %d", v.w, v.h, v.polls))
}

// TestTourLiveStep: a step with a live view shows it full screen once run,
// hands it every key but the arrows and ctrl+c, and stops feeding it when
// left (its stale messages are dropped) until it is shown again.
func TestTourLiveStep(t *testing.T) {
	v := &liveView{}
	page := func(s string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return s, nil }
	}
	steps := []Step{
		{Title: "The estate", Run: page("six apps")},
		{Title: "health: live", Run: page("the table"), Live: func() tea.Model { return v }},
		{Title: "What changed", Run: page("faster")},
	}
	var m tea.Model = New(context.Background(), "lbctl demo", steps, DefaultKeyMap())
	m, _ = m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m = drive(t, m, m.Init())
	m, cmd := m.Update(press("n"))
	done := cmd().(tea.BatchMsg)[0]().(StepDoneMsg)
	m, cmd = m.Update(done)
	if v.inits != 1 || v.w != 120 || v.h != 38 {
		t.Fatalf("live view: %d inits, size %dx%d; want 1 and 120x38", v.inits, v.w, v.h)
	}
	// Its poll comes back tagged and keeps polling.
	poll := firstLive(t, cmd)
	m, cmd = m.Update(poll)
	if v.polls != 1 || cmd == nil {
		t.Fatalf("polls %d, next poll %v", v.polls, cmd != nil)
	}
	screen := m.(Model).render()
	if !strings.Contains(screen, "LIVE 120x38 polls 1") || !strings.Contains(screen, "health: live") {
		t.Errorf("the live view is not on screen:\n%s", screen)
	}
	// Keys but the arrows are the view's: enter, esc, / and q do not move
	// the tour.
	for _, k := range []string{"enter", "/", "j"} {
		m, _ = m.Update(press(k))
	}
	if m.(Model).cur != 1 || strings.Join(v.keys, ",") != "enter,/,j" {
		t.Errorf("keys to the view %v, tour at step %d", v.keys, m.(Model).cur)
	}
	// → runs the next step; the view's pending poll is then dropped.
	stale := firstLive(t, cmd)
	m, cmd = m.Update(tea.KeyPressMsg{Code: tea.KeyRight})
	if !m.(Model).running || m.(Model).cur != 2 {
		t.Fatalf("→ did not run the next step")
	}
	m = drive(t, m, cmd)
	if m2, c := m.Update(stale); c != nil || v.polls != 1 {
		t.Errorf("a stale poll reached the view (polls %d)", v.polls)
	} else {
		m = m2
	}
	// ← shows it again: a new activation, polling again.
	m, cmd = m.Update(press("left"))
	if m.(Model).cur != 1 || v.inits != 2 {
		t.Fatalf("← back to the live step: cur %d, inits %d", m.(Model).cur, v.inits)
	}
	m, _ = m.Update(firstLive(t, cmd))
	if v.polls != 2 {
		t.Errorf("polls after coming back = %d, want 2", v.polls)
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}); cmd == nil {
		t.Error("ctrl+c does not quit from the live view")
	}
}

// firstLive runs cmd and returns the first tagged message of the live view.
func firstLive(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	switch msg := cmd().(type) {
	case liveMsg:
		return msg
	case tea.BatchMsg:
		for _, c := range msg {
			if c == nil {
				continue
			}
			if lm, ok := c().(liveMsg); ok {
				return lm
			}
		}
	}
	t.Fatal("no message of the live view")
	return nil
}

// TestTourProgress: while a step runs, its progress shows under the
// spinner.
func TestTourProgress(t *testing.T) {
	steps := []Step{
		{Title: "The estate", Run: func(context.Context) (string, error) { return "six apps", nil }},
		{Title: "migrate", Run: func(context.Context) (string, error) { return "done", nil },
			Progress: func() string { return "  ✓ preflight 7/7\n  ▸ create 2/7\n" }},
	}
	var m tea.Model = New(context.Background(), "lbctl demo", steps, DefaultKeyMap())
	m, _ = m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m = drive(t, m, m.Init())
	m, _ = m.Update(press("n"))
	screen := m.(Model).render()
	if !strings.Contains(screen, "running: real traffic") || !strings.Contains(screen, "▸ create 2/7") {
		t.Errorf("no progress while running:\n%s", screen)
	}
}
