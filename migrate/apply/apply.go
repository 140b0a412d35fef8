// Package apply carries out a migration plan: phase by phase, every write a
// server-side apply recorded in a journal beforehand, waits on real
// conditions (ALBs active, target groups healthy, rollouts done, old load
// balancers gone) between steps, resume after any interruption, and
// rollback to the recorded states.
package apply

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/migrate/plan"
)

// FieldManager owns every field lbctl writes.
const FieldManager = "lbctl"

// DefaultJournalNamespace holds the journal and the Lease unless
// --journal-namespace says otherwise.
const DefaultJournalNamespace = "kube-system"

// ELB is the part of the ELBv2 API the waits read.
type ELB interface {
	DescribeLoadBalancers(ctx context.Context, in *elbv2.DescribeLoadBalancersInput, opts ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error)
	DescribeTargetGroups(ctx context.Context, in *elbv2.DescribeTargetGroupsInput, opts ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error)
	DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput, opts ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error)
	DescribeTags(ctx context.Context, in *elbv2.DescribeTagsInput, opts ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error)
}

// Options configure an Executor.
type Options struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	ELB     ELB

	Plan *plan.Plan
	// Files are the plan's manifests by path (plan.File.Path).
	Files map[string][]byte
	// Cluster is the cluster the current context points at ("" unknown).
	Cluster string

	// JournalNamespace holds the journal ConfigMap and the migration's
	// Lease (DefaultJournalNamespace when empty).
	JournalNamespace string
	JournalFile      string

	DryRun         bool
	ForceConflicts bool
	// Observe writes nothing but the journal: another process (a GitOps
	// controller) makes each step's changes, and each step waits until the
	// cluster shows them, then runs the same waits and gates.
	Observe bool
	// Phase runs that phase only (the ones before must be done); Until
	// stops after that phase.
	Phase, Until string
	// ManualDone marks the manual step migrate stopped at as done.
	ManualDone bool
	// AcceptControllerModel waits for the plan's target groups even when
	// the controller's own model (its dry-run-plan annotation) names
	// others; by default that stops the migration at once.
	AcceptControllerModel bool

	// WaitTimeout bounds each wait; Poll is the interval of its checks.
	WaitTimeout, Poll time.Duration
	// Soak overrides the plan's soak after each traffic step (0: the plan's).
	Soak time.Duration
	// Confirm is asked before each phase with pending steps; nil means yes.
	Confirm func(ph plan.Phase) (bool, error)
	// Verify, when set, runs during each traffic step's soak against the new
	// path (a verification load) and says what it measured; an error rolls
	// the step back. It reports its progress (about once a second) to
	// progress, which passes it on as EventVerify.
	Verify func(ctx context.Context, st plan.Step, soak time.Duration, progress func(VerifyProgress)) (string, error)
	// Events receives progress; nil discards it.
	Events func(Event)
	Now    func() time.Time
	// Sleep waits between polls (tests make it instant); nil sleeps.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Event is one thing that happened, for the progress view and -o ndjson.
type Event struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Phase   string    `json:"phase,omitempty"`
	Step    int       `json:"step,omitempty"`
	Op      string    `json:"op,omitempty"`
	Object  string    `json:"object,omitempty"`
	Message string    `json:"message"`
	// Health is a target group's targets by state (EventHealth).
	Health *TargetCounts `json:"health,omitempty"`
	// Verify is the verification load so far (EventVerify).
	Verify *VerifyProgress `json:"verify,omitempty"`
}

// TargetCounts are a target group's targets by health state.
type TargetCounts struct {
	Healthy   int `json:"healthy"`
	Unhealthy int `json:"unhealthy"`
	Initial   int `json:"initial"`
	Draining  int `json:"draining"`
}

