package apply

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

const leaseName = "lbctl-migration-abc123"

func testLease(h *harness, holder string) *lease {
	return &lease{kube: h.kube, namespace: "lbctl", name: leaseName, holder: holder}
}

func getLease(t *testing.T, h *harness) *coordinationv1.Lease {
	t.Helper()
	l, err := h.kube.CoordinationV1().Leases("lbctl").Get(context.Background(), leaseName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// seedLease puts a lease held by holder, renewed at renewed, for secs
// seconds (nil: no duration, LeaseDuration applies).
func seedLease(t *testing.T, h *harness, holder string, renewed time.Time, secs *int32) {
	t.Helper()
	rt := metav1.NewMicroTime(renewed)
	spec := coordinationv1.LeaseSpec{LeaseDurationSeconds: secs, RenewTime: &rt, AcquireTime: &rt}
	if holder != "" {
		spec.HolderIdentity = &holder
	}
	if _, err := h.kube.CoordinationV1().Leases("lbctl").Create(context.Background(), &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: leaseName, Namespace: "lbctl"}, Spec: spec}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func int32p(v int32) *int32 { return &v }

func TestLeaseAcquireWhenFreeAndRelease(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	l := testLease(h, "me/1")
	if err := l.acquire(ctx, h.clock.Now); err != nil {
		t.Fatal(err)
	}
	got := getLease(t, h)
	if diff := cmp.Diff("me/1", *got.Spec.HolderIdentity); diff != "" {
		t.Errorf("holder (-want +got):\n%s", diff)
	}
	if *got.Spec.LeaseDurationSeconds != 30 {
		t.Errorf("duration %ds, want 30", *got.Spec.LeaseDurationSeconds)
	}
	if !got.Spec.AcquireTime.Time.Equal(t0) || !got.Spec.RenewTime.Time.Equal(t0) {
		t.Errorf("acquired %s renewed %s, want both %s", got.Spec.AcquireTime, got.Spec.RenewTime, t0)
	}
	if got.Labels["app.kubernetes.io/managed-by"] != "lbctl" {
		t.Errorf("labels %v", got.Labels)
	}
	l.release(ctx)
	if _, err := h.kube.CoordinationV1().Leases("lbctl").Get(ctx, leaseName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("lease after release: %v", err)
	}
}

func TestLeaseRefusesALiveHolder(t *testing.T) {
	for _, tc := range []struct {
		name    string
		renewed time.Duration // before now
		secs    *int32
	}{
		{"renewed just now", 0, int32p(30)},
		{"renewed 29s ago", 29 * time.Second, int32p(30)},
		{"its own longer duration", 45 * time.Second, int32p(60)},
		{"no duration: the default applies", 20 * time.Second, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			seedLease(t, h, "elsewhere/42", t0.Add(-tc.renewed), tc.secs)
			h.kube.ClearActions()
			err := testLease(h, "me/1").acquire(context.Background(), h.clock.Now)
			var xe *exitcode.Error
			if !errors.As(err, &xe) || xe.Code != exitcode.Usage {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), "held by elsewhere/42") || !strings.Contains(err.Error(), "kubectl delete lease -n lbctl "+leaseName) {
				t.Errorf("err = %v", err)
			}
			if got := getLease(t, h); *got.Spec.HolderIdentity != "elsewhere/42" {
				t.Errorf("holder changed to %s", *got.Spec.HolderIdentity)
			}
			for _, a := range h.kube.Actions() {
				if a.GetVerb() != "get" {
					t.Errorf("refused acquire made a %s", a.GetVerb())
				}
			}
		})
	}
}

