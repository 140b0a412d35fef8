package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/retry"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/plan"
)

// restore puts one written object back as the journal recorded it before
// the write (a restarted Deployment gets its pod template back, which rolls
// it once more): deleted when it did not exist, re-created when it was deleted,
// otherwise its labels, annotations and spec replaced by the recorded ones
// (immutable fields the API server allocated, such as a Service's cluster
// IPs, are kept).
func (e *Executor) restore(ctx context.Context, w *WriteRecord) error {
	if w.Before == nil {
		err := retry.OnError(writeBackoff, transient, func() error {
			return e.removeObject(ctx, w.Ref, metav1.DeleteOptions{DryRun: e.dryRun()})
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s: %w", w.Ref, err)
		}
		return nil
	}
	return retry.OnError(writeBackoff, func(err error) bool { return apierrors.IsConflict(err) || transient(err) }, func() error {
		cur, err := e.getObject(ctx, w.Ref)
		if apierrors.IsNotFound(err) {
			u := w.Before.DeepCopy()
			for _, f := range [][]string{{"metadata", "resourceVersion"}, {"metadata", "uid"}, {"metadata", "creationTimestamp"},
				{"metadata", "generation"}, {"metadata", "deletionTimestamp"}, {"metadata", "deletionGracePeriodSeconds"},
				{"spec", "clusterIP"}, {"spec", "clusterIPs"}} {
				unstructured.RemoveNestedField(u.Object, f...)
			}
			_, err := e.createObject(ctx, w.Ref, u, metav1.CreateOptions{FieldManager: FieldManager, DryRun: e.dryRun()})
			return err
		}
		if err != nil {
			return err
		}
		u := cur.DeepCopy()
		u.SetLabels(w.Before.GetLabels())
		u.SetAnnotations(w.Before.GetAnnotations())
		if spec, ok := w.Before.Object["spec"]; ok {
			keep := map[string]any{}
			if w.Ref.Kind == "Service" {
				for _, f := range []string{"clusterIP", "clusterIPs"} {
					if v, ok, _ := unstructured.NestedFieldCopy(cur.Object, "spec", f); ok {
						keep[f] = v
					}
				}
			}
			u.Object["spec"] = runtimeDeepCopy(spec)
			for f, v := range keep {
				_ = unstructured.SetNestedField(u.Object, v, "spec", f)
			}
		}
		_, err = e.updateObject(ctx, w.Ref, u, metav1.UpdateOptions{FieldManager: FieldManager, DryRun: e.dryRun()})
		return err
	})
}

func runtimeDeepCopy(v any) any {
	return (&unstructured.Unstructured{Object: map[string]any{"v": v}}).DeepCopy().Object["v"]
}

// undoStep restores the objects one step wrote, newest first.
func (e *Executor) undoStep(ctx context.Context, step int) error {
	for k := len(e.j.Writes) - 1; k >= 0; k-- {
		w := &e.j.Writes[k]
		if w.Step != step || w.Restored {
			continue
		}
		if err := e.restore(ctx, w); err != nil {
			return err
		}
		w.Restored = true
		e.emit(Event{Type: EventRollback, Phase: w.Phase, Step: w.Step, Object: w.Ref.String(), Message: "restored " + w.Ref.String()})
	}
	// The step is to be done again.
	e.j.Writes = dropStep(e.j.Writes, step)
	delete(e.j.Restarts, fmt.Sprint(step))
	e.j.Steps[step].State = StepPending
	return e.save(ctx)
}

func dropStep(ws []WriteRecord, step int) []WriteRecord {
	out := ws[:0]
	for _, w := range ws {
		if w.Step != step {
			out = append(out, w)
		}
	}
	for i := range out {
		out[i].Seq = i + 1
	}
	return out
}

// Rollback restores every object the migration wrote after phase to (all
// of them when to is ""), newest first, then waits until the old Ingresses
// serve again and nothing the migration created is left in AWS.
func (e *Executor) Rollback(ctx context.Context, to string) (err error) {
	j, err := e.store.Load(ctx, e.id)
	if err != nil {
		return err
	}
	if j == nil {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("no migration journal %s/%s for this plan: nothing to roll back", e.o.JournalNamespace, ConfigMapName(e.id)), "", nil)
	}
	e.j = j
	keep := -1
	if to != "" {
		if keep, err = e.phaseIndex(to); err != nil {
			return err
		}
	}
	l := &lease{kube: e.o.Kube, namespace: e.o.JournalNamespace, name: ConfigMapName(e.id), holder: holderIdentity(), dryRun: e.o.DryRun}
	if err := l.acquire(ctx, e.o.Now); err != nil {
		return err
	}
	defer l.release(ctx)
	j.State, j.Message = StateRollingBack, ""
	if err := e.save(ctx); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			j.Message = err.Error()
			_ = e.save(context.WithoutCancel(ctx))
			e.emit(Event{Type: EventStopped, Message: err.Error()})
		}
	}()
	phaseOf := map[string]int{}
	for i, ph := range e.o.Plan.Phases {
		phaseOf[ph.Name] = i
	}
	var touched []Ref
	// Restarts are undone last, once the namespaces lost the readiness-gate
	// label and the copies (and their target groups) are gone, so the pods
	// they roll carry no gate nothing would ever set.
	order := make([]int, 0, len(j.Writes))
	for _, restarts := range []bool{false, true} {
		for k := len(j.Writes) - 1; k >= 0; k-- {
			if (j.Writes[k].Op == plan.OpRestart) == restarts {
				order = append(order, k)
			}
		}
	}
	bindingsChecked := false
	for _, k := range order {
		w := &j.Writes[k]
		if phaseOf[w.Phase] <= keep || w.Restored {
			continue
		}
		if w.Op == plan.OpRestart && !bindingsChecked && keep < phaseOf[plan.PhaseCreate] {
			// A pod created while a copy's TargetGroupBinding still selects
			// it gets that binding's readiness gate, which nothing sets once
			// the binding is gone: roll only when the bindings are.
			if !e.o.DryRun {
				if err := e.waitBindingsGone(ctx); err != nil {
					return err
				}
			}
			bindingsChecked = true
		}
		if err := e.restore(ctx, w); err != nil {
			return fmt.Errorf("restore %s: %w", w.Ref, err)
		}
		w.Restored = true
		touched = append(touched, w.Ref)
		e.emit(Event{Type: EventRollback, Phase: w.Phase, Step: w.Step, Object: w.Ref.String(), Message: "restored " + w.Ref.String()})
		if err := e.save(ctx); err != nil {
			return err
		}
	}
	for i := range j.Steps {
		if phaseOf[j.Steps[i].Phase] > keep {
			j.Steps[i].State, j.Steps[i].Start, j.Steps[i].End = StepPending, nil, nil
			delete(j.Restarts, fmt.Sprint(i))
		}
	}
	var left []WriteRecord
	for _, w := range j.Writes {
		if phaseOf[w.Phase] <= keep {
			left = append(left, w)
		}
	}
	if !e.o.DryRun {
		if err := e.settle(ctx, touched, keep < 0); err != nil {
			return err
		}
	}
	if keep < 0 {
		j.State, j.Message = StateRolledBack, "every write restored"
	} else {
		j.State, j.Message = StateStopped, "rolled back to after phase "+to
	}
	j.Writes = append([]WriteRecord{}, left...)
	e.emit(Event{Type: EventDone, Message: fmt.Sprintf("rolled back %d writes", len(touched))})
	return e.save(ctx)
}

