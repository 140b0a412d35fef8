package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/migrate/plan"
)

// writeView is what a test compares of a WriteRecord.
type writeView struct {
	Seq      int
	Step     int
	Phase    string
	Op       string
	Ref      Ref
	Before   bool // recorded a previous state
	Intended bool
	Done     bool
	Restored bool
}

func viewWrites(ws []WriteRecord) []writeView {
	var out []writeView
	for _, w := range ws {
		out = append(out, writeView{w.Seq, w.Step, w.Phase, w.Op, w.Ref, w.Before != nil, w.Intended != nil, w.Done, w.Restored})
	}
	return out
}

// fullWrites are the journal's writes once the fixture plan ran to the end.
var fullWrites = []writeView{
	{1, 1, plan.PhaseCreate, plan.OpApply, refService, true, true, true, false},
	{2, 1, plan.PhaseCreate, plan.OpApply, refCopy, false, true, true, false},
	{3, 2, plan.PhaseRestart, plan.OpRestart, refDeploy, true, true, true, false},
	{4, 3, plan.PhaseCleanup, plan.OpDelete, refOld, true, false, true, false},
}

func restartedAt(t *testing.T, u *unstructured.Unstructured) string {
	t.Helper()
	v, _, err := unstructured.NestedString(u.Object, "spec", "template", "metadata", "annotations", RestartedAtAnnotation)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestApplyRunsThePlanAndJournalsEveryWrite(t *testing.T) {
	h := fixtureHarness(t)
	p := fixturePlan()
	e := New(h.options(p, fixtureFiles()))
	if err := e.Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"patch services shop/web",
		"patch ingresses shop/web-ip",
		"patch deployments shop/web",
		"delete ingresses shop/web",
	}
	if diff := cmp.Diff(want, h.writes()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}

	j := h.journal(e.ID())
	if j.State != StateDone || j.ID != e.ID() || j.Cluster != "prod" || j.Kind != "MigrationJournal" {
		t.Errorf("journal state %q id %q cluster %q kind %q", j.State, j.ID, j.Cluster, j.Kind)
	}
	if got := stepStates(j); got != "done,done,done,done" {
		t.Errorf("steps %s", got)
	}
	for _, s := range j.Steps {
		if s.Start == nil || s.End == nil {
			t.Errorf("step %d has no start or end", s.Index)
		}
	}
	if diff := cmp.Diff(fullWrites, viewWrites(j.Writes)); diff != "" {
		t.Errorf("journal writes (-want +got):\n%s", diff)
	}
	// The previous states are the objects as they were, less status.
	if got := j.Writes[0].Before.GetAnnotations(); !cmp.Equal(got, map[string]string{"team": "shop"}) {
		t.Errorf("Service before: annotations %v", got)
	}
	if _, ok := j.Writes[3].Before.Object["status"]; ok {
		t.Error("the old Ingress's recorded state keeps its status")
	}
	if got := restartedAt(t, j.Writes[2].Before); got != "" {
		t.Errorf("Deployment before has restartedAt %q", got)
	}
	if got := j.Writes[1].Intended.GetAnnotations()[plan.AnnotationMigratedFrom]; got != "shop/web" {
		t.Errorf("copy intended: migrated-from %q", got)
	}

	// The cluster as the plan wants it.
	svc := h.object(refService)
	if diff := cmp.Diff(map[string]string{"team": "shop", "alb.ingress.kubernetes.io/target-type": "ip"}, svc.GetAnnotations()); diff != "" {
		t.Errorf("Service annotations (-want +got):\n%s", diff)
	}
	if h.object(refCopy) == nil {
		t.Error("the copy was not created")
	}
	if h.object(refOld) != nil {
		t.Error("the old Ingress was not deleted")
	}
	at := restartedAt(t, h.object(refDeploy))
	if at == "" || at != j.Restarts["2"] {
		t.Errorf("Deployment restartedAt %q, journal %q", at, j.Restarts["2"])
	}

	if _, err := h.kube.CoordinationV1().Leases(DefaultJournalNamespace).Get(context.Background(), ConfigMapName(e.ID()), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("lease left after the run: %v", err)
	}
	if n := len(h.Events(EventStepDone)); n != 4 {
		t.Errorf("%d step-done events, want 4", n)
	}
	if n := len(h.Events(EventDone)); n != 1 {
		t.Errorf("%d done events, want 1", n)
	}

	// Once done, another apply writes nothing.
	h.dyn.ClearActions()
	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if w := h.writes(); len(w) != 0 {
		t.Errorf("apply of a done plan wrote %v", w)
	}
}

