// Package demo is the story `kubectl lbctl demo` tells in an in-process
// sandbox: the estate as it is, what scan finds, real traffic through the
// old instance path, and the same traffic through an ip-target Ingress on a
// shared ALB made beside it. Each step returns text; the command prints it
// or shows it in the guided TUI.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/health"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/plan"
	"github.com/lbctl/lbctl/migrate/scan"
)

// Step is one page of the story.
type Step struct {
	Title string
	// Run computes the page's text (it may take a few seconds: real traffic).
	Run func(ctx context.Context) (string, error)
}

// Story holds the running sandbox the steps work on.
type Story struct {
	sb                 *sandbox.Sandbox
	started            time.Duration
	oldStats, newStats stats
	// Requests per path in the traffic steps.
	Requests int
}

// Start brings up the in-process sandbox.
func Start(ctx context.Context) (*Story, error) {
	t0 := time.Now()
	sb, err := sandbox.Start(ctx, sandbox.Options{InProcess: true, PortOffset: -1, TimeScale: 0.03})
	if err != nil {
		return nil, err
	}
	if err := sb.WaitReady(ctx, 60*time.Second); err != nil {
		sb.Stop()
		return nil, err
	}
	return &Story{sb: sb, started: time.Since(t0), Requests: 300}, nil
}

// Stop tears the sandbox down.
func (s *Story) Stop() error { return s.sb.Stop() }

// StartupTime is how long the world took to come up.
func (s *Story) StartupTime() time.Duration { return s.started }

// Steps are the pages, in order.
func (s *Story) Steps() []Step {
	return []Step{
		{Title: "The estate", Run: s.estate},
		{Title: "scan: what stands between it and shared-ALB ip targets", Run: s.scan},
		{Title: "plan: shared groups, ip targets, make before break", Run: s.plan},
		{Title: "Traffic through today's path: ALB → NodePort → kube-proxy → pod", Run: s.oldPath},
		{Title: "The new path: ip targets on a shared ALB, made beside the old one", Run: s.newPath},
		{Title: "health: both paths' targets, from ALB to pod", Run: s.health},
		{Title: "What changed", Run: s.compare},
	}
}

func (s *Story) estate(ctx context.Context) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "A sandbox EKS cluster started in %.1fs, in this process: 3 nodes in 3 zones, the AWS Load\n", s.started.Seconds())
	fmt.Fprintf(&b, "Balancer Controller (emulated), an ELBv2/EC2 endpoint the real AWS SDK talks to, and ALBs\n")
	fmt.Fprintf(&b, "that are real reverse proxies on loopback addresses. Two teams run six apps:\n\n")
	ings, err := s.sb.Kube.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	sort.Slice(ings.Items, func(i, j int) bool {
		return ings.Items[i].Namespace+ings.Items[i].Name < ings.Items[j].Namespace+ings.Items[j].Name
	})
	fmt.Fprintf(&b, "  %-8s %-16s %-36s %s\n", "TEAM", "APP", "HOST", "ALB DNS NAME")
	for _, in := range ings.Items {
		dns := "-"
		if len(in.Status.LoadBalancer.Ingress) > 0 {
			dns = in.Status.LoadBalancer.Ingress[0].Hostname
		}
		host := ""
		if len(in.Spec.Rules) > 0 {
			host = in.Spec.Rules[0].Host
		}
		fmt.Fprintf(&b, "  %-8s %-16s %-36s %s\n", in.Namespace, in.Name, host, dns)
	}
	fmt.Fprintf(&b, "\nEvery Ingress has its own ALB and instance targets: each request enters a node's NodePort\n")
	fmt.Fprintf(&b, "and kube-proxy forwards it to a pod — in another zone two times out of three.\n")
	return b.String(), nil
}

// topology reads the world exactly as `scan` does: Kubernetes through the
// API, AWS through the SDK against the sandbox's endpoint.
func (s *Story) topology(ctx context.Context) (*topology.Topology, error) {
	objs, err := kube.ReadCluster(ctx, s.sb.Kube, s.sb.Dynamic, kube.Scope{AllNamespaces: true})
	if err != nil {
		return nil, err
	}
	cfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDSANDBOX", "sandbox", "")}
	rd := &awsapi.Reader{
		ELB:  elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.BaseEndpoint = aws.String(s.sb.AWSURL) }),
		EC2:  ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(s.sb.AWSURL) }),
		Keep: func(tags map[string]string) bool { return tags[lbc.TagCluster] == sandbox.ClusterName },
	}
	st, err := rd.Read(ctx)
	if err != nil {
		return nil, err
	}
	st.Region = sandbox.Region
	d := lbc.DefaultDefaults()
	d.ClusterName = sandbox.ClusterName
	return topology.Build(objs, st, topology.Options{Defaults: d}), nil
}

