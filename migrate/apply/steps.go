package apply

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/migrate/plan"
)

// RestartedAtAnnotation is the pod-template annotation kubectl rollout
// restart sets.
const RestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// transient are API errors worth retrying with back-off: conflicts that are
// not field-ownership conflicts, throttling, timeouts and server errors.
func transient(err error) bool {
	if apierrors.IsConflict(err) {
		return !ownershipConflict(err)
	}
	return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err)
}

// ownershipConflict reports a server-side apply conflict: fields another
// manager owns.
func ownershipConflict(err error) bool {
	st, ok := err.(apierrors.APIStatus)
	if !ok || st.Status().Details == nil {
		return false
	}
	for _, c := range st.Status().Details.Causes {
		if c.Type == metav1.CauseTypeFieldManagerConflict {
			return true
		}
	}
	return false
}

func conflictError(r Ref, err error) error {
	var fields []string
	if st, ok := err.(apierrors.APIStatus); ok && st.Status().Details != nil {
		for _, c := range st.Status().Details.Causes {
			if c.Type == metav1.CauseTypeFieldManagerConflict {
				fields = append(fields, c.Field+" ("+c.Message+")")
			}
		}
	}
	sort.Strings(fields)
	return exitcode.New(exitcode.CheckFailed,
		fmt.Sprintf("%s: fields owned by another manager would change: %s", r, strings.Join(fields, "; ")),
		"take them over with --force-conflicts once that manager (kubectl, Helm, Argo CD, …) no longer reverts them, then "+buildinfo.Command()+" migrate resume", err)
}

// get reads the current object; nil when it does not exist.
func (e *Executor) get(ctx context.Context, r Ref) (*unstructured.Unstructured, error) {
	var cur *unstructured.Unstructured
	err := retry.OnError(writeBackoff, transient, func() error {
		var gerr error
		cur, gerr = e.getObject(ctx, r)
		return gerr
	})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r, err)
	}
	return cur, nil
}

// snapshot is what the journal keeps of an object: everything but status
// and managed fields.
func snapshot(u *unstructured.Unstructured) *unstructured.Unstructured {
	if u == nil {
		return nil
	}
	c := u.DeepCopy()
	unstructured.RemoveNestedField(c.Object, "status")
	unstructured.RemoveNestedField(c.Object, "metadata", "managedFields")
	return c
}

// record journals a write before it is made.
func (e *Executor) record(ctx context.Context, step int, op string, r Ref, before, intended *unstructured.Unstructured) (*WriteRecord, error) {
	e.j.Writes = append(e.j.Writes, WriteRecord{Seq: len(e.j.Writes) + 1, Step: step, Phase: e.steps[step].name, Op: op, Ref: r,
		Before: snapshot(before), Intended: intended, Timestamp: e.o.Now().UTC()})
	if err := e.save(ctx); err != nil {
		return nil, err
	}
	return &e.j.Writes[len(e.j.Writes)-1], nil
}

// earlier finds a write of the same object by the same step recorded by an
// earlier run of this step (resume): its Before is the true previous state.
func (e *Executor) earlier(step int, r Ref) *WriteRecord {
	for i := range e.j.Writes {
		w := &e.j.Writes[i]
		if w.Step == step && w.Ref == r {
			return w
		}
	}
	return nil
}

func (e *Executor) dryRun() []string {
	if e.o.DryRun {
		return []string{metav1.DryRunAll}
	}
	return nil
}

func (e *Executor) ssa(ctx context.Context, u *unstructured.Unstructured) error {
	r := refOf(u)
	err := retry.OnError(writeBackoff, transient, func() error {
		_, aerr := e.applyObject(ctx, r, u, metav1.ApplyOptions{FieldManager: FieldManager, Force: e.o.ForceConflicts, DryRun: e.dryRun()})
		return aerr
	})
	if apierrors.IsConflict(err) && ownershipConflict(err) {
		return conflictError(r, err)
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", r, err)
	}
	return nil
}

// write journals and server-side applies one object.
func (e *Executor) write(ctx context.Context, step int, u *unstructured.Unstructured) error {
	r := refOf(u)
	w := e.earlier(step, r)
	if w == nil {
		before, err := e.get(ctx, r)
		if err != nil {
			return err
		}
		if w, err = e.record(ctx, step, plan.OpApply, r, before, u); err != nil {
			return err
		}
	}
	if err := e.ssa(ctx, u); err != nil {
		return err
	}
	w.Done = true
	msg := "applied " + r.String()
	if e.o.DryRun {
		msg = "dry run: the API server accepts applying " + r.String() + " (nothing persisted)"
	}
	e.emit(Event{Type: EventWrite, Phase: e.steps[step].name, Step: step, Op: plan.OpApply, Object: r.String(), Message: msg})
	return e.save(ctx)
}

