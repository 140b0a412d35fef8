package apply

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// LeaseDuration is how long a migration's lease outlives its last renewal.
const LeaseDuration = 30 * time.Second

// lease keeps one migration per journal: a coordination.k8s.io Lease named
// like the journal, held by "host/pid". A lease held by a process of this
// host that no longer runs is stale and taken over at once (SIGKILL leaves
// no chance to release it); one held elsewhere is taken only once expired.
type lease struct {
	kube      kubernetes.Interface
	namespace string
	name      string
	holder    string
	dryRun    bool
	cancel    context.CancelFunc
	done      chan struct{}
}

func holderIdentity() string {
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid())
}

// staleLocal reports whether holder names a process of this host that has
// exited.
func staleLocal(holder string) bool {
	host, _ := os.Hostname()
	h, pidS, ok := strings.Cut(holder, "/")
	if !ok || h != host {
		return false
	}
	pid, err := strconv.Atoi(pidS)
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return false
	}
	return processGone(pid)
}

// acquire takes the lease or says who holds it; it then renews it until
// release.
func (l *lease) acquire(ctx context.Context, now func() time.Time) error {
	if l.dryRun {
		return nil
	}
	leases := l.kube.CoordinationV1().Leases(l.namespace)
	secs := int32(LeaseDuration / time.Second)
	t := metav1.NewMicroTime(now())
	cur, err := leases.Get(ctx, l.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: l.name, Namespace: l.namespace, Labels: map[string]string{"app.kubernetes.io/managed-by": "lbctl"}},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &l.holder, LeaseDurationSeconds: &secs, AcquireTime: &t, RenewTime: &t},
		}, metav1.CreateOptions{FieldManager: FieldManager})
		if apierrors.IsAlreadyExists(err) {
			return l.acquire(ctx, now)
		}
		if err != nil {
			return fmt.Errorf("create lease %s/%s: %w", l.namespace, l.name, err)
		}
	case err != nil:
		return fmt.Errorf("read lease %s/%s: %w", l.namespace, l.name, err)
	default:
		holder := ""
		if cur.Spec.HolderIdentity != nil {
			holder = *cur.Spec.HolderIdentity
		}
		if holder != "" && holder != l.holder && !staleLocal(holder) {
			var renewed time.Time
			if cur.Spec.RenewTime != nil {
				renewed = cur.Spec.RenewTime.Time
			}
			dur := LeaseDuration
			if cur.Spec.LeaseDurationSeconds != nil {
				dur = time.Duration(*cur.Spec.LeaseDurationSeconds) * time.Second
			}
			if now().Before(renewed.Add(dur)) {
				return exitcode.New(exitcode.Usage,
					fmt.Sprintf("migration journal %s/%s is held by %s (renewed %s): another migrate is running", l.namespace, l.name, holder, renewed.UTC().Format(time.RFC3339)),
					"wait for it, or once it is surely gone: "+shellescape.QuoteCommand([]string{"kubectl", "delete", "lease", "-n", l.namespace, l.name}), nil)
			}
		}
		cur.Spec.HolderIdentity = &l.holder
		cur.Spec.LeaseDurationSeconds = &secs
		cur.Spec.AcquireTime = &t
		cur.Spec.RenewTime = &t
		if _, err := leases.Update(ctx, cur, metav1.UpdateOptions{FieldManager: FieldManager}); err != nil {
			if apierrors.IsConflict(err) {
				return l.acquire(ctx, now)
			}
			return fmt.Errorf("take lease %s/%s: %w", l.namespace, l.name, err)
		}
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel, l.done = cancel, make(chan struct{})
	go func() {
		defer close(l.done)
		tick := time.NewTicker(LeaseDuration / 3)
		defer tick.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-tick.C:
				cur, err := leases.Get(rctx, l.name, metav1.GetOptions{})
				if err != nil {
					continue
				}
				t := metav1.NewMicroTime(now())
				cur.Spec.RenewTime = &t
				_, _ = leases.Update(rctx, cur, metav1.UpdateOptions{FieldManager: FieldManager})
			}
		}
	}()
	return nil
}

// release stops renewing and deletes the lease.
func (l *lease) release(ctx context.Context) {
	if l.dryRun || l.cancel == nil {
		return
	}
	l.cancel()
	<-l.done
	_ = l.kube.CoordinationV1().Leases(l.namespace).Delete(context.WithoutCancel(ctx), l.name, metav1.DeleteOptions{})
}