func (s *Story) scan(ctx context.Context) (string, error) {
	t, err := s.topology(ctx)
	if err != nil {
		return "", err
	}
	rep := scan.Build(t, scan.Options{Limits: lbc.LimitsFromAWS(t.AWS.Limits)})
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ kubectl lbctl scan -A\n\n")
	if err := scan.WriteTable(&b, rep, scan.TableOptions{}); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (s *Story) plan(ctx context.Context) (string, error) {
	t, err := s.topology(ctx)
	if err != nil {
		return "", err
	}
	p := plan.Build(t, plan.Options{})
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ kubectl lbctl plan -A\n\n")
	if err := plan.WriteTable(&b, p, plan.TableOptions{}); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nThe next steps carry out the first move of that plan by hand for one app, so you can see it.\n")
	return b.String(), nil
}

func (s *Story) storefrontDNS(ctx context.Context, name string) (string, error) {
	in, err := s.sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if len(in.Status.LoadBalancer.Ingress) == 0 {
		return "", fmt.Errorf("ingress team-a/%s has no address yet", name)
	}
	return in.Status.LoadBalancer.Ingress[0].Hostname, nil
}

func (s *Story) oldPath(ctx context.Context) (string, error) {
	dns, err := s.storefrontDNS(ctx, "storefront")
	if err != nil {
		return "", err
	}
	st, err := measure(ctx, s.sb, dns, "storefront.team-a.example.com", s.Requests)
	if err != nil {
		return "", err
	}
	s.oldStats = st
	var b strings.Builder
	fmt.Fprintf(&b, "%d real HTTP requests to storefront.team-a.example.com through its ALB\n(%s),\n", s.Requests, dns)
	fmt.Fprintf(&b, "each through a NodePort on one of three nodes, then kube-proxy to one of two pods:\n\n")
	st.write(&b)
	return b.String(), nil
}

// newPath makes what `plan` proposes for storefront: a copy of the Ingress
// with ip targets in the team's shared group, beside the old one.
func (s *Story) newPath(ctx context.Context) (string, error) {
	old, err := s.sb.Kube.NetworkingV1().Ingresses("team-a").Get(ctx, "storefront", metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	ip := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "storefront-ip", Namespace: "team-a", Annotations: map[string]string{}},
		Spec:       *old.Spec.DeepCopy(),
	}
	for k, v := range old.Annotations {
		ip.Annotations[k] = v
	}
	ip.Annotations[lbc.Key(lbc.SuffixTargetType)] = "ip"
	ip.Annotations[lbc.Key(lbc.SuffixGroupName)] = "team-a"
	ip.Annotations[lbc.Key(lbc.SuffixTargetGroupAttributes)] = "deregistration_delay.timeout_seconds=20"
	if _, err := s.sb.Kube.NetworkingV1().Ingresses("team-a").Create(ctx, ip, metav1.CreateOptions{}); err != nil {
		return "", err
	}
	var dns string
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := s.storefrontDNS(ctx, "storefront-ip")
		if err != nil {
			return false, nil
		}
		dns = d
		why, _ := s.sb.NotReady(ctx)
		return why == "", nil
	})
	if err != nil {
		return "", fmt.Errorf("the new ip-target path did not become healthy: %w", err)
	}
	st, err := measure(ctx, s.sb, dns, "storefront.team-a.example.com", s.Requests)
	if err != nil {
		return "", err
	}
	s.newStats = st
	var b strings.Builder
	fmt.Fprintf(&b, "lbctl's plan makes a copy of the Ingress with target-type: ip in the shared group \"team-a\".\n")
	fmt.Fprintf(&b, "The controller created a new ALB (new DNS name) and a new target group of pod IPs beside\n")
	fmt.Fprintf(&b, "the old ones — make before break: the old path keeps serving until DNS moves.\n\n")
	fmt.Fprintf(&b, "  new ALB: %s\n\n", dns)
	fmt.Fprintf(&b, "The same %d requests through the new path (ALB → pod, no NodePort hop):\n\n", s.Requests)
	st.write(&b)
	return b.String(), nil
}

