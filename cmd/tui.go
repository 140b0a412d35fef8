package cmd

import (
	"context"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// teaOptions are the options every live view runs with: the command's
// context and streams, and --color: never draws without colour (bold and
// the like stay), always with the terminal's full palette even when the
// environment says otherwise; auto leaves it to the terminal and NO_COLOR.
func (r *Root) teaOptions(ctx context.Context, extra ...tea.ProgramOption) []tea.ProgramOption {
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(r.Streams.In), tea.WithOutput(r.Streams.Out)}
	switch r.Global.Color {
	case "never":
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	case "always":
		opts = append(opts, tea.WithColorProfile(colorprofile.TrueColor))
	}
	return append(opts, extra...)
}
