package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"al.essio.dev/pkg/shellescape"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
	"github.com/lbctl/lbctl/migrate/scan"
)

// journalNamespace holds the migration's journal ConfigMap and Lease (the
// command's default).
const journalNamespace = "kube-system"

// phaseLog follows a migration's events phase by phase, for the page and
// for the tour's progress while the step runs.
type phaseLog struct {
	mu   sync.Mutex
	plan *plan.Plan
	prog apply.Progress
}

func newPhaseLog(p *plan.Plan) *phaseLog {
	return &phaseLog{plan: p, prog: apply.NewProgress(p, nil)}
}

// seed counts the steps a journal already records as done (resume).
func (l *phaseLog) seed(j *apply.Journal) {
	if j == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prog = apply.NewProgress(l.plan, j.DoneSteps())
}

func (l *phaseLog) add(ev apply.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prog.Add(ev)
}

// write renders the phase list: a mark, steps done, time taken, writes,
// and the last condition waited on.
func (l *phaseLog) write(w io.Writer) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  \tPHASE\tSTEPS\tTOOK\tWRITES\tLAST WAIT\n")
	for _, ps := range l.prog.Phases {
		mark, took := "·", "-"
		switch {
		case ps.Done == ps.Steps:
			mark = "✓"
		case ps.Name == l.prog.Phase && !l.prog.Done:
			mark = "▸"
		}
		if !ps.Start.IsZero() && !ps.End.IsZero() {
			took = ps.End.Sub(ps.Start).Round(100 * time.Millisecond).String()
		}
		wait := ps.LastWait
		if r := []rune(wait); len(r) > 70 {
			wait = string(r[:69]) + "…"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d/%d\t%s\t%d\t%s\n", mark, ps.Name, ps.Done, ps.Steps, took, ps.Writes, wait)
	}
	return tw.Flush()
}

// Progress is the phase list so far and the running step.
func (l *phaseLog) Progress() string {
	var b strings.Builder
	_ = l.write(&b)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.prog.Current >= 0 && !l.prog.Done {
		fmt.Fprintf(&b, "\n  step: %s\n", l.prog.Steps[l.prog.Current].Action)
	}
	return b.String()
}

// executor is `kubectl lbctl migrate apply|resume --plan ./migration
// --yes` in this process: the real executor, against the sandbox's API
// and its AWS endpoint.
func (s *Story) executor(log *phaseLog, until string, force bool) *apply.Executor {
	return apply.New(apply.Options{
		Kube: s.sb.Kube, Dynamic: s.sb.Dynamic, ELB: s.elb, Plan: s.plan, Files: s.files, Cluster: sandbox.ClusterName,
		JournalNamespace: journalNamespace, Until: until, ForceConflicts: force,
		WaitTimeout: 3 * time.Minute, Poll: 100 * time.Millisecond, Events: log.add,
	})
}

// progress is the running migration's phase list (the tour shows it while
// the step runs).
func (s *Story) progress() string {
	s.mu.Lock()
	l, note := s.running, s.note
	s.mu.Unlock()
	if l == nil {
		return note
	}
	return l.Progress()
}

// follow makes l the progress shown (nil: note).
func (s *Story) follow(l *phaseLog, note string) {
	s.mu.Lock()
	s.running, s.note = l, note
	s.mu.Unlock()
}