// TestApplyRecordsEachWriteBeforeMakingIt checks, at the moment of each
// write, that the journal in the cluster already names it, not yet done.
func TestApplyRecordsEachWriteBeforeMakingIt(t *testing.T) {
	h := fixtureHarness(t)
	p := fixturePlan()
	id := PlanID(p)
	var seen []string
	check := func(verb string) clienttesting.ReactionFunc {
		return func(a clienttesting.Action) (bool, runtime.Object, error) {
			var name string
			switch a := a.(type) {
			case clienttesting.PatchAction:
				name = a.GetName()
			case clienttesting.DeleteAction:
				name = a.GetName()
			}
			j := h.journal(id)
			last := j.Writes[len(j.Writes)-1]
			if last.Ref.Name != name || last.Ref.Namespace != a.GetNamespace() || last.Done {
				t.Errorf("%s %s/%s: the journal's last write is %s (done %v)", verb, a.GetNamespace(), name, last.Ref, last.Done)
			}
			if j.Steps[last.Step].State != StepRunning || j.State != StateRunning {
				t.Errorf("%s %s: journal %s, step %d %s", verb, name, j.State, last.Step, j.Steps[last.Step].State)
			}
			seen = append(seen, fmt.Sprintf("%s %s %s", verb, last.Op, last.Ref))
			return false, nil, nil
		}
	}
	h.dyn.PrependReactor("patch", "*", check("patch"))
	h.dyn.PrependReactor("delete", "*", check("delete"))

	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"patch apply Service shop/web",
		"patch apply Ingress shop/web-ip",
		"patch restart Deployment shop/web",
		"delete delete Ingress shop/web",
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("writes checked (-want +got):\n%s", diff)
	}
}

func TestApplyFailedWriteStaysRecordedNotDone(t *testing.T) {
	h := fixtureHarness(t)
	p := fixturePlan()
	failOnce(&h.dyn.Fake, "patch", "ingresses", "web-ip", forbidden("web-ip"))
	e := New(h.options(p, fixtureFiles()))
	err := e.Apply(context.Background(), false)
	if err == nil || !strings.Contains(err.Error(), "apply Ingress shop/web-ip") {
		t.Fatalf("err = %v, want the copy's apply error", err)
	}
	j := h.journal(e.ID())
	if j.State != StateStopped || !strings.Contains(j.Message, "injected") {
		t.Errorf("journal %s %q, want stopped with the error", j.State, j.Message)
	}
	if got := stepStates(j); got != "done,running,pending,pending" {
		t.Errorf("steps %s", got)
	}
	want := []writeView{
		{1, 1, plan.PhaseCreate, plan.OpApply, refService, true, true, true, false},
		{2, 1, plan.PhaseCreate, plan.OpApply, refCopy, false, true, false, false},
	}
	if diff := cmp.Diff(want, viewWrites(j.Writes)); diff != "" {
		t.Errorf("journal writes (-want +got):\n%s", diff)
	}
	if h.object(refCopy) != nil {
		t.Error("the copy exists though its apply failed")
	}
	if n := len(h.Events(EventStopped)); n != 1 {
		t.Errorf("%d stopped events, want 1", n)
	}

	// Resume runs step 1 again: the Service is applied once more (the same
	// intent), but its record keeps the state from before the first run,
	// not the half-migrated one, and the copy's record is completed.
	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{
		"patch services shop/web",
		"patch ingresses shop/web-ip", // refused
		"patch services shop/web",
		"patch ingresses shop/web-ip",
		"patch deployments shop/web",
		"delete ingresses shop/web",
	}
	if diff := cmp.Diff(wantCalls, h.writes()); diff != "" {
		t.Errorf("writes over both runs (-want +got):\n%s", diff)
	}
	j = h.journal(e.ID())
	if diff := cmp.Diff(fullWrites, viewWrites(j.Writes)); diff != "" {
		t.Errorf("journal writes after resume (-want +got):\n%s", diff)
	}
	if got := j.Writes[0].Before.GetAnnotations(); !cmp.Equal(got, map[string]string{"team": "shop"}) {
		t.Errorf("Service's recorded previous state has annotations %v, want the ones before the migration", got)
	}
}