func (e *Executor) applyStep(ctx context.Context, i int, s stepRef) error {
	objs, err := e.objects(s.step.Manifest)
	if err != nil {
		return err
	}
	if e.o.Observe {
		if err := e.observeApply(ctx, i, objs); err != nil {
			return err
		}
	} else {
		// Remember each object as it was before this step, for an
		// automatic step rollback when the new path turns out unhealthy.
		for _, u := range objs {
			if err := e.write(ctx, i, u); err != nil {
				return err
			}
		}
	}
	if e.o.DryRun {
		return nil
	}
	for _, u := range objs {
		if u.GetKind() == "Ingress" {
			if err := e.waitIngressAddress(ctx, refOf(u)); err != nil {
				return err
			}
		}
	}
	if s.step.Weight > 0 && s.name == plan.PhaseShift {
		return e.soak(ctx, i, s)
	}
	return nil
}

func (e *Executor) deleteStep(ctx context.Context, i int, s stepRef) error {
	objs, err := e.objects(s.step.Manifest)
	if err != nil {
		return err
	}
	if e.o.Observe {
		return e.observeDelete(ctx, i, objs)
	}
	for _, u := range objs {
		r := refOf(u)
		cur, err := e.get(ctx, r)
		if err != nil {
			return err
		}
		w := e.earlier(i, r)
		if cur == nil {
			if w != nil {
				w.Done = true
			}
			continue
		}
		if w == nil {
			if w, err = e.record(ctx, i, plan.OpDelete, r, cur, nil); err != nil {
				return err
			}
		}
		uid := cur.GetUID()
		bg := metav1.DeletePropagationBackground
		err = retry.OnError(writeBackoff, transient, func() error {
			return e.removeObject(ctx, r, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: &bg, DryRun: e.dryRun()})
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s: %w", r, err)
		}
		w.Done = true
		e.emit(Event{Type: EventWrite, Phase: s.name, Step: i, Op: plan.OpDelete, Object: r.String(), Message: "deleted " + r.String()})
		if err := e.save(ctx); err != nil {
			return err
		}
		if !e.o.DryRun {
			if err := e.waitGoneObject(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Executor) restartStep(ctx context.Context, i int, s stepRef) error {
	if e.o.Observe {
		since := e.o.Now()
		if st := e.j.Steps[i].Start; st != nil {
			since = *st
		}
		return e.observeRestart(ctx, i, s, since)
	}
	key := fmt.Sprint(i)
	at, ok := e.j.Restarts[key]
	if !ok {
		at = e.o.Now().UTC().Format(time.RFC3339)
		if e.j.Restarts == nil {
			e.j.Restarts = map[string]string{}
		}
		e.j.Restarts[key] = at
		if err := e.save(ctx); err != nil {
			return err
		}
	}
	for _, ref := range s.step.Objects {
		apiVersion := "apps/v1"
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": apiVersion, "kind": ref.Kind,
			"metadata": map[string]any{"name": ref.Name, "namespace": ref.Namespace},
			"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
				"annotations": map[string]any{RestartedAtAnnotation: at}}}},
		}}
		r := refOf(u)
		w := e.earlier(i, r)
		if w == nil {
			before, err := e.get(ctx, r)
			if err != nil {
				return err
			}
			if before == nil {
				return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("%s to restart does not exist any more", r), "make the plan again", nil)
			}
			if w, err = e.record(ctx, i, plan.OpRestart, r, before, u); err != nil {
				return err
			}
		}
		if err := e.ssa(ctx, u); err != nil {
			return err
		}
		w.Done = true
		e.emit(Event{Type: EventWrite, Phase: s.name, Step: i, Op: plan.OpRestart, Object: r.String(), Message: "restarted " + r.String()})
	}
	if err := e.save(ctx); err != nil {
		return err
	}
	if e.o.DryRun {
		return nil
	}
	for _, ref := range s.step.Objects {
		if err := e.waitRollout(ctx, Ref{APIVersion: "apps/v1", Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}); err != nil {
			return err
		}
	}
	return nil
}

// writeBackoff paces the retries of a write the API server turned away for
// a passing reason (a 409 from a concurrent update, throttling, a timeout).
var writeBackoff = wait.Backoff{Steps: 8, Duration: 20 * time.Millisecond, Factor: 2, Jitter: 0.2, Cap: 2 * time.Second}
