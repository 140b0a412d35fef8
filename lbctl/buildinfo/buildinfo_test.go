package buildinfo

import (
	"runtime/debug"
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

func TestResolveFromBuildInfo(t *testing.T) {
	stamped := Info{Version: "v1.2.3", Commit: "abc", Date: "2026-01-01T00:00:00Z"}
	unset := Info{Version: "dev", Commit: "none", Date: "unknown"}
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-03-04T05:06:07Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	for _, tc := range []struct {
		name string
		in   Info
		bi   *debug.BuildInfo
		want Info
	}{
		{"no build info", unset, nil, unset},
		{"ldflags win", stamped, &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs}, stamped},
		{"go install of a tag", unset, &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}},
			Info{Version: "v0.4.0", Commit: "none", Date: "unknown"}},
		{"go build in a checkout", unset, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			Info{Version: "dev", Commit: "0123456789abcdef0123456789abcdef01234567", Date: "2026-03-04T05:06:07Z"}},
		{"modified tree", unset, &debug.BuildInfo{Main: debug.Module{Version: "v0.4.1-0.20260304050607-0123456789ab+dirty"},
			Settings: append(vcs[:3:3], debug.BuildSetting{Key: "vcs.modified", Value: "true"})},
			Info{Version: "v0.4.1-0.20260304050607-0123456789ab+dirty", Commit: "0123456789abcdef0123456789abcdef01234567-dirty", Date: "2026-03-04T05:06:07Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := resolve(tc.in, tc.bi); got != tc.want {
				t.Errorf("resolve() = %+v, want %+v", got, tc.want)
			}
		})
	}
}
