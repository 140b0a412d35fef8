package apply

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lbctl/lbctl/migrate/plan"
)

func progressPlan() *plan.Plan {
	return &plan.Plan{Phases: []plan.Phase{
		{Name: plan.PhasePreflight, Steps: []plan.Step{{Op: plan.OpCheck, Action: "check subnets"}}},
		{Name: plan.PhaseCreate, Steps: []plan.Step{{Op: plan.OpApply, Action: "create the copies"}, {Op: plan.OpApply, Action: "label namespaces"}}},
		{Name: plan.PhaseRestart, Steps: []plan.Step{}},
		{Name: plan.PhaseShift, Steps: []plan.Step{{Op: plan.OpApply, Action: "shift 50%"}}},
	}}
}

func TestProgressAdd(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	// Phases: 0 preflight, 1 create, 2 restart, 3 shift-traffic; steps: 0
	// check, 1 and 2 create, 3 shift.
	tests := []struct {
		name   string
		done   map[int]bool
		events []Event
		want   func(p *Progress) // edits NewProgress(plan, done) into the expected state
	}{
		{name: "before any event", want: func(*Progress) {}},
		{name: "a journal's done steps count in their phases", done: map[int]bool{0: true, 2: true, 3: false},
			want: func(p *Progress) {
				p.Steps[0].State, p.Steps[2].State = StepDone, StepDone
				p.Phases[0].Done, p.Phases[1].Done = 1, 1
			}},
		{name: "a step runs, writes and waits",
			events: []Event{
				{Time: at(1), Type: EventPhase, Phase: plan.PhaseCreate, Message: "create the copies"},
				{Time: at(2), Type: EventStep, Phase: plan.PhaseCreate, Step: 1, Op: plan.OpApply, Message: "create the copies"},
				{Time: at(3), Type: EventWrite, Phase: plan.PhaseCreate, Step: 1, Message: "applied Ingress team-a/cart-ip"},
				// the executor's waits name no phase: the current one waits
				{Time: at(4), Type: EventWait, Message: "Ingress team-a/cart-ip has an active ALB: no address yet"},
			},
			want: func(p *Progress) {
				p.Phase, p.Current, p.Writes = plan.PhaseCreate, 1, 1
				p.Wait = "Ingress team-a/cart-ip has an active ALB: no address yet"
				p.Steps[1].State = StepRunning
				p.Phases[1].Start, p.Phases[1].Writes, p.Phases[1].LastWait = at(1), 1, p.Wait
			}},
		{name: "a step's end clears the wait; the phase keeps its last",
			events: []Event{
				{Time: at(1), Type: EventPhase, Phase: plan.PhaseCreate},
				{Time: at(2), Type: EventStep, Phase: plan.PhaseCreate, Step: 1},
				{Time: at(3), Type: EventWait, Message: "copies have ALBs"},
				{Time: at(4), Type: EventStepDone, Phase: plan.PhaseCreate, Step: 1},
				{Time: at(5), Type: EventStep, Phase: plan.PhaseCreate, Step: 2},
				{Time: at(6), Type: EventStepDone, Phase: plan.PhaseCreate, Step: 2},
				{Time: at(7), Type: EventPhase, Phase: plan.PhaseCreate}, // a second start keeps the first
			},
			want: func(p *Progress) {
				p.Phase, p.Current = plan.PhaseCreate, 2
				p.Steps[1].State, p.Steps[2].State = StepDone, StepDone
				p.Phases[1].Done, p.Phases[1].Start, p.Phases[1].End, p.Phases[1].LastWait = 2, at(1), at(6), "copies have ALBs"
			}},
		{name: "a done step that runs again is not counted twice", done: map[int]bool{1: true},
			events: []Event{
				{Time: at(1), Type: EventStep, Phase: plan.PhaseCreate, Step: 1},
				{Time: at(2), Type: EventStepDone, Phase: plan.PhaseCreate, Step: 1},
			},
			want: func(p *Progress) {
				p.Phase, p.Current = plan.PhaseCreate, 1
				p.Phases[1].End = at(2) // Done stays 1
			}},
		{name: "a done step that runs again is running, not done", done: map[int]bool{1: true},
			events: []Event{
				{Time: at(1), Type: EventStep, Phase: plan.PhaseCreate, Step: 1},
			},
			want: func(p *Progress) {
				p.Phase, p.Current = plan.PhaseCreate, 1
				p.Steps[1].State, p.Phases[1].Done = StepRunning, 0
			}},
		{name: "steps and phases the plan lacks change only the totals",
			events: []Event{
				{Time: at(1), Type: EventStep, Phase: plan.PhaseCreate, Step: 1},
				{Time: at(2), Type: EventWait, Message: "waiting"},
				{Time: at(3), Type: EventStep, Phase: plan.PhaseCreate, Step: 9},
				{Time: at(4), Type: EventStepDone, Phase: plan.PhaseCreate, Step: -1},
				{Time: at(5), Type: EventWrite, Phase: "elsewhere", Step: 9},
			},
			want: func(p *Progress) {
				p.Phase, p.Current, p.Writes = "elsewhere", 1, 1
				p.Steps[1].State = StepRunning
				p.Phases[1].LastWait = "waiting"
			}},
		{name: "health keeps each target group's last samples, in the order first polled",
			events: append([]Event{
				{Time: at(0), Type: EventHealth, Object: "TargetGroup/tg-b", Health: &TargetCounts{Healthy: 1, Unhealthy: 1, Draining: 4}},
				{Time: at(0), Type: EventHealth, Object: "TargetGroup/tg-c", Health: &TargetCounts{Draining: 2}},
				{Time: at(0), Type: EventHealth, Object: "TargetGroup/tg-d"}, // no counts: not a sample
			}, repeat(ProgressSamples+2, func(i int) Event {
				return Event{Time: at(i), Type: EventHealth, Object: "TargetGroup/tg-a", Health: &TargetCounts{Healthy: i % 2, Initial: 1}}
			})...),
			want: func(p *Progress) {
				shares := make([]float64, ProgressSamples)
				for i := range shares {
					shares[i] = float64((i+2)%2) / float64((i+2)%2+1)
				}
				p.TargetGroups = []TargetGroupProgress{
					{Name: "tg-b", Shares: []float64{0.5}, Last: TargetCounts{Healthy: 1, Unhealthy: 1, Draining: 4}},
					{Name: "tg-c", Shares: []float64{0}, Last: TargetCounts{Draining: 2}},
					{Name: "tg-a", Shares: shares, Last: TargetCounts{Healthy: 1, Initial: 1}},
				}
			}},
		{name: "verification keeps the latest progress and whole seconds' error ratios",
			events: []Event{
				{Time: at(1), Type: EventVerify, Phase: plan.PhaseShift, Step: 3, Verify: &VerifyProgress{Requests: 10}},
				{Time: at(2), Type: EventVerify, Phase: plan.PhaseShift, Step: 3, Verify: &VerifyProgress{Requests: 60, Errors: 5, WindowRequests: 50, WindowErrors: 5, P99Ms: 9.5}},
				{Time: at(3), Type: EventVerify, Phase: plan.PhaseShift, Step: 3}, // no progress: not a sample
			},
			want: func(p *Progress) {
				p.Phase = plan.PhaseShift
				p.Verify = &VerifyProgress{Requests: 60, Errors: 5, WindowRequests: 50, WindowErrors: 5, P99Ms: 9.5}
				p.VerifyErrors = []float64{0.1}
			}},
		{name: "rollback, stop and done",
			events: []Event{
				{Time: at(1), Type: EventRollback, Phase: plan.PhaseCreate, Step: 1, Message: "restored Ingress team-a/cart-ip"},
				{Time: at(2), Type: EventRollback, Phase: plan.PhaseCreate, Step: 1, Message: "restored Service team-a/cart"},
				{Time: at(3), Type: EventStopped, Message: "timed out"},
				{Time: at(4), Type: EventWarning, Message: "a warning"},
				{Time: at(5), Type: EventDone, Message: "rolled back 2 writes"},
			},
			want: func(p *Progress) {
				p.Phase, p.Restores, p.Stopped, p.Done = plan.PhaseCreate, 2, "timed out", true
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NewProgress(progressPlan(), tc.done)
			want := NewProgress(progressPlan(), tc.done)
			tc.want(&want)
			for _, ev := range tc.events {
				got.Add(ev)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Progress{}, StepProgress{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("progress (-want +got):\n%s", diff)
			}
		})
	}
}

func repeat(n int, ev func(i int) Event) []Event {
	out := make([]Event, n)
	for i := range out {
		out[i] = ev(i)
	}
	return out
}

func TestNewProgressLaysOutThePlan(t *testing.T) {
	got := NewProgress(progressPlan(), nil)
	want := Progress{
		Current: -1,
		Phases: []PhaseProgress{
			{Name: plan.PhasePreflight, Steps: 1}, {Name: plan.PhaseCreate, Steps: 2}, {Name: plan.PhaseRestart}, {Name: plan.PhaseShift, Steps: 1},
		},
		Steps: []StepProgress{
			{Phase: plan.PhasePreflight, Op: plan.OpCheck, Action: "check subnets", State: StepPending},
			{Phase: plan.PhaseCreate, Op: plan.OpApply, Action: "create the copies", State: StepPending},
			{Phase: plan.PhaseCreate, Op: plan.OpApply, Action: "label namespaces", State: StepPending},
			{Phase: plan.PhaseShift, Op: plan.OpApply, Action: "shift 50%", State: StepPending},
		},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(Progress{}, StepProgress{})); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

// The zero Progress takes events without a plan: only the totals move.
func TestProgressZeroValue(t *testing.T) {
	var p Progress
	p.Add(Event{Type: EventStep, Step: 0})
	p.Add(Event{Type: EventWrite, Phase: plan.PhaseCreate})
	p.Add(Event{Type: EventHealth, Object: "TargetGroup/tg", Health: &TargetCounts{Healthy: 1}})
	if p.Writes != 1 || p.Phase != plan.PhaseCreate || len(p.TargetGroups) != 1 || len(p.Steps) != 0 {
		t.Errorf("zero progress after events: %+v", p)
	}
}

func TestJournalDoneSteps(t *testing.T) {
	var none *Journal
	if got := none.DoneSteps(); got != nil {
		t.Errorf("no journal: %v", got)
	}
	j := &Journal{Steps: []StepRecord{{Index: 0, State: StepDone}, {Index: 1, State: StepRunning}, {Index: 2, State: StepDone}, {Index: 3, State: StepPending}}}
	if diff := cmp.Diff(map[int]bool{0: true, 1: false, 2: true, 3: false}, j.DoneSteps()); diff != "" {
		t.Errorf("done steps (-want +got):\n%s", diff)
	}
	got := NewProgress(progressPlan(), j.DoneSteps())
	if got.Phases[0].Done != 1 || got.Phases[1].Done != 1 || got.Phases[3].Done != 0 {
		t.Errorf("a resumed progress: %+v", got.Phases)
	}
}