// health shows team-a's targets as `kubectl lbctl health -n team-a -o wide`
// does: the old instance targets on the nodes, the new ip targets joined to
// their pods and readiness gates.
func (s *Story) health(ctx context.Context) (string, error) {
	t, err := s.topology(ctx)
	if err != nil {
		return "", err
	}
	snap := health.Build(t, time.Now(), func(in *topology.Ingress) bool {
		return in.Object.Namespace == "team-a" && strings.HasPrefix(in.Object.Name, "storefront")
	})
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ kubectl lbctl health storefront storefront-ip -n team-a\n\n")
	if err := health.WriteTable(&b, snap, false, false); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nThe old target group registers the three nodes on the NodePort; the new one registers the\n")
	fmt.Fprintf(&b, "pods themselves. team-a's namespace carries the readiness-gate label, but gates are injected\n")
	fmt.Fprintf(&b, "only when a pod is created after its TargetGroupBinding exists: these pods have none until\n")
	fmt.Fprintf(&b, "they are restarted, which is why a migration plan restarts them before traffic moves.\n")
	fmt.Fprintf(&b, "On a terminal, `kubectl lbctl health -A` opens the live view.\n")
	return b.String(), nil
}

func (s *Story) compare(context.Context) (string, error) {
	var b strings.Builder
	o, n := s.oldStats, s.newStats
	fmt.Fprintf(&b, "  %-22s %10s %10s %10s\n", "", "instance", "ip", "saved")
	for _, q := range []struct {
		name string
		a, b time.Duration
	}{{"p50", o.p(50), n.p(50)}, {"p90", o.p(90), n.p(90)}, {"p99", o.p(99), n.p(99)}, {"mean", o.mean(), n.mean()}} {
		fmt.Fprintf(&b, "  %-22s %10s %10s %10s\n", q.name, round(q.a), round(q.b), round(q.a-q.b))
	}
	fmt.Fprintf(&b, "  %-22s %10d %10d\n", "errors", o.errors, n.errors)
	fmt.Fprintf(&b, "\nThe sandbox adds 1 ms to every NodePort hop that crosses zones (2 of 3 here, as on a\n")
	fmt.Fprintf(&b, "3-zone cluster): that is the hop ip targets remove. On a real estate, measure it with\n")
	fmt.Fprintf(&b, "`kubectl lbctl loadtest ab` before and after.\n\n")
	fmt.Fprintf(&b, "Next: `kubectl lbctl sandbox up` runs this world with a real kube-apiserver for your own\n")
	fmt.Fprintf(&b, "shell; `kubectl lbctl scan -A` on your cluster shows where you stand.\n")
	return b.String(), nil
}

func round(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

type stats struct {
	lat    []time.Duration
	errors int
	pods   map[string]int
	zones  map[string]int
}

func (s stats) p(q float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	i := int(float64(len(s.lat)-1) * q / 100)
	return s.lat[i]
}

func (s stats) mean() time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	var sum time.Duration
	for _, l := range s.lat {
		sum += l
	}
	return sum / time.Duration(len(s.lat))
}

func (s stats) write(w io.Writer) {
	fmt.Fprintf(w, "  latency  p50 %s   p90 %s   p99 %s   errors %d\n", round(s.p(50)), round(s.p(90)), round(s.p(99)), s.errors)
	names := make([]string, 0, len(s.pods))
	for p := range s.pods {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		fmt.Fprintf(w, "  %-36s %4d requests\n", p, s.pods[p])
	}
}

// measure sends n sequential requests through an ALB by DNS name. (The
// load-test engine measures properly under load; this is the demo's probe.)
func measure(ctx context.Context, sb *sandbox.Sandbox, dns, host string, n int) (stats, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: sb.Dialer(), MaxIdleConnsPerHost: 4}}
	defer c.CloseIdleConnections()
	st := stats{pods: map[string]int{}, zones: map[string]int{}}
	for i := 0; i < n+20; i++ {
		req, err := http.NewRequestWithContext(ctx, "GET", "http://"+dns+"/", nil)
		if err != nil {
			return st, err
		}
		req.Host = host
		t0 := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			st.errors++
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if i < 20 { // warm-up: connections, caches
			continue
		}
		if resp.StatusCode >= 500 {
			st.errors++
		}
		st.lat = append(st.lat, d)
		st.pods[resp.Header.Get(dataplane.PodHeader)]++
		st.zones[resp.Header.Get(dataplane.ZoneHeader)]++
	}
	sort.Slice(st.lat, func(i, j int) bool { return st.lat[i] < st.lat[j] })
	return st, nil
}