// migrate carries the plan out up to the traffic shift, as `kubectl lbctl
// migrate apply --plan ./migration --until shift-traffic --yes` does, while
// load runs across every app.
func (s *Story) migrate(ctx context.Context) (string, error) {
	if s.plan == nil {
		return "", errors.New("no plan: the plan step has not run")
	}
	s.follow(nil, "following the plan's prestop-sleep advice: the Deployments roll out…")
	advice, err := s.followPreStopAdvice(ctx)
	if err != nil {
		return "", err
	}
	hosts, stop, err := s.steadyLoad(ctx)
	if err != nil {
		return "", err
	}
	log := newPhaseLog(s.plan)
	s.follow(log, "")
	e := s.executor(log, plan.PhaseShift, false)
	aerr := e.Apply(ctx, false)
	run, lerr := stop()
	if aerr != nil {
		return "", fmt.Errorf("migrate apply: %w", aerr)
	}
	if lerr != nil {
		return "", lerr
	}
	j, err := e.Status(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(advice)
	fmt.Fprintf(&b, "$ %s migrate apply --plan ./migration --until %s --yes\n\n", buildinfo.Command(), plan.PhaseShift)
	if err := log.write(&b); err != nil {
		return "", err
	}
	writeJournal(&b, e, j)
	fmt.Fprintf(&b, "\nEvery write was a server-side apply by field manager %q, recorded in the journal with the\n", apply.FieldManager)
	fmt.Fprintf(&b, "object's previous state before it was made. The copies made %d new shared ALBs beside the old\n", s.newALBs())
	fmt.Fprintf(&b, "ones; the restarts gave every pod a readiness gate; each DNS weight step was soaked while\n")
	fmt.Fprintf(&b, "the new target groups kept their healthy targets. The old ALBs still exist (%d ALBs now), with\n", len(s.sb.Emulator.LoadBalancers()))
	fmt.Fprintf(&b, "no traffic: `--until` stopped for a review before anything is removed.\n\n")
	fmt.Fprintf(&b, "Meanwhile `%s loadtest run --url http://HOST/ … --rate %d/s --keepalive=false` sent\n", buildinfo.Command(), steadyRate)
	fmt.Fprintf(&b, "requests to the %d apps' hosts, each on a new connection resolved through DNS as clients do:\n\n", len(hosts))
	if err := writeLoad(&b, run); err != nil {
		return "", err
	}
	return b.String(), nil
}

// followPreStopAdvice does what the plan's prestop-sleep findings say, as
// a team would before migrating: each Deployment gets the preStop sleep and
// grace period of the patch in the finding's remedy, so that a rollout
// never stops a pod an ALB still sends requests to. It waits for the
// rollouts and says what it did.
func (s *Story) followPreStopAdvice(ctx context.Context) (string, error) {
	t0 := time.Now()
	var cmds []string
	for _, f := range s.plan.Findings {
		if f.Code != scan.CodePreStop {
			continue
		}
		_, rest, ok := strings.Cut(f.Remedy, "-p '")
		patch, _, ok2 := strings.Cut(rest, "'")
		if !ok || !ok2 || len(f.Objects) == 0 || f.Objects[0].Kind != "Deployment" {
			return "", fmt.Errorf("finding %s on %v has no patch for a Deployment in its remedy: %q", f.Code, f.Objects, f.Remedy)
		}
		d := f.Objects[0]
		if _, err := s.sb.Kube.AppsV1().Deployments(d.Namespace).Patch(ctx, d.Name, types.StrategicMergePatchType, []byte(patch),
			metav1.PatchOptions{FieldManager: "kubectl-patch"}); err != nil {
			return "", fmt.Errorf("patch %s: %w", d, err)
		}
		cmds = append(cmds, shellescape.QuoteCommand([]string{"kubectl", "patch", "deployment", d.Name, "-n", d.Namespace, "--type", "strategic", "-p", patch}))
	}
	if len(cmds) == 0 {
		return "", nil
	}
	if err := s.waitRollouts(ctx); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The plan warned %d times that rollouts drop requests without a preStop sleep. First, as a team\n", len(cmds))
	fmt.Fprintf(&b, "would, each warning's remedy (rolled out in %.1fs):\n\n", time.Since(t0).Seconds())
	fmt.Fprintf(&b, "$ %s\n", cmds[0])
	if len(cmds) > 1 {
		fmt.Fprintf(&b, "  … and the same for the other %d Deployments\n", len(cmds)-1)
	}
	b.WriteString("\n")
	return b.String(), nil
}

// waitRollouts waits until every Deployment has rolled out its latest
// generation (as kubectl rollout status does) and every target is healthy.
func (s *Story) waitRollouts(ctx context.Context) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := s.sb.Kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, d := range l.Items {
			st := d.Status
			if st.ObservedGeneration < d.Generation || d.Spec.Replicas == nil || st.UpdatedReplicas != *d.Spec.Replicas ||
				st.Replicas != *d.Spec.Replicas || st.ReadyReplicas != *d.Spec.Replicas {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("the Deployments did not roll out: %w", err)
	}
	return s.sb.WaitReady(ctx, 2*time.Minute)
}

// newALBs counts the shared groups the plan creates.
func (s *Story) newALBs() int {
	n := 0
	for _, r := range s.plan.Replacements {
		if r.Action == plan.Create && r.Kind == "LoadBalancer" {
			n++
		}
	}
	return n
}

func writeJournal(w io.Writer, e *apply.Executor, j *apply.Journal) {
	if j == nil {
		return
	}
	fmt.Fprintf(w, "\njournal: ConfigMap %s/%s, state %s", journalNamespace, apply.ConfigMapName(e.ID()), j.State)
	if j.Message != "" {
		fmt.Fprintf(w, " (%s)", j.Message)
	}
	fmt.Fprintf(w, ", %d writes recorded\n", len(j.Writes))
}

// cleanup resumes the migration: the old Ingresses go (their ALBs and
// target groups with them) and the Services turn ClusterIP. The estate's
// Services were made by another field manager, so the first resume stops
// at a field-ownership conflict, as it would on a real cluster; the second
// takes the fields over with --force-conflicts.
func (s *Story) cleanup(ctx context.Context) (string, error) {
	if s.plan == nil {
		return "", errors.New("no plan: the plan step has not run")
	}
	before := len(s.sb.Emulator.LoadBalancers())
	_, stop, err := s.steadyLoad(ctx)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "$ %s migrate resume --plan ./migration --yes\n\n", buildinfo.Command())
	log := newPhaseLog(s.plan)
	e := s.executor(log, "", false)
	j, err := e.Status(ctx)
	if err != nil {
		stop()
		return "", err
	}
	log.seed(j)
	s.follow(log, "")
	first := e.Apply(ctx, true)
	var conflict string
	if first != nil {
		conflict = first.Error()
		if !apierrors.IsConflict(first) {
			stop()
			return "", fmt.Errorf("migrate resume: %w", first)
		}
		if err := log.write(&b); err != nil {
			stop()
			return "", err
		}
		fmt.Fprintf(&b, "\nstopped: %s\n\n", conflict)
		fmt.Fprintf(&b, "The sandbox created the estate's Services with another field manager, so lbctl does not\n")
		fmt.Fprintf(&b, "take their fields without being told; the journal keeps its place.\n\n")
		fmt.Fprintf(&b, "$ %s migrate resume --plan ./migration --yes --force-conflicts\n\n", buildinfo.Command())
		log = newPhaseLog(s.plan)
		e = s.executor(log, "", true)
		if j, err = e.Status(ctx); err != nil {
			stop()
			return "", err
		}
		log.seed(j)
		s.follow(log, "")
		if err := e.Apply(ctx, true); err != nil {
			stop()
			return "", fmt.Errorf("migrate resume --force-conflicts: %w", err)
		}
	}
	run, err := stop()
	if err != nil {
		return "", err
	}
	if j, err = e.Status(ctx); err != nil {
		return "", err
	}
	if err := log.write(&b); err != nil {
		return "", err
	}
	writeJournal(&b, e, j)
	fmt.Fprintf(&b, "\nThe old Ingresses are gone and with them their ALBs and target groups: %d ALBs before,\n", before)
	fmt.Fprintf(&b, "%d now (the plan's %d shared ones). The Services that were NodePort only for instance targets\n", len(s.sb.Emulator.LoadBalancers()), s.newALBs())
	fmt.Fprintf(&b, "are ClusterIP. `%s migrate rollback` would restore every recorded state from the journal.\n\n", buildinfo.Command())
	fmt.Fprintf(&b, "Traffic to the %d apps meanwhile (one connection per request, through DNS):\n\n", len(run.Rules))
	if err := writeLoad(&b, run); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nNext: `%s sandbox up` runs this world with a real kube-apiserver for your own\n", buildinfo.Command())
	fmt.Fprintf(&b, "shell; `%s scan -A` on your cluster shows where you stand.\n", buildinfo.Command())
	return b.String(), nil
}
