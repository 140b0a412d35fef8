package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/lbctl/lbctl/lbctl/userfile"
)

// Journal states.
const (
	StateRunning     = "running"
	StateStopped     = "stopped" // at a review point (--phase/--until) or a failure
	StateDone        = "done"
	StateRollingBack = "rolling-back"
	StateRolledBack  = "rolled-back"
)

// Step states.
const (
	StepPending = "pending"
	StepRunning = "running"
	StepDone    = "done"
)

// Journal is the record of one migration: the plan it runs, how far each
// step got, and every object it wrote with its state before and the one
// intended, so that resume can continue and rollback can restore.
type Journal struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// ID identifies the plan (a digest of plan.json).
	ID      string    `json:"id"`
	Cluster string    `json:"cluster"`
	State   string    `json:"state"`
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	// Message says why the migration stopped, when it did.
	Message string        `json:"message,omitempty"`
	Steps   []StepRecord  `json:"steps"`
	Writes  []WriteRecord `json:"writes"`
	// Restarts holds the restartedAt value of each restart step, so a
	// resumed restart does not roll the workloads again.
	Restarts map[string]string `json:"restarts,omitempty"`
}

// StepRecord is the progress of one plan step.
type StepRecord struct {
	Phase  string     `json:"phase"`
	Index  int        `json:"index"`
	Op     string     `json:"op"`
	Action string     `json:"action"`
	State  string     `json:"state"`
	Start  *time.Time `json:"start,omitempty"`
	End    *time.Time `json:"end,omitempty"`
}

// WriteRecord is one object write: the object before it (nil: it did not
// exist) and the object written (nil for a delete). Done is set once the
// API server accepted the write.
type WriteRecord struct {
	Seq       int                        `json:"seq"`
	Step      int                        `json:"step"`
	Phase     string                     `json:"phase"`
	Op        string                     `json:"op"`
	Ref       Ref                        `json:"ref"`
	Before    *unstructured.Unstructured `json:"before"`
	Intended  *unstructured.Unstructured `json:"intended,omitempty"`
	Done      bool                       `json:"done"`
	Restored  bool                       `json:"restored,omitempty"`
	Timestamp time.Time                  `json:"time"`
}

// Ref names an object by API version and kind.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// JournalKey is the ConfigMap data key holding the journal.
const JournalKey = "journal.json"

// ConfigMapName is the name of the journal ConfigMap (and Lease) of a plan.
func ConfigMapName(id string) string { return "lbctl-migration-" + id }

// Store keeps the journal in a ConfigMap and a local file. The local file
// is written first, so a lost connection still leaves a record.
type Store struct {
	Kube      kubernetes.Interface
	Namespace string
	File      string
	// DryRun keeps the journal in memory only.
	DryRun bool

	rv string // resourceVersion of the ConfigMap last written
}

// Load reads the journal of id: the ConfigMap's, else the local file's;
// nil when neither exists.
func (s *Store) Load(ctx context.Context, id string) (*Journal, error) {
	cm, err := s.Kube.CoreV1().ConfigMaps(s.Namespace).Get(ctx, ConfigMapName(id), metav1.GetOptions{})
	switch {
	case err == nil:
		s.rv = cm.ResourceVersion
		var j Journal
		if err := json.Unmarshal([]byte(cm.Data[JournalKey]), &j); err != nil {
			return nil, fmt.Errorf("journal ConfigMap %s/%s does not parse: %w", s.Namespace, cm.Name, err)
		}
		return &j, nil
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("read journal ConfigMap %s/%s: %w", s.Namespace, ConfigMapName(id), err)
	}
	if s.File == "" {
		return nil, nil
	}
	b, err := userfile.Read(s.File, userfile.PlanLimit)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var j Journal
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, fmt.Errorf("journal file %s does not parse: %w", s.File, err)
	}
	if j.ID != id {
		return nil, nil
	}
	return &j, nil
}

// Save writes j to the local file, then to the ConfigMap.
func (s *Store) Save(ctx context.Context, j *Journal) error {
	if s.DryRun {
		return nil
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	if s.File != "" {
		if err := writeFileAtomic(s.File, b); err != nil {
			return fmt.Errorf("write journal file: %w", err)
		}
	}
	return retry.OnError(writeBackoff, retryable, func() error {
		cms := s.Kube.CoreV1().ConfigMaps(s.Namespace)
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName(j.ID), Namespace: s.Namespace,
				Labels: map[string]string{"app.kubernetes.io/managed-by": "lbctl", "lbctl.dev/migration": j.ID}},
			Data: map[string]string{JournalKey: string(b)},
		}
		if s.rv == "" {
			got, err := cms.Create(ctx, cm, metav1.CreateOptions{FieldManager: FieldManager})
			if apierrors.IsAlreadyExists(err) {
				cur, gerr := cms.Get(ctx, cm.Name, metav1.GetOptions{})
				if gerr != nil {
					return gerr
				}
				s.rv = cur.ResourceVersion
				return err
			}
			if err != nil {
				return err
			}
			s.rv = got.ResourceVersion
			return nil
		}
		cm.ResourceVersion = s.rv
		got, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: FieldManager})
		if apierrors.IsConflict(err) {
			// Only this process holds the lease; a conflict is a retried
			// write that landed, or an injected one: take the new version.
			cur, gerr := cms.Get(ctx, cm.Name, metav1.GetOptions{})
			if gerr != nil {
				return gerr
			}
			s.rv = cur.ResourceVersion
			return err
		}
		if apierrors.IsNotFound(err) {
			s.rv = ""
			return err
		}
		if err != nil {
			return err
		}
		s.rv = got.ResourceVersion
		return nil
	})
}

func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".journal-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// retryable are the API errors worth another try: conflicts, throttling,
// timeouts and server errors; and a ConfigMap that went missing.
func retryable(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) ||
		apierrors.IsTimeout(err) || apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) ||
		apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err)
}
