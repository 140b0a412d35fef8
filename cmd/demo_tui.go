package cmd

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/lbctl/lbctl/lbctl/sandbox/demo"
	"github.com/lbctl/lbctl/tui/tour"
)

// runDemoTUI shows the demo as the guided tour.
func runDemoTUI(ctx context.Context, r *Root, story *demo.Story) error {
	var steps []tour.Step
	for _, st := range story.Steps() {
		steps = append(steps, tour.Step{Title: st.Title, Run: st.Run})
	}
	title := fmt.Sprintf("lbctl demo — sandbox up in %.1fs", story.StartupTime().Seconds())
	m := tour.New(ctx, title, steps, tour.DefaultKeyMap())
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(r.Streams.In), tea.WithOutput(r.Streams.Out))
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("demo tour: %w", err)
	}
	return nil
}
