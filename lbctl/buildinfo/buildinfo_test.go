package buildinfo

import (
	"sync"
	"testing"
)

func TestCommand(t *testing.T) {
	t.Cleanup(func() { SetCommand(DefaultCommand) })
	if got := Command(); got != "kubectl lbctl" {
		t.Fatalf("default Command() = %q, want %q", got, "kubectl lbctl")
	}
	SetCommand("lbctl")
	if got := Command(); got != "lbctl" {
		t.Fatalf("after SetCommand(lbctl), Command() = %q", got)
	}
	SetCommand("")
	if got := Command(); got != "lbctl" {
		t.Fatalf("SetCommand(\"\") changed Command() to %q", got)
	}
	SetCommand(DefaultCommand)
	if got := Command(); got != DefaultCommand {
		t.Fatalf("after restoring, Command() = %q", got)
	}
}

func TestCommandConcurrent(t *testing.T) {
	t.Cleanup(func() { SetCommand(DefaultCommand) })
	names := []string{"kubectl lbctl", "lbctl"}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				SetCommand(names[(i+j)%2])
				if got := Command(); got != names[0] && got != names[1] {
					t.Errorf("Command() = %q, want one of %q", got, names)
					return
				}
			}
		}()
	}
	wg.Wait()
}