// deadPID is the id of a process of this host that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the stale-holder probe is POSIX only here")
	}
	path, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1)")
	}
	cmd := exec.Command(path)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestLeaseTakesOver(t *testing.T) {
	host, _ := os.Hostname()
	for _, tc := range []struct {
		name    string
		holder  func(t *testing.T) string
		renewed time.Duration
		secs    *int32
	}{
		{"expired", func(*testing.T) string { return "elsewhere/42" }, 31 * time.Second, int32p(30)},
		{"expired by its own shorter duration", func(*testing.T) string { return "elsewhere/42" }, 11 * time.Second, int32p(10)},
		{"no holder", func(*testing.T) string { return "" }, 0, int32p(30)},
		{"held by this holder: renewed", func(*testing.T) string { return "me/1" }, 5 * time.Second, int32p(30)},
		{"held by an exited process of this host", func(t *testing.T) string { return host + "/" + strconv.Itoa(deadPID(t)) }, 0, int32p(30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			seedLease(t, h, tc.holder(t), t0.Add(-tc.renewed), tc.secs)
			h.clock.Advance(time.Second)
			now := h.clock.Now()
			l := testLease(h, "me/1")
			if err := l.acquire(context.Background(), h.clock.Now); err != nil {
				t.Fatal(err)
			}
			defer l.release(context.Background())
			got := getLease(t, h)
			if *got.Spec.HolderIdentity != "me/1" {
				t.Errorf("holder %s, want me/1", *got.Spec.HolderIdentity)
			}
			if !got.Spec.RenewTime.Time.Equal(now) || !got.Spec.AcquireTime.Time.Equal(now) {
				t.Errorf("renewed %s acquired %s, want %s", got.Spec.RenewTime, got.Spec.AcquireTime, now)
			}
			if *got.Spec.LeaseDurationSeconds != 30 {
				t.Errorf("duration %d, want 30", *got.Spec.LeaseDurationSeconds)
			}
		})
	}
}

func TestLeaseLiveHolderOfThisHostIsNotStale(t *testing.T) {
	host, _ := os.Hostname()
	// This test's own process is alive; another "pid" would be too, but
	// ours is the one certain to be.
	if staleLocal(host + "/" + strconv.Itoa(os.Getpid())) {
		t.Error("this process counted as exited")
	}
	if staleLocal("elsewhere/1") || staleLocal(host+"/not-a-pid") || staleLocal("no-slash") {
		t.Error("a holder not of this host, or malformed, counted as exited")
	}
}

// TestLeaseRenewsUntilReleased runs the lease's renewal in a bubble of
// fake time: it renews every LeaseDuration/3 and stops at release.
func TestLeaseRenewsUntilReleased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cs := fake.NewClientset()
		start := time.Now()
		l := &lease{kube: cs, namespace: "lbctl", name: leaseName, holder: "me/1"}
		if err := l.acquire(context.Background(), time.Now); err != nil {
			t.Fatal(err)
		}
		renewed := func() (time.Time, time.Time) {
			got, err := cs.CoordinationV1().Leases("lbctl").Get(context.Background(), leaseName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return got.Spec.RenewTime.Time, got.Spec.AcquireTime.Time
		}
		time.Sleep(time.Second / 2) // off the ticks
		for i := 1; i <= 3; i++ {
			time.Sleep(LeaseDuration / 3)
			synctest.Wait()
			rt, at := renewed()
			want := start.Add(time.Duration(i) * LeaseDuration / 3)
			if !rt.Equal(want) {
				t.Errorf("renewal %d at %s, want %s", i, rt.Sub(start), want.Sub(start))
			}
			if !at.Equal(start) {
				t.Errorf("acquire time moved to %s", at.Sub(start))
			}
		}

		l.release(context.Background())
		if _, err := cs.CoordinationV1().Leases("lbctl").Get(context.Background(), leaseName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Fatalf("lease after release: %v", err)
		}
		n := len(cs.Actions())
		time.Sleep(2 * LeaseDuration)
		synctest.Wait()
		if extra := cs.Actions()[n:]; len(extra) != 0 {
			t.Errorf("%d calls after release, first %s", len(extra), extra[0].GetVerb())
		}
	})
}