// TestApplyStatusTransitions follows the journal through every save.
func TestApplyStatusTransitions(t *testing.T) {
	h := fixtureHarness(t)
	p := fixturePlan()
	o := h.options(p, fixtureFiles())
	o.Until = plan.PhaseCreate
	if err := New(o).Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range h.Journals() {
		s := j.State + " " + stepStates(&j)
		if len(got) == 0 || got[len(got)-1] != s {
			got = append(got, s)
		}
	}
	want := []string{
		"running pending,pending,pending,pending",
		"running running,pending,pending,pending",
		"running done,pending,pending,pending",
		"running done,running,pending,pending",
		"running done,done,pending,pending",
		"stopped done,done,pending,pending", // --until create
		"running done,done,pending,pending", // resume
		"running done,done,running,pending",
		"running done,done,done,pending",
		"running done,done,done,running",
		"running done,done,done,done",
		"done done,done,done,done",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("journal states (-want +got):\n%s", diff)
	}
	for _, j := range h.Journals() {
		if j.State == StateStopped && j.Message != "stopped after phase create for review" {
			t.Errorf("stopped journal message %q", j.Message)
		}
	}
}

// TestApplyResumesAfterInterruption stops the migration in the rollout
// wait of step 2, after its write, and resumes it in a new executor: step 2
// runs again without a new roll or a new record, steps 0 and 1 do not.
func TestApplyResumesAfterInterruption(t *testing.T) {
	h := fixtureHarness(t)
	p := fixturePlan()
	deployments := appsv1.SchemeGroupVersion.WithResource("deployments")
	d, err := h.kube.Tracker().Get(deployments, "shop", "web")
	if err != nil {
		t.Fatal(err)
	}
	stuck := d.(*appsv1.Deployment).DeepCopy()
	stuck.Status.UpdatedReplicas = 1
	if err := h.kube.Tracker().Update(deployments, stuck, "shop"); err != nil {
		t.Fatal(err)
	}

	first := New(h.options(p, fixtureFiles()))
	err = first.Apply(context.Background(), false)
	var xe *exitcode.Error
	if !errors.As(err, &xe) || xe.Code != exitcode.CheckFailed || !strings.Contains(err.Error(), "timed out after 1m0s waiting for rollout of Deployment shop/web") {
		t.Fatalf("err = %v, want the rollout timeout", err)
	}
	stopped := h.journal(first.ID())
	if stopped.State != StateStopped || stepStates(stopped) != "done,done,running,pending" {
		t.Fatalf("journal after the stop: %s %s", stopped.State, stepStates(stopped))
	}
	wantStopped := fullWrites[:3]
	if diff := cmp.Diff(wantStopped, viewWrites(stopped.Writes)); diff != "" {
		t.Errorf("journal writes after the stop (-want +got):\n%s", diff)
	}
	at := stopped.Restarts["2"]
	if at == "" || restartedAt(t, h.object(refDeploy)) != at {
		t.Fatalf("restart %q not recorded or not applied", at)
	}

	// The rollout finishes meanwhile; resume runs later.
	done := stuck.DeepCopy()
	done.Status.UpdatedReplicas = 2
	if err := h.kube.Tracker().Update(deployments, done, "shop"); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	if err := New(h.options(p, fixtureFiles())).Apply(context.Background(), true); err != nil {
		t.Fatal(err)
	}

	want := []string{
		"patch services shop/web",
		"patch ingresses shop/web-ip",
		"patch deployments shop/web",
		"patch deployments shop/web", // the same restartedAt again: no second roll
		"delete ingresses shop/web",
	}
	if diff := cmp.Diff(want, h.writes()); diff != "" {
		t.Errorf("writes over both runs (-want +got):\n%s", diff)
	}
	var ats []string
	for _, a := range h.dyn.Actions() {
		if pa, ok := a.(clienttesting.PatchAction); ok && a.GetResource().Resource == "deployments" {
			u := &unstructured.Unstructured{}
			if err := u.UnmarshalJSON(pa.GetPatch()); err != nil {
				t.Fatal(err)
			}
			ats = append(ats, restartedAt(t, u))
		}
	}
	if diff := cmp.Diff([]string{at, at}, ats); diff != "" {
		t.Errorf("restartedAt of the restart patches (-want +got):\n%s", diff)
	}

	j := h.journal(first.ID())
	if j.State != StateDone || stepStates(j) != "done,done,done,done" {
		t.Errorf("journal after resume: %s %s", j.State, stepStates(j))
	}
	if diff := cmp.Diff(fullWrites, viewWrites(j.Writes)); diff != "" {
		t.Errorf("journal writes after resume (-want +got):\n%s", diff)
	}
	// The restart's record is the first run's: the state before the roll,
	// at the first run's time.
	if got := restartedAt(t, j.Writes[2].Before); got != "" {
		t.Errorf("restart record's previous state has restartedAt %q", got)
	}
	if !j.Writes[2].Timestamp.Equal(stopped.Writes[2].Timestamp) {
		t.Errorf("restart re-recorded at %s (first at %s)", j.Writes[2].Timestamp, stopped.Writes[2].Timestamp)
	}
	for i := 0; i < 2; i++ {
		if !j.Steps[i].End.Equal(*stopped.Steps[i].End) {
			t.Errorf("step %d ran again: end %s, was %s", i, j.Steps[i].End, stopped.Steps[i].End)
		}
	}
	if !j.Steps[3].Start.After(*stopped.Steps[2].Start) {
		t.Errorf("step 3 started %s, before the resume", j.Steps[3].Start)
	}
}

