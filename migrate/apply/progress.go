package apply

import (
	"strings"
	"time"

	"github.com/lbctl/lbctl/migrate/plan"
)

// ProgressSamples is how many recent samples Progress keeps of each series
// (a target group's health, the verification load's error ratio): a
// sparkline's width.
const ProgressSamples = 30

// Progress is a run's events folded into where the run stands: each phase's
// and step's state, the step running and the condition it waits on, the
// objects written, the new target groups' health and the verification load.
// Every view of a run (the live view, the sandbox demo) renders one, so
// they agree on what an event means. Feed it with Add; it is not safe for
// concurrent use.
type Progress struct {
	Phases []PhaseProgress
	Steps  []StepProgress
	// Current is the index in Steps of the step started last; -1 before any.
	Current int
	// Phase is the phase of the latest event that named one (the phase
	// running, or the one a rollback restores).
	Phase string
	// Wait is the condition the current step waits on; a step's start and
	// end clear it.
	Wait string
	// Writes counts the objects written (EventWrite), Restores the ones a
	// rollback restored (EventRollback).
	Writes, Restores int
	// TargetGroups are the new target groups' health, in the order first
	// polled.
	TargetGroups []TargetGroupProgress
	// Verify is the verification load's latest progress (nil before any);
	// VerifyErrors are its last seconds' error ratios, oldest first.
	Verify       *VerifyProgress
	VerifyErrors []float64
	// Done is set by EventDone; Stopped is the latest EventStopped's message.
	Done    bool
	Stopped string

	tgIndex map[string]int // TargetGroups by name
}

// PhaseProgress is one phase of the plan so far.
type PhaseProgress struct {
	Name string
	// Steps is how many steps the phase has, Done how many are done.
	Steps, Done int
	// Writes counts the objects written in the phase.
	Writes int
	// Start is when the phase first started, End when its last step so far
	// finished (zero: not yet).
	Start, End time.Time
	// LastWait is the last condition the phase waited on (kept after the
	// wait is over).
	LastWait string
}

// StepProgress is one step of the plan so far.
type StepProgress struct {
	Phase, Op, Action string
	// State is StepPending, StepRunning or StepDone.
	State string

	phase int // index in Progress.Phases
}

// TargetGroupProgress is one new target group's recent health.
type TargetGroupProgress struct {
	Name string
	// Shares are the recent polls' healthy share of the targets that are
	// not draining, oldest first (at most ProgressSamples).
	Shares []float64
	// Last is the latest poll's counts.
	Last TargetCounts
}

// NewProgress is the progress of a run of p before its first event; done
// marks the steps (by index over all phases) a journal already finished,
// as Journal.DoneSteps gives them for a resume.
func NewProgress(p *plan.Plan, done map[int]bool) Progress {
	pr := Progress{Current: -1}
	for pi, ph := range p.Phases {
		pr.Phases = append(pr.Phases, PhaseProgress{Name: ph.Name, Steps: len(ph.Steps)})
		for _, st := range ph.Steps {
			pr.Steps = append(pr.Steps, StepProgress{Phase: ph.Name, Op: st.Op, Action: st.Action, State: StepPending, phase: pi})
			if done[len(pr.Steps)-1] {
				pr.setState(len(pr.Steps)-1, StepDone)
			}
		}
	}
	return pr
}

// DoneSteps are the indexes of the steps the journal records as done (nil
// for no journal), for NewProgress.
func (j *Journal) DoneSteps() map[int]bool {
	if j == nil {
		return nil
	}
	done := map[int]bool{}
	for _, s := range j.Steps {
		done[s.Index] = s.State == StepDone
	}
	return done
}

// Add folds one event in. Events that name a step or phase the plan does
// not have change only the totals.
func (p *Progress) Add(ev Event) {
	if ev.Phase != "" {
		p.Phase = ev.Phase
	}
	ph := p.phase(p.Phase)
	switch ev.Type {
	case EventPhase:
		if ph != nil && ph.Start.IsZero() {
			ph.Start = ev.Time
		}
	case EventStep:
		if p.hasStep(ev.Step) {
			p.Current = ev.Step
			p.setState(ev.Step, StepRunning)
		}
		p.Wait = ""
	case EventStepDone:
		if p.hasStep(ev.Step) {
			p.setState(ev.Step, StepDone)
			p.Phases[p.Steps[ev.Step].phase].End = ev.Time
		}
		p.Wait = ""
	case EventWait:
		p.Wait = ev.Message
		if ph != nil {
			ph.LastWait = ev.Message
		}
	case EventWrite:
		p.Writes++
		if ph != nil {
			ph.Writes++
		}
	case EventRollback:
		p.Restores++
	case EventHealth:
		if ev.Health != nil {
			p.addHealth(strings.TrimPrefix(ev.Object, "TargetGroup/"), *ev.Health)
		}
	case EventVerify:
		if ev.Verify != nil {
			v := *ev.Verify
			p.Verify = &v
			if v.WindowRequests > 0 {
				p.VerifyErrors = appendSample(p.VerifyErrors, float64(v.WindowErrors)/float64(v.WindowRequests))
			}
		}
	case EventDone:
		p.Done = true
	case EventStopped:
		p.Stopped = ev.Message
	}
}

func (p *Progress) hasStep(i int) bool { return i >= 0 && i < len(p.Steps) }

func (p *Progress) phase(name string) *PhaseProgress {
	for i := range p.Phases {
		if p.Phases[i].Name == name {
			return &p.Phases[i]
		}
	}
	return nil
}

// setState moves step i to state, keeping its phase's count of done steps.
func (p *Progress) setState(i int, state string) {
	s := &p.Steps[i]
	ph := &p.Phases[s.phase]
	if s.State == StepDone {
		ph.Done--
	}
	if state == StepDone {
		ph.Done++
	}
	s.State = state
}

func (p *Progress) addHealth(name string, c TargetCounts) {
	if p.tgIndex == nil {
		p.tgIndex = map[string]int{}
	}
	i, ok := p.tgIndex[name]
	if !ok {
		i = len(p.TargetGroups)
		p.tgIndex[name] = i
		p.TargetGroups = append(p.TargetGroups, TargetGroupProgress{Name: name})
	}
	share := 0.0
	if live := c.Healthy + c.Unhealthy + c.Initial; live > 0 {
		share = float64(c.Healthy) / float64(live)
	}
	tg := &p.TargetGroups[i]
	tg.Shares = appendSample(tg.Shares, share)
	tg.Last = c
}

// appendSample appends x, keeping the last ProgressSamples.
func appendSample(xs []float64, x float64) []float64 {
	xs = append(xs, x)
	if len(xs) > ProgressSamples {
		xs = xs[len(xs)-ProgressSamples:]
	}
	return xs
}
