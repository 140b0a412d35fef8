package plan

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// TestPhase2AgainstEmulator plans the in-process sandbox's default world
// read back from its API, applies the phase-2 manifests to it, and checks
// that the controller emulator creates exactly the predicted ALBs and target
// groups beside the old ones. It starts the sandbox (a few seconds), so
// -short skips it.
func TestPhase2AgainstEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the in-process sandbox")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := sandbox.Start(ctx, sandbox.Options{InProcess: true, PortOffset: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
	})
	if err := s.WaitReady(ctx, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	objs, err := kube.ReadCluster(ctx, s.Kube, s.Dynamic, kube.Scope{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = sandbox.ClusterName
	p := Build(topology.Build(objs, nil, topology.Options{Defaults: d}), Options{})
	if len(p.Groups) != 3 {
		t.Fatalf("groups = %v", groupNames(p))
	}

	for _, f := range p.Files() {
		if !strings.HasPrefix(f.Path, "02-create/") {
			continue
		}
		for _, doc := range strings.Split(string(f.Data), "---\n") {
			var meta metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Fatal(err)
			}
			switch meta.Kind {
			case "Namespace":
				var ns corev1.Namespace
				if err := yaml.Unmarshal([]byte(doc), &ns); err != nil {
					t.Fatal(err)
				}
				live, err := s.Kube.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				live.Labels = ns.Labels
				if _, err := s.Kube.CoreV1().Namespaces().Update(ctx, live, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			case "Ingress":
				var ing networkingv1.Ingress
				if err := yaml.Unmarshal([]byte(doc), &ing); err != nil {
					t.Fatal(err)
				}
				api := s.Kube.NetworkingV1().Ingresses(ing.Namespace)
				live, err := api.Get(ctx, ing.Name, metav1.GetOptions{})
				switch {
				case apierrors.IsNotFound(err):
					_, err = api.Create(ctx, &ing, metav1.CreateOptions{})
				case err == nil:
					live.Annotations, live.Spec = ing.Annotations, ing.Spec
					_, err = api.Update(ctx, live, metav1.UpdateOptions{})
				}
				if err != nil {
					t.Fatalf("apply %s: %v", f.Path, err)
				}
			}
		}
	}

	var wantLBs, wantTGs []string
	for _, r := range p.Replacements {
		switch {
		case r.Action == Create && r.Kind == "LoadBalancer":
			wantLBs = append(wantLBs, r.Name)
		case r.Action == Create && r.Kind == "TargetGroup":
			wantTGs = append(wantTGs, r.Name)
		}
	}
	sort.Strings(wantLBs)
	sort.Strings(wantTGs)
	var missing []string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		s.Emulator.Poke()
		snap := s.AWS.State().Snapshot()
		have := map[string]bool{}
		for _, lb := range snap.LoadBalancers {
			have[*lb.LoadBalancerName] = true
		}
		for _, tg := range snap.TargetGroups {
			have[*tg.TargetGroupName] = true
		}
		missing = nil
		for _, n := range append(append([]string{}, wantLBs...), wantTGs...) {
			if !have[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			break
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the emulator did not create the predicted %v (wanted ALBs %v, target groups %v)", missing, wantLBs, wantTGs)
	}
	// The old ALBs keep serving beside the new ones (make before break).
	if n := len(s.AWS.State().Snapshot().LoadBalancers); n != 6+len(wantLBs) {
		t.Errorf("%d ALBs, want the 6 old ones and %d new", n, len(wantLBs))
	}
}
