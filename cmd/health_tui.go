package cmd

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/lbctl/lbctl/lbctl/health"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/tui/healthview"
)

// runTUI shows the health view, refreshed by the poller; repaints are capped
// at 10 per second.
func (o *healthOptions) runTUI(ctx context.Context, r *Root, t *topology.Topology, first health.Snapshot) error {
	p, err := newPoller(ctx, r, o, t)
	if err != nil {
		return err
	}
	firstDone := false
	source := func(ctx context.Context) healthview.SnapshotMsg {
		if !firstDone {
			firstDone = true
			return healthview.SnapshotMsg{Snapshot: first, Calls: p.Calls}
		}
		if err := p.Wait(ctx); err != nil {
			return healthview.SnapshotMsg{Err: err}
		}
		s, err := p.Next(ctx)
		return healthview.SnapshotMsg{Snapshot: s, Calls: p.Calls, Err: err}
	}
	region := ""
	if t.AWS != nil {
		region = t.AWS.Region
	}
	ctxName := ""
	if raw, err := r.Factory.ConfigFlags.ToRawKubeConfigLoader().RawConfig(); err == nil {
		ctxName = raw.CurrentContext
	}
	m := healthview.New(ctx, source, healthview.Header{Cluster: t.Cluster, Region: region, Context: ctxName}, healthview.DefaultKeyMap(), r.Factory.Clock.Now)
	prog := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(r.Streams.In), tea.WithOutput(r.Streams.Out), tea.WithFPS(10))
	if _, err := prog.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("health view: %w", err)
	}
	return nil
}
