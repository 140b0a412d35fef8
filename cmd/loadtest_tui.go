package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/tui/loadview"
)

// progressOutput chooses how a run shows its progress: the live view when a
// person watches (stdin, stdout and stderr are terminals, -o text, not in
// CI, --tui not turned off), plain lines on stderr otherwise. It returns the
// attack to call, which runs the view around the given one.
func (f *loadFlags) progressOutput(r *Root, opts *loadtest.Options, output, title string, attack loadtestRunFunc, header ...func(*loadview.Header)) loadtestRunFunc {
	if !f.tui || output != "text" || !r.Streams.Interactive() || !isTerminal(r.Streams.ErrOut) {
		opts.Progress = progressPrinter(r, f.progress)
		return attack
	}
	return func(ctx context.Context, o loadtest.Options) ([]*loadtest.Run, error) {
		h := loadview.Header{Title: title, Targets: len(o.Targets), Paced: o.Shape.Paced(), Shape: o.Shape.String(), AB: o.Slot > 0}
		for _, fn := range header {
			fn(&h)
		}
		return runLoadView(ctx, r, h, o, attack)
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// runLoadView runs the attack under the live view. q or ctrl+c in the view
// stops the run as Ctrl-C does on plain output: the attack returns its
// partial results (ErrInterrupted), the view ends, and the caller reports
// them. The engine's progress (and an A/B test's B − A) reaches the view
// through a small buffer, so a slow repaint never holds up the goroutine
// that records results.
func runLoadView(ctx context.Context, r *Root, h loadview.Header, o loadtest.Options, attack loadtestRunFunc) ([]*loadtest.Run, error) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	prog := tea.NewProgram(loadview.New(h, stop), r.teaOptions(ctx)...)
	updates := make(chan tea.Msg, 4)
	send := func(msg tea.Msg) {
		select {
		case updates <- msg:
		default: // the view is behind: it gets the next one
		}
	}
	o.Progress = func(p loadtest.Progress) { send(loadview.ProgressMsg(p)) }
	if h.AB {
		o.Watch = abDiffWatch(o.Watch, send)
	}
	forwarded := make(chan struct{})
	go func() {
		defer close(forwarded)
		for msg := range updates {
			prog.Send(msg)
		}
	}()
	type result struct {
		runs []*loadtest.Run
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runs, err := attack(ctx, o)
		close(updates)
		<-forwarded
		done <- result{runs, err}
		prog.Send(loadview.DoneMsg{Err: err})
	}()
	_, viewErr := prog.Run()
	// Leaving the view (a second q, or the view failing) stops the run too.
	stop()
	res := <-done
	if viewErr != nil && !errors.Is(viewErr, tea.ErrProgramKilled) && !errors.Is(viewErr, context.Canceled) {
		fmt.Fprintf(r.Streams.ErrOut, "load test view: %v\n", viewErr)
	}
	return res.runs, res.err
}

// abDiffWatch sends the view an A/B test's B − A so far each measured
// second, then calls watch (if any). It is the final report's point
// difference (loadtest.Compare, where ABCompare starts) of both sides'
// metrics, read on the goroutine that records them, right after the
// progress of the same second; the report's bootstrap interval needs the
// whole run.
func abDiffWatch(watch func(time.Duration, []*loadtest.Metrics) string, send func(tea.Msg)) func(time.Duration, []*loadtest.Metrics) string {
	return func(elapsed time.Duration, sets []*loadtest.Metrics) string {
		if len(sets) == 2 && sets[0].Requests > 0 && sets[1].Requests > 0 {
			a := &loadtest.Run{Meta: loadtest.Meta{Name: "a"}, Metrics: *sets[0]}
			b := &loadtest.Run{Meta: loadtest.Meta{Name: "b"}, Metrics: *sets[1]}
			send(loadview.ABMsg(*loadtest.Compare(a, b)))
		}
		if watch == nil {
			return ""
		}
		return watch(elapsed, sets)
	}
}