// VerifyProgress is a verification load's progress: every request so far
// and the last second's.
type VerifyProgress struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
	// WindowRequests and WindowErrors are the last whole second's.
	WindowRequests int64 `json:"windowRequests"`
	WindowErrors   int64 `json:"windowErrors"`
	// P99Ms is the last second's 99th percentile latency.
	P99Ms float64 `json:"p99Ms"`
}

// Event types.
const (
	EventPhase = "phase"
	EventStep  = "step"
	EventWrite = "write"
	EventWait  = "wait"
	// EventObserved: in observe mode, a change another process made is seen.
	EventObserved = "observed"
	EventStepDone = "step-done"
	EventStopped  = "stopped"
	EventDone     = "done"
	EventRollback = "rollback"
	EventWarning  = "warning"
	// EventHealth is a poll of a new target group's targets (during waits
	// and soaks): the live view's sparkline.
	EventHealth = "health"
	// EventVerify is the verification load's progress.
	EventVerify = "verify"
)

// Executor runs one plan.
type Executor struct {
	o      Options
	emitMu sync.Mutex
	id     string
	store  *Store
	j      *Journal
	steps  []stepRef
}

type stepRef struct {
	phase int
	step  plan.Step
	name  string
}

// PlanID identifies a plan by its content.
func PlanID(p *plan.Plan) string {
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:5])
}

