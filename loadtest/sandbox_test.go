package loadtest

import (
	"context"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// The sandbox's storefront runs in instance mode: ALB → a node's NodePort
// → one of the two pods, chosen at random. The hop costs 1 ms when the pod
// is in another zone than the node, which, over three nodes in three zones
// and two pods, is 2 requests in 3. An ip-mode Ingress for the same
// Service goes ALB → pod. An A/B test of the two must therefore show B − A
// at p50 of about −1 ms: A's median request is one of the two thirds that
// pay the cross-zone hop (it sits at their 25th percentile, slightly under
// B's median, and the NodePort proxy adds its own ~0.1-0.3 ms), so p50
// B − A lands between −0.7 and −1.3 ms on a quiet machine; p90 and p95
// read the full hop plus the proxy.
func TestSandboxABInstanceVersusIP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the sandbox")
	}
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{InProcess: true, PortOffset: -1, TimeScale: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Stop() })
	if err := sb.WaitReady(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	ing, err := sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "storefront", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ip := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "storefront-ip", Namespace: "team-a", Annotations: map[string]string{}},
		Spec:       *ing.Spec.DeepCopy(),
	}
	for k, v := range ing.Annotations {
		ip.Annotations[k] = v
	}
	ip.Annotations[lbc.Key("target-type")] = "ip"
	if _, err := sb.Kube.NetworkingV1().Ingresses("team-a").Create(ctx, ip, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := sb.WaitReady(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	objs, err := kube.ReadCluster(ctx, sb.Kube, sb.Dynamic, kube.Scope{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	topo := topology.Build(objs, nil, topology.Options{Defaults: lbc.DefaultDefaults()})
	a, _, err := TopologyTargets(topo, Selection{Ingresses: []string{"team-a/storefront"}}, RuleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := TopologyTargets(topo, Selection{Ingresses: []string{"team-a/storefront-ip"}}, RuleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		a[i].Set = "a"
	}
	for i := range b {
		b[i].Set = "b"
	}
	resolve, err := ParseResolveList(joinComma(sb.Resolve()))
	if err != nil {
		t.Fatal(err)
	}
	rate := 300.0
	if raceEnabled {
		rate = 50 // the race detector slows the sandbox's proxies several times over
	}
	shape, _ := NewShape(ShapeOptions{Rate: rate, Duration: 6 * time.Second, Warmup: time.Second})
	runs, err := Attack(ctx, Options{
		Targets: append(a, b...), Shape: shape, Slot: time.Second, Resolve: resolve,
		Transport: TransportOptions{KeepAlive: true, Timeout: 5 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := runs[0], runs[1]
	if ra.Errors+rb.Errors > 0 || ra.Requests < int64(rate*2.5) || rb.Requests < int64(rate*2.5) {
		t.Fatalf("a: %+v, b: %+v", ra.Counts, rb.Counts)
	}
	if len(rb.Pods) != 2 || len(ra.Pods) != 2 {
		t.Errorf("pods reached: a %d, b %d, want both storefront pods on each path", len(ra.Pods), len(rb.Pods))
	}
	for _, r := range runs {
		for _, w := range r.Windows {
			t.Logf("%s t=%d n=%d p50=%s p99=%s", r.Meta.Name, w.T, w.Requests, w.Latency.Quantile(50), w.Latency.Quantile(99))
		}
	}
	c := ABCompare(ra, rb, time.Second, 400, 1)
	slack := timerSlack()
	var text stringsBuilder
	_ = WriteComparisonText(&text, c, "instance", "ip")
	t.Logf("timer slack %s\n%s", slack, text.String())
	d50 := diffOf(c, "p50")
	if raceEnabled {
		if d50.Diff >= 0 {
			t.Errorf("p50 B − A = %s, want the ip path faster", d50.Diff)
		}
		return // timings under the race detector say little more
	}
	if d50.Diff > -700*time.Microsecond || d50.Diff < -2*time.Millisecond-3*slack {
		t.Errorf("p50 B − A = %s, want about −1 ms (the cross-zone hop)", d50.Diff)
	}
	if d50.High == nil || *d50.High >= 0 {
		t.Errorf("p50 95%% CI %v does not exclude 0", d50.High)
	}
	if c.Pairs < 3 {
		t.Errorf("%d slot pairs", c.Pairs)
	}
}

func diffOf(c *Comparison, stat string) Diff {
	for _, d := range c.Diffs {
		if d.Stat == stat {
			return d
		}
	}
	return Diff{}
}

type stringsBuilder = strings.Builder

func joinComma(s []string) string { return strings.Join(s, ",") }
