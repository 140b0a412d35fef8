package cmd

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/lbctl/lbctl/demo"
	"github.com/lbctl/lbctl/tui/healthview"
	"github.com/lbctl/lbctl/tui/tour"
)

// demoHealthInterval is how often the demo's health view refreshes.
const demoHealthInterval = time.Second

// runDemoTUI shows the demo as the guided tour; the health step is the live
// health view, as `kubectl lbctl health` shows it on a terminal.
func runDemoTUI(ctx context.Context, r *Root, story *demo.Story) error {
	keys, err := loadKeyMap(r.Streams)
	if err != nil {
		return err
	}
	var steps []tour.Step
	for _, st := range story.Steps() {
		ts := tour.Step{Title: st.Title, Run: st.Run, Progress: st.Progress}
		if feed := st.Health; feed != nil {
			ts.Live = func() tea.Model {
				m := healthview.New(ctx, healthSource(feed), healthview.Header{Cluster: feed.Cluster, Region: feed.Region, Context: "in-process sandbox"}, keys, time.Now)
				return m.WithEvents(podEvents(story.Kube()))
			}
		}
		steps = append(steps, ts)
	}
	title := fmt.Sprintf("lbctl demo — sandbox up in %.1fs", story.StartupTime().Seconds())
	m := tour.New(ctx, title, steps, tour.DefaultKeyMap())
	p := tea.NewProgram(m, r.teaOptions(ctx, tea.WithFPS(10))...)
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("demo tour: %w", err)
	}
	return nil
}

// healthSource feeds the health view: the first snapshot at once, then one
// every demoHealthInterval (each shown activation polls afresh).
func healthSource(feed *demo.HealthFeed) healthview.Source {
	var last atomic.Int64
	return func(ctx context.Context) healthview.SnapshotMsg {
		if due := time.Unix(0, last.Load()).Add(demoHealthInterval); time.Now().Before(due) {
			t := time.NewTimer(time.Until(due))
			select {
			case <-ctx.Done():
				t.Stop()
				return healthview.SnapshotMsg{Err: ctx.Err()}
			case <-t.C:
			}
		}
		last.Store(time.Now().UnixNano())
		snap, err := feed.Snapshot(ctx)
		return healthview.SnapshotMsg{Snapshot: snap, Calls: feed.Calls(), Err: err}
	}
}
