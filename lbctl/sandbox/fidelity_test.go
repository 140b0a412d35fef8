package sandbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// predict reads the sandbox's cluster and predicts, with lbctl/lbc through
// the topology, what the controller names things.
func predict(t *testing.T, s *Sandbox) *topology.Topology {
	t.Helper()
	objs, err := kube.ReadCluster(context.Background(), s.Kube, s.Dynamic, kube.Scope{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = ClusterName
	return topology.Build(objs, nil, topology.Options{Defaults: d})
}

type awsView struct {
	lbs     map[string]string // name → DNS
	tgs     map[string]string // name → target type
	targets map[string][]string
	hc      map[string]string
}

func snapshot(s *Sandbox) awsView {
	snap := s.AWS.State().Snapshot()
	v := awsView{lbs: map[string]string{}, tgs: map[string]string{}, targets: map[string][]string{}, hc: map[string]string{}}
	for _, lb := range snap.LoadBalancers {
		v.lbs[aws.ToString(lb.LoadBalancerName)] = aws.ToString(lb.DNSName)
	}
	for _, tg := range snap.TargetGroups {
		name := aws.ToString(tg.TargetGroupName)
		v.tgs[name] = string(tg.TargetType)
		v.hc[name] = strings.Join([]string{aws.ToString(tg.HealthCheckPath), aws.ToString(tg.HealthCheckPort),
			itoa(aws.ToInt32(tg.HealthCheckIntervalSeconds)), itoa(aws.ToInt32(tg.HealthCheckTimeoutSeconds)),
			itoa(aws.ToInt32(tg.HealthyThresholdCount)), itoa(aws.ToInt32(tg.UnhealthyThresholdCount)), aws.ToString(tg.Matcher.HttpCode)}, " ")
		for _, th := range snap.TargetHealth[aws.ToString(tg.TargetGroupArn)] {
			v.targets[name] = append(v.targets[name], aws.ToString(th.Target.Id))
		}
	}
	return v
}

func itoa(n int32) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// eventually polls until cond holds (the emulator reconciles asynchronously).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) { return cond(), nil })
	if err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

func patchAnnotations(t *testing.T, s *Sandbox, ns, name string, set map[string]string) {
	t.Helper()
	ctx := context.Background()
	in, err := s.Kube.NetworkingV1().Ingresses(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		in.Annotations[k] = v
	}
	if _, err := s.Kube.NetworkingV1().Ingresses(ns).Update(ctx, in, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestEmulatorAgreesWithPrediction holds the emulator and lbctl/lbc to the
// controller behaviour REFERENCE.md lists, side by side.
func TestEmulatorAgreesWithPrediction(t *testing.T) {
	s := startSandbox(t, Options{InProcess: true, PortOffset: -1, TimeScale: 0.05})

	t.Run("names and defaults", func(t *testing.T) {
		v := snapshot(s)
		top := predict(t, s)
		for _, in := range top.ALBIngresses() {
			if _, ok := v.lbs[in.Group.LoadBalancerName]; !ok {
				t.Errorf("%s: predicted ALB %s, emulator has %v", in.Key(), in.Group.LoadBalancerName, keys(v.lbs))
			}
			for _, b := range in.Backends {
				if v.tgs[b.TargetGroupName] != "instance" {
					t.Errorf("%s: predicted instance target group %s, emulator has %v", in.Key(), b.TargetGroupName, v.tgs)
				}
				// healthcheck-path from the annotation, the rest the controller's defaults.
				if got, want := v.hc[b.TargetGroupName], "/healthz traffic-port 15 5 2 2 200"; got != want {
					t.Errorf("%s health check = %q, want %q", b.TargetGroupName, got, want)
				}
				if len(v.targets[b.TargetGroupName]) != 3 {
					t.Errorf("%s targets = %v, want the 3 nodes' instance IDs", b.TargetGroupName, v.targets[b.TargetGroupName])
				}
			}
		}
		if len(v.lbs) != 6 {
			t.Errorf("ALBs = %v, want one per Ingress", keys(v.lbs))
		}
	})

	t.Run("target type change makes a new target group", func(t *testing.T) {
		before := predict(t, s)
		oldTG := backendOf(t, before, "team-a/storefront").TargetGroupName
		oldALB := groupOf(t, before, "team-a/storefront").LoadBalancerName
		patchAnnotations(t, s, "team-a", "storefront", map[string]string{lbc.Key(lbc.SuffixTargetType): "ip"})
		after := predict(t, s)
		newTG := backendOf(t, after, "team-a/storefront").TargetGroupName
		if newTG == oldTG {
			t.Fatalf("prediction: target group name did not change (%s)", newTG)
		}
		eventually(t, "the ip target group "+newTG, func() bool {
			v := snapshot(s)
			_, oldThere := v.tgs[oldTG]
			return v.tgs[newTG] == "ip" && !oldThere && len(v.targets[newTG]) == 2
		})
		v := snapshot(s)
		for _, id := range v.targets[newTG] {
			if !strings.HasPrefix(id, "10.0.") {
				t.Errorf("ip target %q is not a pod IP", id)
			}
		}
		if _, ok := v.lbs[oldALB]; !ok {
			t.Errorf("the ALB %s should stay when only the target type changes", oldALB)
		}
	})

	t.Run("group change makes a new ALB and deletes the emptied one", func(t *testing.T) {
		before := predict(t, s)
		oldALB := groupOf(t, before, "team-a/cart").LoadBalancerName
		oldDNS := snapshot(s).lbs[oldALB]
		patchAnnotations(t, s, "team-a", "cart", map[string]string{lbc.Key(lbc.SuffixGroupName): "team-a"})
		after := predict(t, s)
		newALB := groupOf(t, after, "team-a/cart").LoadBalancerName
		if newALB == oldALB || !strings.HasPrefix(newALB, "k8s-teama-") {
			t.Fatalf("prediction: ALB %s → %s", oldALB, newALB)
		}
		eventually(t, "the group's ALB "+newALB, func() bool {
			v := snapshot(s)
			_, oldThere := v.lbs[oldALB]
			_, newThere := v.lbs[newALB]
			return newThere && !oldThere
		})
		in, _ := s.Kube.NetworkingV1().Ingresses("team-a").Get(context.Background(), "cart", metav1.GetOptions{})
		eventually(t, "the Ingress status to show the new DNS name", func() bool {
			in, _ = s.Kube.NetworkingV1().Ingresses("team-a").Get(context.Background(), "cart", metav1.GetOptions{})
			return len(in.Status.LoadBalancer.Ingress) == 1 && in.Status.LoadBalancer.Ingress[0].Hostname == snapshot(s).lbs[newALB]
		})
		if in.Status.LoadBalancer.Ingress[0].Hostname == oldDNS {
			t.Error("the DNS name did not change with the group")
		}
	})

	t.Run("conflicting members stop the group", func(t *testing.T) {
		for _, name := range []string{"api", "search"} {
			patchAnnotations(t, s, "team-b", name, map[string]string{lbc.Key(lbc.SuffixGroupName): "team-b"})
		}
		top := predict(t, s)
		g := groupOf(t, top, "team-b/api")
		if len(g.Conflicts) == 0 {
			t.Fatal("prediction: no conflict between internal api and internet-facing search")
		}
		eventually(t, "a FailedBuildModel event", func() bool {
			evs, _ := s.Kube.CoreV1().Events("team-b").List(context.Background(), metav1.ListOptions{})
			for _, e := range evs.Items {
				if e.Reason == "FailedBuildModel" && e.Type == corev1.EventTypeWarning && strings.Contains(e.Message, "scheme") {
					return true
				}
			}
			return false
		})
		// The controller never deploys the conflicting model: search's target
		// group in the shared group is never made (api's ALB may exist from
		// the moment it was the group's only member).
		search := backendOf(t, top, "team-b/search").TargetGroupName
		if _, ok := snapshot(s).tgs[search]; ok {
			t.Errorf("the conflicting member's target group %s was created", search)
		}
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func ingressOf(t *testing.T, top *topology.Topology, key string) *topology.Ingress {
	t.Helper()
	ns, name, _ := strings.Cut(key, "/")
	for _, in := range top.Ingresses {
		if in.Object.Namespace == ns && in.Object.Name == name {
			return in
		}
	}
	t.Fatalf("no ingress %s", key)
	return nil
}

func backendOf(t *testing.T, top *topology.Topology, key string) *topology.Backend {
	t.Helper()
	in := ingressOf(t, top, key)
	if len(in.Backends) == 0 {
		t.Fatalf("%s has no backend", key)
	}
	return in.Backends[0]
}

func groupOf(t *testing.T, top *topology.Topology, key string) *topology.Group {
	t.Helper()
	return ingressOf(t, top, key).Group
}
