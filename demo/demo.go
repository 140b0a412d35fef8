// Package demo is the story `kubectl lbctl demo` tells in an in-process
// sandbox: the estate as it is, what scan finds, the plan, real traffic
// through the old instance path, the plan carried out by the migration
// executor up to the traffic shift while load runs, both paths' health,
// the old path against the new in an interleaved A/B load test, and the
// old path removed. Each step returns text; the command prints it or shows
// it in the guided TUI.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/health"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/preflight"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/lbctl/world"
	"github.com/lbctl/lbctl/loadtest"
	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
	"github.com/lbctl/lbctl/migrate/scan"
)

// Step is one page of the story.
type Step struct {
	Title string
	// Run computes the page's text (it may take a few seconds: real traffic).
	Run func(ctx context.Context) (string, error)
	// Health, when set, is what a terminal shows live instead of the text
	// once the step ran: the health view over these Ingresses.
	Health *HealthFeed
	// Progress, when set, says how far the step is while it runs.
	Progress func() string
}

// Story holds the running sandbox the steps work on.
type Story struct {
	sb      *sandbox.Sandbox
	started time.Duration
	// Requests is how many requests the old-path run sends, and each side
	// of the A/B test.
	Requests int

	awsCalls atomic.Int64
	elb      *elbv2.Client
	ec2      *ec2.Client
	acm      *acm.Client
	r53      *route53.Client
	iam      *iam.Client
	sts      *sts.Client

	// What the steps hand on: the plan (step 3) the migration runs.
	plan  *plan.Plan
	files map[string][]byte

	mu      sync.Mutex
	running *phaseLog // the migration running now, for Progress
	note    string    // what runs before it
}

// Rates and durations of the story's load tests.
const (
	// oldPathRate paces the run through today's path.
	oldPathRate = 200
	// steadyRate is the load across every app while the migration runs.
	steadyRate = 100
	// abSlot and abDuration shape the A/B test: whole-second slots as
	// `loadtest ab --slot` takes, alternating in pairs.
	abSlot     = time.Second
	abDuration = 6 * time.Second
)

// planOptions are the demo's plan flags: `--steps 50,100 --soak 1s`, so
// the traffic shift fits a demo (the defaults soak 5 minutes per step).
func planOptions() plan.Options {
	return plan.Options{Steps: []int{50, 100}, Soak: time.Second}
}

// planFlags is how planOptions reads on the command line.
const planFlags = "--steps 50,100 --soak 1s"

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
	s := &Story{sb: sb, started: time.Since(t0), Requests: 300}
	cfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDSANDBOX", "sandbox", ""),
		HTTPClient: &http.Client{Transport: countingTransport{base: http.DefaultTransport, n: &s.awsCalls}}}
	s.elb = elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.BaseEndpoint = aws.String(sb.AWSURL) })
	s.ec2 = ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(sb.AWSURL) })
	s.acm = acm.NewFromConfig(cfg, func(o *acm.Options) { o.BaseEndpoint = aws.String(sb.AWSURL) })
	s.r53 = route53.NewFromConfig(cfg, func(o *route53.Options) { o.BaseEndpoint = aws.String(sb.AWSURL) })
	s.iam = iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(sb.AWSURL) })
	s.sts = sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(sb.AWSURL) })
	return s, nil
}