func TestApplyRefusals(t *testing.T) {
	t.Run("resume without a journal", func(t *testing.T) {
		h := fixtureHarness(t)
		err := New(h.options(fixturePlan(), fixtureFiles())).Apply(context.Background(), true)
		var xe *exitcode.Error
		if !errors.As(err, &xe) || xe.Code != exitcode.Usage || !strings.Contains(err.Error(), "no migration journal kube-system/lbctl-migration-") {
			t.Errorf("err = %v", err)
		}
		if w := h.writes(); len(w) != 0 {
			t.Errorf("wrote %v", w)
		}
	})
	t.Run("a journal being rolled back", func(t *testing.T) {
		h := fixtureHarness(t)
		p := fixturePlan()
		e := New(h.options(p, fixtureFiles()))
		st := &Store{Kube: h.kube, Namespace: DefaultJournalNamespace}
		j := e.newJournal()
		j.State = StateRollingBack
		if err := st.Save(context.Background(), j); err != nil {
			t.Fatal(err)
		}
		err := e.Apply(context.Background(), false)
		if err == nil || !strings.Contains(err.Error(), "being rolled back") {
			t.Errorf("err = %v", err)
		}
		if w := h.writes(); len(w) != 0 {
			t.Errorf("wrote %v", w)
		}
	})
	t.Run("the lease is held by another migrate", func(t *testing.T) {
		h := fixtureHarness(t)
		p := fixturePlan()
		holder, secs, renewed := "elsewhere/42", int32(30), metav1.NewMicroTime(t0.Add(-5*time.Second))
		if _, err := h.kube.CoordinationV1().Leases(DefaultJournalNamespace).Create(context.Background(), &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName(PlanID(p)), Namespace: DefaultJournalNamespace},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &renewed},
		}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		err := New(h.options(p, fixtureFiles())).Apply(context.Background(), false)
		if err == nil || !strings.Contains(err.Error(), "is held by elsewhere/42") {
			t.Errorf("err = %v", err)
		}
		if w := h.writes(); len(w) != 0 {
			t.Errorf("wrote %v", w)
		}
		if _, err := h.kube.CoreV1().ConfigMaps(DefaultJournalNamespace).Get(context.Background(), ConfigMapName(PlanID(p)), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("a journal was written: %v", err)
		}
	})
	t.Run("an input changed since the plan", func(t *testing.T) {
		h := fixtureHarness(t)
		p := fixturePlan()
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"}}
		if err := h.kube.Tracker().Add(svc); err != nil {
			t.Fatal(err)
		}
		p.Inputs = []plan.Input{{ObjectRef: fixturePlan().Phases[1].Steps[0].Objects[0], Digest: "digest-at-plan-time"}}
		err := New(h.options(p, fixtureFiles())).Apply(context.Background(), false)
		if err == nil || !strings.Contains(err.Error(), "the plan is outdated: Service shop/web changed") {
			t.Errorf("err = %v", err)
		}
		if w := h.writes(); len(w) != 0 {
			t.Errorf("wrote %v", w)
		}
	})
}
