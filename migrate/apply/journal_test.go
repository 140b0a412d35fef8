package apply

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/migrate/plan"
)

func sampleJournal(id string) *Journal {
	start, end := t0, t0.Add(time.Minute)
	return &Journal{
		APIVersion: plan.APIVersion, Kind: "MigrationJournal", ID: id, Cluster: "prod",
		State: StateStopped, Started: t0, Updated: end, Message: "stopped after phase create for review",
		Steps: []StepRecord{
			{Phase: plan.PhaseCreate, Index: 0, Op: plan.OpApply, Action: "create Ingress shop/web-ip", State: StepDone, Start: &start, End: &end},
			{Phase: plan.PhaseRestart, Index: 1, Op: plan.OpRestart, Action: "restart", State: StepPending},
		},
		Writes: []WriteRecord{{
			Seq: 1, Step: 0, Phase: plan.PhaseCreate, Op: plan.OpApply, Ref: refService, Done: true, Timestamp: start,
			Before: &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Service",
				"metadata": map[string]any{"name": "web", "namespace": "shop"},
				"spec":     map[string]any{"ports": []any{map[string]any{"port": int64(80)}}}}},
			Intended: &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Service",
				"metadata": map[string]any{"name": "web", "namespace": "shop", "annotations": map[string]any{"a": "b"}}}},
		}},
		Restarts: map[string]string{"1": "2026-01-02T03:04:05Z"},
	}
}

// configMapVerbs lists the typed client's ConfigMap calls.
func configMapVerbs(h *harness) []string {
	var out []string
	for _, a := range h.kube.Actions() {
		if a.GetResource().Resource == "configmaps" {
			out = append(out, a.GetVerb())
		}
	}
	return out
}

func TestStoreSaveLoadRoundTrip(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	s := &Store{Kube: h.kube, Namespace: "lbctl"}
	j := sampleJournal("abc123")
	if err := s.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	cm, err := h.kube.CoreV1().ConfigMaps("lbctl").Get(ctx, "lbctl-migration-abc123", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"app.kubernetes.io/managed-by": "lbctl", "lbctl.dev/migration": "abc123"}, cm.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if _, ok := cm.Data[JournalKey]; !ok || len(cm.Data) != 1 {
		t.Errorf("ConfigMap data keys %v", cm.Data)
	}

	got, err := (&Store{Kube: h.kube, Namespace: "lbctl"}).Load(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(j, got); diff != "" {
		t.Errorf("loaded journal (-saved +loaded):\n%s", diff)
	}

	// A second save updates the ConfigMap in place.
	j.State, j.Message = StateDone, ""
	j.Steps[1].State = StepDone
	if err := s.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, err = s.Load(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(j, got); diff != "" {
		t.Errorf("loaded journal after update (-saved +loaded):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"create", "get" /* the labels' check */, "get", "update", "get"}, configMapVerbs(h)); diff != "" {
		t.Errorf("ConfigMap calls (-want +got):\n%s", diff)
	}

	// Another plan has no journal.
	if other, err := s.Load(ctx, "ffffff"); err != nil || other != nil {
		t.Errorf("Load(other id) = %v, %v; want nil, nil", other, err)
	}
}

// TestStoreWritesTheFileFirst: a ConfigMap write that fails still leaves
// the journal in the local file, and Load falls back to it.
func TestStoreWritesTheFileFirst(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "journal.json")
	h.kube.PrependReactor("create", "configmaps", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), "lbctl-migration-abc123", nil)
	})
	s := &Store{Kube: h.kube, Namespace: "lbctl", File: file}
	j := sampleJournal("abc123")
	err := s.Save(ctx, j)
	if !apierrors.IsForbidden(err) {
		t.Fatalf("Save err = %v, want the ConfigMap's Forbidden", err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no local journal: %v", err)
	}
	var onDisk Journal
	if err := json.Unmarshal(b, &onDisk); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(j, &onDisk); diff != "" {
		t.Errorf("file journal (-saved +file):\n%s", diff)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".journal-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	got, err := s.Load(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(j, got); diff != "" {
		t.Errorf("journal loaded from the file (-saved +loaded):\n%s", diff)
	}
	// The file is another plan's: no journal for this one.
	if got, err := s.Load(ctx, "ffffff"); err != nil || got != nil {
		t.Errorf("Load(other id) = %v, %v; want nil, nil", got, err)
	}
}

func TestStoreLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		// cm is the ConfigMap's journal.json ("" none); file the local
		// file's content ("" no file).
		cm, file string
		getErr   error
		want     string // error substring; "" no error and no journal
	}{
		{name: "no journal anywhere"},
		{name: "corrupt ConfigMap", cm: `{"id": "abc123", "steps": [`, want: "journal ConfigMap lbctl/lbctl-migration-abc123 does not parse"},
		{name: "ConfigMap of the wrong shape", cm: `{"steps": "all"}`, want: "journal ConfigMap lbctl/lbctl-migration-abc123 does not parse"},
		{name: "corrupt file", file: "not json", want: "journal-file.json does not parse"},
		{name: "ConfigMap unreadable", getErr: apierrors.NewForbidden(corev1.Resource("configmaps"), "lbctl-migration-abc123", nil),
			want: "read journal ConfigMap lbctl/lbctl-migration-abc123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			if tc.cm != "" {
				if err := h.kube.Tracker().Add(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "lbctl-migration-abc123", Namespace: "lbctl"},
					Data: map[string]string{JournalKey: tc.cm}}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.getErr != nil {
				h.kube.PrependReactor("get", "configmaps", func(clienttesting.Action) (bool, runtime.Object, error) { return true, nil, tc.getErr })
			}
			file := filepath.Join(t.TempDir(), "journal-file.json")
			if tc.file != "" {
				if err := os.WriteFile(file, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			j, err := (&Store{Kube: h.kube, Namespace: "lbctl", File: file}).Load(context.Background(), "abc123")
			if tc.want == "" {
				if err != nil || j != nil {
					t.Errorf("Load = %v, %v; want nil, nil", j, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load err = %v, want %q", err, tc.want)
			}
			if j != nil {
				t.Errorf("Load returned a journal with the error: %+v", j)
			}
		})
	}
}

// TestStoreUpdateConflict: a ConfigMap changed behind the store's back is
// re-read and overwritten.
func TestStoreUpdateConflict(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	s := &Store{Kube: h.kube, Namespace: "lbctl"}
	j := sampleJournal("abc123")
	if err := s.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	cms := h.kube.CoreV1().ConfigMaps("lbctl")
	cm, err := cms.Get(ctx, "lbctl-migration-abc123", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Labels["touched"] = "yes"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.kube.ClearActions()

	j.State = StateDone
	if err := s.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"update", "get", "update"}, configMapVerbs(h)); diff != "" {
		t.Errorf("ConfigMap calls (-want +got):\n%s", diff)
	}
	got, err := s.Load(ctx, "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateDone {
		t.Errorf("state %q after the conflict, want done", got.State)
	}
}

func TestStoreDryRunKeepsNothing(t *testing.T) {
	h := newHarness(t, nil)
	file := filepath.Join(t.TempDir(), "journal.json")
	s := &Store{Kube: h.kube, Namespace: "lbctl", File: file, DryRun: true}
	if err := s.Save(context.Background(), sampleJournal("abc123")); err != nil {
		t.Fatal(err)
	}
	if v := configMapVerbs(h); len(v) != 0 {
		t.Errorf("ConfigMap calls in a dry run: %v", v)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("journal file written in a dry run: %v", err)
	}
}

func TestExecutorStatus(t *testing.T) {
	h := fixtureHarness(t)
	e := New(h.options(fixturePlan(), fixtureFiles()))
	j, err := e.Status(context.Background())
	if err != nil || j != nil {
		t.Fatalf("Status before apply = %v, %v; want nil, nil", j, err)
	}
	if err := e.Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	j, err = New(h.options(fixturePlan(), fixtureFiles())).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if j.State != StateDone || len(j.Writes) != 4 || j.ID != e.ID() {
		t.Errorf("Status = %s with %d writes, id %s", j.State, len(j.Writes), j.ID)
	}
}
