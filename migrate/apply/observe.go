package apply

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/migrate/plan"
)

// In observe mode (Options.Observe) another process makes the plan's
// changes — a GitOps controller syncing the pull request of each step —
// and the executor writes nothing but its journal: each write step waits
// until the cluster holds what the step's manifest says, each delete until
// the object is gone, each restart until the Deployment was restarted after
// the step began; then the same waits and gates run as when lbctl writes.

// observeApply waits until every object of the step's manifest is in the
// cluster as the manifest says.
func (e *Executor) observeApply(ctx context.Context, i int, objs []*unstructured.Unstructured) error {
	for _, u := range objs {
		r := refOf(u)
		err := e.until(ctx, r.String()+" as step "+fmt.Sprint(i)+"'s manifest says (applied by another process)", func(ctx context.Context) (bool, string, error) {
			cur, err := e.get(ctx, r)
			if err != nil {
				return false, "", err
			}
			if cur == nil {
				return false, "not there yet", nil
			}
			if diff := differs(u.Object, cur.Object, ""); diff != "" {
				return false, diff, nil
			}
			return true, "", nil
		})
		if err != nil {
			return err
		}
		e.emit(Event{Type: EventObserved, Phase: e.steps[i].name, Step: i, Op: plan.OpApply, Object: r.String(), Message: "observed " + r.String() + " as the plan says"})
	}
	return nil
}

// observeDelete waits until every object of the step's manifest is gone.
func (e *Executor) observeDelete(ctx context.Context, i int, objs []*unstructured.Unstructured) error {
	for _, u := range objs {
		r := refOf(u)
		if err := e.waitGoneObject(ctx, r); err != nil {
			return err
		}
		e.emit(Event{Type: EventObserved, Phase: e.steps[i].name, Step: i, Op: plan.OpDelete, Object: r.String(), Message: "observed " + r.String() + " deleted"})
	}
	return nil
}

// observeRestart waits until each Deployment's pod template says it was
// restarted (kubectl rollout restart's annotation) at or after since, less
// a minute for clocks apart, then for its rollout.
func (e *Executor) observeRestart(ctx context.Context, i int, s stepRef, since time.Time) error {
	for _, ref := range s.step.Objects {
		r := Ref{APIVersion: "apps/v1", Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name}
		err := e.until(ctx, r.String()+" restarted (kubectl rollout restart, by another process)", func(ctx context.Context) (bool, string, error) {
			cur, err := e.get(ctx, r)
			if err != nil {
				return false, "", err
			}
			if cur == nil {
				return false, "", exitcode.New(exitcode.CheckFailed, fmt.Sprintf("%s to restart does not exist any more", r), "make the plan again", nil)
			}
			at, _, _ := unstructured.NestedString(cur.Object, "spec", "template", "metadata", "annotations", RestartedAtAnnotation)
			t, err := time.Parse(time.RFC3339, at)
			switch {
			case at == "":
				return false, "not restarted yet", nil
			case err != nil:
				return false, fmt.Sprintf("restartedAt %q is no time", at), nil
			case t.Before(since.Add(-time.Minute)):
				return false, "last restarted at " + at + ", before this step", nil
			}
			return true, "", nil
		})
		if err != nil {
			return err
		}
		if err := e.waitRollout(ctx, r); err != nil {
			return err
		}
		e.emit(Event{Type: EventObserved, Phase: s.name, Step: i, Op: plan.OpRestart, Object: r.String(), Message: "observed " + r.String() + " restarted and rolled out"})
	}
	return nil
}

// observedBreach is what a breached soak says in observe mode: lbctl wrote
// nothing, so the step is undone by reverting its change where it was made.
func (e *Executor) observedBreach(i int, weight int, bad string) error {
	return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("the new path is unhealthy at %d%% (%s); step %d was made by another process, so lbctl did not undo it", weight, bad, i),
		fmt.Sprintf("revert the change of step %d (its pull request) now, fix the new targets (%s health), then %s migrate resume --observe", i, buildinfo.Command(), buildinfo.Command()), nil)
}

// ignoredPaths are the fields the API server or controllers own that a
// manifest may carry but the live object need not equal.
var ignoredPaths = map[string]bool{
	".metadata.resourceVersion": true, ".metadata.uid": true, ".metadata.generation": true,
	".metadata.creationTimestamp": true, ".metadata.managedFields": true, ".status": true,
}

// differs says where live does not hold what want says ("" when every
// field of want is in live with the same value): maps are compared by the
// keys want has, anything else exactly.
func differs(want, live any, path string) string {
	if ignoredPaths[path] {
		return ""
	}
	if wl, ok := want.([]any); ok {
		// Lists compare element by element, each as a map compares: the
		// API server defaults fields inside them (a port's protocol).
		ll, _ := live.([]any)
		if len(wl) != len(ll) {
			return fmt.Sprintf("%s has %d entries, the plan says %d", strings.TrimPrefix(path, "."), len(ll), len(wl))
		}
		for i := range wl {
			if d := differs(wl[i], ll[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	wm, ok := want.(map[string]any)
	if !ok {
		if reflect.DeepEqual(normalize(want), normalize(live)) {
			return ""
		}
		return fmt.Sprintf("%s is %s, the plan says %s", strings.TrimPrefix(path, "."), short(live), short(want))
	}
	lm, _ := live.(map[string]any)
	keys := make([]string, 0, len(wm))
	for k := range wm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lv, present := lm[k]
		if !present {
			if wm[k] == nil || ignoredPaths[path+"."+k] {
				continue
			}
			return fmt.Sprintf("%s is not set yet", strings.TrimPrefix(path+"."+k, "."))
		}
		if d := differs(wm[k], lv, path+"."+k); d != "" {
			return d
		}
	}
	return ""
}

// normalize makes numbers decoded from YAML (int64) and from the API
// server's JSON (int64 or float64) compare equal.
func normalize(v any) any {
	switch n := v.(type) {
	case int:
		return float64(n)
	case int32:
		return float64(n)
	case int64:
		return float64(n)
	case []any:
		out := make([]any, len(n))
		for i, x := range n {
			out[i] = normalize(x)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, x := range n {
			out[k] = normalize(x)
		}
		return out
	}
	return v
}

func short(v any) string {
	s := fmt.Sprint(v)
	if v == nil {
		s = "unset"
	}
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}