// countingTransport counts the AWS calls the story makes (the health
// view's header shows their rate).
type countingTransport struct {
	base http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// Stop tears the sandbox down.
func (s *Story) Stop() error { return s.sb.Stop() }

// StartupTime is how long the world took to come up.
func (s *Story) StartupTime() time.Duration { return s.started }

// Kube is the sandbox's Kubernetes client (the health view reads pod
// events through it).
func (s *Story) Kube() kubernetes.Interface { return s.sb.Kube }

// Step titles, in order.
const (
	TitleEstate  = "The estate"
	TitleScan    = "scan: what stands between it and shared-ALB ip targets"
	TitlePlan    = "plan: shared groups, ip targets, make before break"
	TitleOldPath = "Traffic through today's path: ALB → NodePort → kube-proxy → pod"
	TitleMigrate = "migrate apply: the new path made beside the old, traffic moved, under load"
	TitleHealth  = "health: both paths' targets, from ALB to pod"
	TitleAB      = "What changed: the old path against the new, interleaved"
	TitleCleanup = "migrate resume: the old path removed"
)

// Steps are the pages, in order.
func (s *Story) Steps() []Step {
	return []Step{
		{Title: TitleEstate, Run: s.estate},
		{Title: TitleScan, Run: s.scan},
		{Title: TitlePlan, Run: s.planStep},
		{Title: TitleOldPath, Run: s.oldPath},
		{Title: TitleMigrate, Run: s.migrate, Progress: s.progress},
		{Title: TitleHealth, Run: s.health, Health: s.healthFeed()},
		{Title: TitleAB, Run: s.compare},
		{Title: TitleCleanup, Run: s.cleanup, Progress: s.progress},
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

// topology reads the world as `scan -A` does (and, for plan, as `plan -A`
// does: the nodes' instances, the security groups and the hosted zones
// too), through the same reader: Kubernetes through the API, AWS through
// the SDK against the sandbox's endpoint.
func (s *Story) topology(ctx context.Context, forPlan bool) (*topology.Topology, error) {
	c := world.Clients{
		Kube:    func() (kubernetes.Interface, error) { return s.sb.Kube, nil },
		Dynamic: func() (dynamic.Interface, error) { return s.sb.Dynamic, nil },
		AWS: func(context.Context) (*world.AWS, error) {
			return &world.AWS{Region: sandbox.Region, ELB: s.elb, EC2: s.ec2, ACM: s.acm, Route53: s.r53}, nil
		},
	}
	return world.Read(ctx, c, world.Scope{AllNamespaces: true}, world.Options{Cluster: sandbox.ClusterName, Network: forPlan})
}

func (s *Story) scan(ctx context.Context) (string, error) {
	t, err := s.topology(ctx, false)
	if err != nil {
		return "", err
	}
	rep := scan.Build(t, scan.Options{Limits: lbc.LimitsFromAWS(t.AWS.Limits)})
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ %s scan -A\n\n", buildinfo.Command())
	if err := scan.WriteTable(&b, rep, scan.TableOptions{}); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (s *Story) planStep(ctx context.Context) (string, error) {
	t, err := s.topology(ctx, true)
	if err != nil {
		return "", err
	}
	opts := planOptions()
	if opts.Live, err = preflight.Gather(ctx, preflight.GatherOptions{Kube: s.sb.Kube, JournalNamespace: apply.DefaultJournalNamespace, STS: s.sts, IAM: s.iam}); err != nil {
		return "", err
	}
	p := plan.Build(t, opts)
	s.plan, s.files = p, map[string][]byte{}
	for _, f := range p.Files() {
		s.files[f.Path] = f.Data
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ %s plan -A %s --out-dir ./migration\n\n", buildinfo.Command(), planFlags)
	if err := plan.WriteTable(&b, p, plan.TableOptions{}); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\n(--steps and --soak keep the traffic shift short for the demo: by default it moves 10%%, 50%%\n")
	fmt.Fprintf(&b, "and 100%% and soaks %s after each.) The plan is %d manifests and plan.json (id %s);\n", plan.DefaultSoak, len(s.files), apply.PlanID(p))
	fmt.Fprintf(&b, "the next steps measure today's path, then `%s migrate apply` carries this plan out.\n", buildinfo.Command())
	return b.String(), nil
}

// HealthFeed is what the health view of a step shows: the story's
// Ingresses, as `kubectl lbctl health` reads them.
type HealthFeed struct {
	// Snapshot reads the topology and builds the health snapshot.
	Snapshot func(ctx context.Context) (health.Snapshot, error)
	// Calls is how many AWS calls the story has made so far.
	Calls func() int
	// Cluster and Region head the view.
	Cluster, Region string
}

// storefront selects the Ingresses of the app the story follows: the old
// one and its ip-mode copy.
func storefront(in *topology.Ingress) bool {
	return in.Object.Namespace == "team-a" && strings.HasPrefix(in.Object.Name, "storefront")
}

func (s *Story) healthFeed() *HealthFeed {
	return &HealthFeed{
		Snapshot: func(ctx context.Context) (health.Snapshot, error) {
			t, err := s.topology(ctx, false)
			if err != nil {
				return health.Snapshot{}, err
			}
			return health.Build(t, time.Now(), storefront), nil
		},
		Calls:   func() int { return int(s.awsCalls.Load()) },
		Cluster: sandbox.ClusterName, Region: sandbox.Region,
	}
}

// health shows storefront's targets as `kubectl lbctl health -o wide`
// does: the old instance targets on the nodes, the new ip targets joined
// to their pods and readiness gates.
func (s *Story) health(ctx context.Context) (string, error) {
	snap, err := s.healthFeed().Snapshot(ctx)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "$ %s health storefront storefront-ip -n team-a\n\n", buildinfo.Command())
	if err := health.WriteTable(&b, snap, false, false); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\nBoth paths stand: the old target group registers the three nodes on the NodePort, the new\n")
	fmt.Fprintf(&b, "one the pods themselves. The pods were restarted after the new TargetGroupBindings existed,\n")
	fmt.Fprintf(&b, "so each carries a readiness gate the controller sets True only once its target is healthy:\n")
	fmt.Fprintf(&b, "a rollout now waits for the ALB, not just for the container.\n")
	fmt.Fprintf(&b, "On a terminal, this step is the live view `%s health -A` opens.\n", buildinfo.Command())
	return b.String(), nil
}

// fmtMs is a duration in milliseconds with two decimals.
func fmtMs(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

// attack runs a load test through the sandbox's resolver, as
// `kubectl lbctl loadtest` would with the sandbox's LBCTL_RESOLVE.
func (s *Story) attack(ctx context.Context, o loadtest.Options) ([]*loadtest.Run, error) {
	o.Dial = s.sb.Dialer()
	o.Transport.Timeout = 5 * time.Second
	return loadtest.Attack(ctx, o)
}