// New returns an executor for o.Plan.
func New(o Options) *Executor {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.WaitTimeout == 0 {
		o.WaitTimeout = 10 * time.Minute
	}
	if o.Poll == 0 {
		o.Poll = time.Second
	}
	if o.JournalNamespace == "" {
		o.JournalNamespace = DefaultJournalNamespace
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	e := &Executor{o: o, id: PlanID(o.Plan)}
	e.store = &Store{Kube: o.Kube, Namespace: o.JournalNamespace, File: o.JournalFile, DryRun: o.DryRun}
	for i, ph := range o.Plan.Phases {
		for _, st := range ph.Steps {
			e.steps = append(e.steps, stepRef{phase: i, step: st, name: ph.Name})
		}
	}
	return e
}

// ID is the plan's identity, which names its journal.
func (e *Executor) ID() string { return e.id }

func (e *Executor) emit(ev Event) {
	if e.o.Events == nil {
		return
	}
	e.emitMu.Lock()
	defer e.emitMu.Unlock()
	ev.Time = e.o.Now()
	e.o.Events(ev)
}

func (e *Executor) save(ctx context.Context) error {
	e.j.Updated = e.o.Now().UTC()
	return e.store.Save(ctx, e.j)
}

// Status reads the journal of the plan; nil when the migration never
// started.
func (e *Executor) Status(ctx context.Context) (*Journal, error) {
	return e.store.Load(ctx, e.id)
}

func (e *Executor) newJournal() *Journal {
	j := &Journal{APIVersion: plan.APIVersion, Kind: "MigrationJournal", ID: e.id, Cluster: e.o.Plan.Cluster,
		State: StateRunning, Started: e.o.Now().UTC(), Steps: []StepRecord{}, Writes: []WriteRecord{}, Restarts: map[string]string{}}
	for i, s := range e.steps {
		j.Steps = append(j.Steps, StepRecord{Phase: s.name, Index: i, Op: s.step.Op, Action: s.step.Action, State: StepPending})
	}
	return j
}

func (e *Executor) phaseIndex(name string) (int, error) {
	for i, ph := range e.o.Plan.Phases {
		if ph.Name == name {
			return i, nil
		}
	}
	var names []string
	for _, ph := range e.o.Plan.Phases {
		names = append(names, ph.Name)
	}
	return 0, exitcode.New(exitcode.Usage, fmt.Sprintf("the plan has no phase %q", name), "phases are "+strings.Join(names, ", "), nil)
}

// Apply runs the plan from where its journal left it (from the start when
// there is none). resume insists on an existing journal.
func (e *Executor) Apply(ctx context.Context, resume bool) (err error) {
	first, last := 0, len(e.o.Plan.Phases)-1
	if e.o.Phase != "" {
		if first, err = e.phaseIndex(e.o.Phase); err != nil {
			return err
		}
		last = first
	}
	if e.o.Until != "" {
		if last, err = e.phaseIndex(e.o.Until); err != nil {
			return err
		}
	}
	if err := e.checkAccess(ctx); err != nil {
		return err
	}
	j, err := e.store.Load(ctx, e.id)
	if err != nil {
		return err
	}
	switch {
	case j == nil && resume:
		return exitcode.New(exitcode.Usage, fmt.Sprintf("no migration journal %s/%s for this plan", e.o.JournalNamespace, ConfigMapName(e.id)),
			"start it with "+buildinfo.Command()+" migrate apply", nil)
	case j != nil && j.State == StateDone:
		e.j = j
		e.emit(Event{Type: EventDone, Message: "the migration of this plan is already done"})
		return nil
	case j != nil && (j.State == StateRollingBack):
		return exitcode.New(exitcode.Usage, "the migration of this plan is being rolled back", "finish it with "+buildinfo.Command()+" migrate rollback", nil)
	case j == nil || j.State == StateRolledBack:
		if err := e.checkInputs(ctx); err != nil {
			return err
		}
		j = e.newJournal()
	}
	e.j = j
	if e.o.Phase != "" && first > 0 {
		for _, s := range j.Steps {
			if e.steps[s.Index].phase < first && s.State != StepDone {
				return exitcode.New(exitcode.Usage, fmt.Sprintf("phase %s is not done: --phase %s needs every phase before it", s.Phase, e.o.Phase), "run "+buildinfo.Command()+" migrate apply --until "+s.Phase, nil)
			}
		}
	}
	l := &lease{kube: e.o.Kube, namespace: e.o.JournalNamespace, name: ConfigMapName(e.id), holder: holderIdentity(), dryRun: e.o.DryRun}
	if err := l.acquire(ctx, e.o.Now); err != nil {
		return err
	}
	defer l.release(ctx)

	j.State, j.Message = StateRunning, ""
	if err := e.save(ctx); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			return
		}
		j.State, j.Message = StateStopped, err.Error()
		if serr := e.save(context.WithoutCancel(ctx)); serr != nil {
			err = errors.Join(err, serr)
		}
		e.emit(Event{Type: EventStopped, Message: err.Error()})
	}()
	for pi := first; pi <= last; pi++ {
		ph := e.o.Plan.Phases[pi]
		pending := 0
		for i, s := range e.steps {
			if s.phase == pi && j.Steps[i].State != StepDone {
				pending++
			}
		}
		if pending == 0 {
			continue
		}
		if e.o.Confirm != nil {
			ok, err := e.o.Confirm(ph)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: phase %s not confirmed; continue with %s migrate resume", exitcode.ErrInterrupted, ph.Name, buildinfo.Command())
			}
		}
		e.emit(Event{Type: EventPhase, Phase: ph.Name, Message: ph.Description})
		for i, s := range e.steps {
			if s.phase != pi || j.Steps[i].State == StepDone {
				continue
			}
			if err := e.runStep(ctx, i); err != nil {
				return err
			}
		}
	}
	if e.o.DryRun {
		e.emit(Event{Type: EventDone, Message: "dry run: every write was accepted by the API server and nothing was persisted"})
		return nil
	}
	if last < len(e.o.Plan.Phases)-1 {
		j.State, j.Message = StateStopped, fmt.Sprintf("stopped after phase %s for review", e.o.Plan.Phases[last].Name)
		e.emit(Event{Type: EventStopped, Phase: e.o.Plan.Phases[last].Name, Message: j.Message + "; continue with " + buildinfo.Command() + " migrate resume"})
		return e.save(ctx)
	}
	j.State = StateDone
	e.emit(Event{Type: EventDone, Message: fmt.Sprintf("migration done: %d steps, %d writes", len(j.Steps), len(j.Writes))})
	return e.save(ctx)
}