// settle waits after a rollback: the Ingresses that exist again have an
// active ALB, and when everything was rolled back, nothing the plan created
// is left in AWS.
func (e *Executor) settle(ctx context.Context, touched []Ref, all bool) error {
	seen := map[Ref]bool{}
	sort.Slice(touched, func(i, j int) bool { return touched[i].String() < touched[j].String() })
	for _, r := range touched {
		if seen[r] {
			continue
		}
		seen[r] = true
		if r.Kind == "Deployment" {
			if err := e.waitRollout(ctx, r); err != nil {
				return err
			}
			continue
		}
		if r.Kind != "Ingress" {
			continue
		}
		cur, err := e.get(ctx, r)
		if err != nil {
			return err
		}
		if cur == nil {
			if err := e.waitGoneObject(ctx, r); err != nil {
				return err
			}
			continue
		}
		if err := e.waitIngressAddress(ctx, r); err != nil {
			return err
		}
	}
	if !all {
		return nil
	}
	var created []topology.ObjectRef
	for _, rp := range e.o.Plan.Replacements {
		if rp.Action == plan.Create && (rp.Kind == "LoadBalancer" || rp.Kind == "TargetGroup") {
			created = append(created, topology.ObjectRef{Kind: rp.Kind, Name: rp.Name})
		}
	}
	if err := e.verifyGone(ctx, created); err != nil {
		return errors.Join(errors.New("the migration's load balancers and target groups are not all gone"), err)
	}
	return nil
}

// waitBindingsGone waits until the TargetGroupBindings the plan created are
// deleted, then one more poll so that caches (the readiness-gate webhook's)
// see it too.
func (e *Executor) waitBindingsGone(ctx context.Context) error {
	var bindings []topology.ObjectRef
	for _, r := range e.o.Plan.Replacements {
		if r.Action == plan.Create && r.Kind == "TargetGroupBinding" {
			bindings = append(bindings, topology.ObjectRef{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name})
		}
	}
	if len(bindings) == 0 {
		return nil
	}
	err := e.until(ctx, "the copies' TargetGroupBindings are deleted", func(ctx context.Context) (bool, string, error) {
		for _, b := range bindings {
			_, err := e.o.Dynamic.Resource(v1beta1.TargetGroupBindingsResource).Namespace(b.Namespace).Get(ctx, b.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return false, "", fmt.Errorf("read %s: %w", b, err)
			}
			return false, b.String() + " still exists", nil
		}
		return true, "", nil
	})
	if err != nil {
		return err
	}
	return e.o.Sleep(ctx, e.o.Poll)
}