func (e *Executor) runStep(ctx context.Context, i int) error {
	s := e.steps[i]
	rec := &e.j.Steps[i]
	now := e.o.Now().UTC()
	rec.State, rec.Start = StepRunning, &now
	if err := e.save(ctx); err != nil {
		return err
	}
	e.emit(Event{Type: EventStep, Phase: s.name, Step: i, Op: s.step.Op, Message: s.step.Action})
	var err error
	switch s.step.Op {
	case plan.OpCheck:
		err = e.check(s.step)
	case plan.OpApply:
		err = e.applyStep(ctx, i, s)
	case plan.OpDelete:
		err = e.deleteStep(ctx, i, s)
	case plan.OpRestart:
		err = e.restartStep(ctx, i, s)
	case plan.OpWaitHealthy, plan.OpVerifyGone, plan.OpVerifyMoved:
		if e.o.DryRun {
			// Nothing was persisted, so there is nothing to wait for: say
			// what the step would wait for and go on.
			e.emit(Event{Type: EventWait, Phase: s.name, Step: i, Op: s.step.Op, Message: "dry run: would wait for " + waitWhat(s.step) + " (skipped)"})
			break
		}
		switch s.step.Op {
		case plan.OpWaitHealthy:
			err = e.waitHealthyStep(ctx, s.step)
		case plan.OpVerifyGone:
			err = e.verifyGone(ctx, s.step.Objects)
		default:
			err = e.verifyMoved(ctx, s.step)
		}
	case plan.OpManual:
		if !e.o.ManualDone {
			err = exitcode.New(exitcode.CheckFailed, "step needs a change lbctl cannot make: "+s.step.Action,
				"make it, then: "+buildinfo.Command()+" migrate resume --manual-done", nil)
		}
		e.o.ManualDone = false
	default:
		err = exitcode.New(exitcode.Usage, fmt.Sprintf("step %d has unknown op %q", i, s.step.Op), "make the plan again with this lbctl", nil)
	}
	if err != nil {
		return err
	}
	end := e.o.Now().UTC()
	rec.State, rec.End = StepDone, &end
	e.emit(Event{Type: EventStepDone, Phase: s.name, Step: i, Op: s.step.Op, Message: s.step.Action})
	return e.save(ctx)
}

// waitWhat words what a waiting step waits for.
func waitWhat(st plan.Step) string {
	if st.WaitFor != "" {
		return st.WaitFor
	}
	var objs []string
	for _, o := range st.Objects {
		objs = append(objs, o.String())
	}
	return st.Action + " (" + strings.Join(objs, ", ") + ")"
}

func (e *Executor) check(st plan.Step) error {
	if st.Check != nil && st.Check.Status == plan.CheckFail {
		return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("preflight check %s failed: %s", st.Check.Name, st.Check.Message), "fix it and make the plan again", nil)
	}
	return nil
}

// objects decodes the manifest of a step; objects without a namespace get
// the plan's.
func (e *Executor) objects(path string) ([]*unstructured.Unstructured, error) {
	data, ok := e.o.Files[path]
	if !ok {
		return nil, exitcode.New(exitcode.Usage, "the plan's manifest "+path+" is missing", "pass the whole --out-dir the plan was written to", nil)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, exitcode.New(exitcode.Usage, fmt.Sprintf("manifest %s does not parse: %v", path, err), "make the plan again", err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		// The plan leaves metadata.namespace out where the input had none
		// (it fits the repository); those objects belong in Plan.Namespace.
		if u.GetNamespace() == "" && u.GetKind() != "Namespace" && e.o.Plan != nil {
			u.SetNamespace(e.o.Plan.Namespace)
		}
		out = append(out, u)
	}
	return out, nil
}

func refOf(u *unstructured.Unstructured) Ref {
	return Ref{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
}
