// Package sandbox assembles the local world lbctl's demo, end-to-end tests
// and benchmarks run in: a Kubernetes API (a real kube-apiserver + etcd, or
// in-process fake clients for the zero-install demo), the kubelet and
// kube-proxy of three virtual nodes, the controller emulator, the AWS
// endpoint the real SDK talks to, and a data plane carrying real HTTP traffic
// on loopback addresses.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/localapi"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
	"github.com/lbctl/lbctl/lbctl/sandbox/emulator"
	"github.com/lbctl/lbctl/lbctl/sandbox/kubelet"
	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
)

// Region, account and cluster name of the sandbox world.
const (
	Region      = "us-west-2"
	AccountID   = "123456789012"
	ClusterName = "sandbox"
)

// Options configure a sandbox.
type Options struct {
	// Scenario names the world to load ("default", "large", or none when "-").
	Scenario string
	// Dir receives the kubeconfig and env file (none written when empty).
	Dir string
	// InProcess uses in-process fake clients instead of a kube-apiserver
	// (the demo): no install needed, no kubeconfig for other processes.
	InProcess bool
	// PortOffset is added to ALB listener ports when binding; -1 picks 0 for
	// root and 10000 otherwise.
	PortOffset int
	// TimeScale shortens health-check intervals and deregistration delays
	// (0.1 by default: a 15 s interval runs every 1.5 s).
	TimeScale float64
	// CrossZoneLatency is the extra latency of a cross-zone NodePort hop
	// (1 ms by default).
	CrossZoneLatency time.Duration
	// Binaries are local executables for container images (repository →
	// path): pods of these images run as processes on the virtual nodes.
	// By default lbctl's image runs this executable when it is
	// kubectl-lbctl (so `loadtest run --workers` works in `sandbox up`).
	Binaries map[string]string
	// Logf receives what the components do (nil: quiet).
	Logf func(format string, args ...any)
}

// Sandbox is a running local world.
type Sandbox struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	Config  *rest.Config // nil in-process
	AWS     *awsendpoint.Handler
	AWSURL  string
	// ControllerRoleARN is the IAM role the controller's ServiceAccount
	// names (IRSA).
	ControllerRoleARN string
	Plane             *dataplane.Plane
	Kubelet           *kubelet.Kubelet
	Emulator          *emulator.Emulator
	// Kubeconfig and EnvFile are the files written into Options.Dir.
	Kubeconfig, EnvFile string
	// AssetsDir holds kube-apiserver, etcd and kubectl (empty in-process).
	AssetsDir string
	opts      Options

	// Octet is the sandbox's own second loopback octet: pods and nodes
	// listen on 127.Octet.A.B, ALBs on 127.Octet.200.N.
	Octet int

	api    *localapi.Server
	awsSrv *awsendpoint.Server
	lock   net.Listener
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errMu  sync.Mutex
	errs   []error
}

// Start brings the world up and loads the scenario; it returns once the
// components run (WaitReady waits for the scenario to settle).
func Start(ctx context.Context, o Options) (s *Sandbox, err error) {
	if o.Scenario == "" {
		o.Scenario = "default"
	}
	if o.TimeScale == 0 {
		o.TimeScale = 0.1
	}
	if o.PortOffset < 0 {
		o.PortOffset = 0
		if os.Geteuid() != 0 {
			o.PortOffset = 10000
		}
	}
	var objs *kube.Objects
	if o.Scenario != "-" {
		if objs, err = scenarios.Load(o.Scenario); err != nil {
			return nil, err
		}
	}
	started := &Sandbox{opts: o}
	s = started
	defer func() {
		// The returns below set s to nil: stop what was started.
		if err != nil {
			started.Stop()
		}
	}()
	if o.InProcess {
		s.Kube, s.Dynamic = fakeClients()
	} else {
		api, err := localapi.Start(localapi.Options{})
		if err != nil {
			if errors.Is(err, localapi.ErrNoAssets) {
				return nil, exitcode.New(exitcode.Unreachable, err.Error(), "or use `"+buildinfo.Command()+" demo`, which needs no install", err)
			}
			return nil, err
		}
		s.api, s.Config, s.AssetsDir = api, api.Config, api.AssetsDir
		if s.Kube, err = kubernetes.NewForConfig(api.Config); err != nil {
			return nil, err
		}
		if s.Dynamic, err = dynamic.NewForConfig(api.Config); err != nil {
			return nil, err
		}
	}

	// AWS: one VPC with a private subnet per zone, served on loopback.
	state := awsendpoint.NewState()
	namer := awsendpoint.NewNamer(Region, AccountID, 42)
	vpc := namer.VpcID()
	subnets := map[string]string{}
	nodes := kubelet.DefaultNodes()
	for i, n := range nodes {
		id := namer.SubnetID()
		subnets[n.Zone] = id
		if err := state.PutSubnet(ec2types.Subnet{SubnetId: aws.String(id), AvailabilityZone: aws.String(n.Zone), VpcId: aws.String(vpc),
			CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/24", i+1)), AvailableIpAddressCount: aws.Int32(240),
			Tags: []ec2types.Tag{{Key: aws.String("kubernetes.io/role/elb"), Value: aws.String("1")}, {Key: aws.String("kubernetes.io/role/internal-elb"), Value: aws.String("1")}, {Key: aws.String("kubernetes.io/cluster/" + ClusterName), Value: aws.String("shared")}}}); err != nil {
			return nil, err
		}
	}
	if err := putNetwork(state, vpc, subnets, nodes); err != nil {
		return nil, err
	}
	// ACM: a wildcard certificate per team domain of the scenarios, for the
	// controller's discovery by host (HTTPS without certificate-arn).
	for i, domain := range []string{"*.team-a.example.com", "*.team-b.example.com"} {
		if err := state.PutCertificate(acmtypes.CertificateDetail{CertificateArn: aws.String(awsendpoint.CertificateARN(Region, AccountID, i+1)),
			DomainName: aws.String(domain), Status: acmtypes.CertificateStatusIssued, Type: acmtypes.CertificateTypeAmazonIssued}); err != nil {
			return nil, err
		}
	}
	s.AWS = awsendpoint.NewHandler(state, awsendpoint.Options{})
	s.ControllerRoleARN = state.PutRole("/", ClusterName+"-aws-load-balancer-controller")
	// The controller's role is also associated by EKS Pod Identity (its
	// ServiceAccount's IRSA annotation names the same role), so the Pod
	// Identity reads have something to find.
	state.PutPodIdentityAssociation(awsendpoint.PodIdentityAssociation{Cluster: ClusterName, Namespace: controllerNamespace,
		ServiceAccount: lbc.ControllerNameLabel, RoleARN: s.ControllerRoleARN})
	if s.awsSrv, err = awsendpoint.Start("127.0.0.1:0", s.AWS); err != nil {
		return nil, exitcode.New(exitcode.Unreachable, "cannot start the sandbox AWS endpoint: "+err.Error(), "", err)
	}
	s.AWSURL = s.awsSrv.URL

	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	var em *emulator.Emulator
	s.Plane = dataplane.New(dataplane.Options{OnHealth: func(dataplane.HealthEvent) {
		if em != nil {
			em.Poke()
		}
	}, Logf: o.Logf})
	octet, lock, err := claimOctet()
	if err != nil {
		return nil, err
	}
	s.lock = lock
	s.Octet = octet
	ko := kubelet.Options{Nodes: nodes, Octet: octet, CrossZoneLatency: o.CrossZoneLatency, TimeScale: o.TimeScale, Logf: o.Logf,
		Binaries: o.Binaries}
	if ko.Binaries == nil {
		ko.Binaries = defaultBinaries()
	}
	if o.InProcess {
		ko.KubeletPort = -1 // no API server to ask for logs
	}
	if f := s.ResolveFile(); f != "" {
		ko.ProcessEnv = append(ko.ProcessEnv, "LBCTL_RESOLVE_FILE="+f) // the cluster DNS of process pods
	}
	s.Kubelet = kubelet.New(s.Kube, ko).WithDynamic(s.Dynamic)
	d, err := lbc.ApplyControllerArgs(lbc.DefaultDefaults(), ControllerArgs())
	if err != nil {
		return nil, err
	}
	em = emulator.New(s.Kube, s.Dynamic, state, namer, s.Plane, emulator.Options{Defaults: d, PortOffset: o.PortOffset,
		TimeScale: o.TimeScale, VpcID: vpc, Subnets: subnets, Loopback: kubelet.LoopbackMap(octet),
		ALBAddressBase: fmt.Sprintf("127.%d.200", octet), Logf: o.Logf})
	s.Emulator = em
	s.run(runCtx, "kubelet", s.Kubelet.Run)
	if err := s.waitNodes(ctx, len(nodes)); err != nil {
		return nil, err
	}
	s.run(runCtx, "controller", em.Run)
	if err := installController(ctx, s.Kube, s.ControllerRoleARN); err != nil {
		return nil, err
	}

	if objs != nil {
		if err := kube.Create(ctx, s.Kube, s.Dynamic, objs); err != nil {
			return nil, fmt.Errorf("load scenario %s: %w", o.Scenario, err)
		}
	}
	if o.Dir != "" {
		if err := s.writeFiles(); err != nil {
			return nil, err
		}
	}
	if o.Dir != "" {
		s.run(runCtx, "resolve-file", s.keepResolveFile)
	}
	return s, nil
}

func (s *Sandbox) run(ctx context.Context, name string, fn func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			s.errMu.Lock()
			s.errs = append(s.errs, fmt.Errorf("%s: %w", name, err))
			s.errMu.Unlock()
		}
	}()
}

func (s *Sandbox) waitNodes(ctx context.Context, n int) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if err := s.Err(); err != nil {
			return err
		}
		if l, err := s.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil && len(l.Items) >= n {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("sandbox nodes did not register")
}

// Err reports a component that stopped with an error.
func (s *Sandbox) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return errors.Join(s.errs...)
}

// WaitReady waits until every Deployment is ready, every ALB Ingress has an
// address, and every registered target is healthy.
func (s *Sandbox) WaitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last string
	for {
		why, err := s.notReady(ctx)
		if err == nil && why == "" {
			return nil
		}
		if err != nil && ctx.Err() == nil {
			why = err.Error()
		}
		if why != "" {
			last = why
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sandbox not ready after %s: %s", timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
		if err := s.Err(); err != nil {
			return err
		}
	}
}

func (s *Sandbox) notReady(ctx context.Context) (string, error) {
	deps, err := s.Kube.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	for _, d := range deps.Items {
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		if d.Status.ReadyReplicas < want || d.Status.UpdatedReplicas < want || d.Status.Replicas != want {
			return fmt.Sprintf("deployment %s/%s has %d/%d ready", d.Namespace, d.Name, d.Status.ReadyReplicas, want), nil
		}
	}
	ings, err := s.Kube.NetworkingV1().Ingresses("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	for _, in := range ings.Items {
		if in.Spec.IngressClassName != nil && *in.Spec.IngressClassName == "alb" && len(in.Status.LoadBalancer.Ingress) == 0 {
			return fmt.Sprintf("ingress %s/%s has no address", in.Namespace, in.Name), nil
		}
	}
	snap := s.AWS.State().Snapshot()
	for _, tg := range snap.TargetGroups {
		th := snap.TargetHealth[aws.ToString(tg.TargetGroupArn)]
		if len(th) == 0 {
			return "target group " + aws.ToString(tg.TargetGroupName) + " has no targets", nil
		}
		for _, t := range th {
			if t.TargetHealth.State != elbv2types.TargetHealthStateEnumHealthy {
				return fmt.Sprintf("target %s of %s is %s", aws.ToString(t.Target.Id), aws.ToString(tg.TargetGroupName), t.TargetHealth.State), nil
			}
		}
	}
	return "", nil
}

// Resolve returns resolver entries for every ALB, in lbctl's --resolve
// form HOST:PORT:ADDR[:BINDPORT] (curl's, plus the local port when it
// differs).
func (s *Sandbox) Resolve() []string {
	var out []string
	for _, lb := range s.Emulator.LoadBalancers() {
		ports := make([]int, 0, len(lb.Ports))
		for p := range lb.Ports {
			ports = append(ports, p)
		}
		sort.Ints(ports)
		for _, p := range ports {
			e := fmt.Sprintf("%s:%d:%s", lb.DNSName, p, lb.IP)
			if lb.Ports[p] != p {
				e += fmt.Sprintf(":%d", lb.Ports[p])
			}
			out = append(out, e)
		}
	}
	return out
}

// ResolveFile is the file, in Options.Dir, that always holds the current
// resolver entries (LBCTL_RESOLVE's form): ALBs made after the env file was
// sourced are in it too.
func (s *Sandbox) ResolveFile() string {
	if s.opts.Dir == "" {
		return ""
	}
	return filepath.Join(s.opts.Dir, "resolve")
}

// keepResolveFile rewrites ResolveFile whenever the ALBs change.
func (s *Sandbox) keepResolveFile(ctx context.Context) error {
	last := "\x00"
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if cur := strings.Join(s.Resolve(), ","); cur != last {
			if err := writeAtomic(s.ResolveFile(), []byte(cur+"\n")); err != nil {
				return err
			}
			last = cur
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Env is what another shell needs to reach the sandbox.
func (s *Sandbox) Env() [][2]string {
	env := [][2]string{
		{"AWS_ENDPOINT_URL", s.AWSURL}, {"AWS_REGION", Region},
		{"AWS_ACCESS_KEY_ID", "AKIDSANDBOX"}, {"AWS_SECRET_ACCESS_KEY", "sandbox"},
		{"AWS_EC2_METADATA_DISABLED", "true"},
		{"LBCTL_CLUSTER_NAME", ClusterName},
		{"LBCTL_RESOLVE", strings.Join(s.Resolve(), ",")},
	}
	if f := s.ResolveFile(); f != "" {
		env = append(env, [2]string{"LBCTL_RESOLVE_FILE", f})
	}
	if s.Kubeconfig != "" {
		env = append([][2]string{{"KUBECONFIG", s.Kubeconfig}}, env...)
	}
	return env
}

// writeFiles writes the kubeconfig and the env file other shells source.
func (s *Sandbox) writeFiles() error {
	if err := os.MkdirAll(s.opts.Dir, 0o700); err != nil {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("cannot create sandbox dir %s: %v", s.opts.Dir, err), "pass another --dir", err)
	}
	if s.api != nil {
		s.Kubeconfig = filepath.Join(s.opts.Dir, "kubeconfig")
		if err := writeAtomic(s.Kubeconfig, s.api.Kubeconfig); err != nil {
			return err
		}
	}
	return s.WriteEnvFile()
}

// WriteEnvFile (re)writes DIR/env: ALB names appear as the controller
// creates them, so the sandbox rewrites it when they change.
func (s *Sandbox) WriteEnvFile() error {
	if s.opts.Dir == "" {
		return nil
	}
	s.EnvFile = filepath.Join(s.opts.Dir, "env")
	var b strings.Builder
	b.WriteString("# lbctl sandbox: source this file to point kubectl, the AWS SDK and lbctl at the sandbox\n")
	for _, kv := range s.Env() {
		fmt.Fprintf(&b, "export %s=%q\n", kv[0], kv[1])
	}
	return writeAtomic(s.EnvFile, []byte(b.String()))
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// Dialer returns a dialer that reaches ALBs by DNS name (the resolver
// override), for in-process clients such as the demo's load.
func (s *Sandbox) Dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.Plane.DialContext
}

// AddUser provisions a user of the sandbox's API server with the given
// groups and no RBAC binding, and returns its kubeconfig: tests see what a
// user without lbctl's role is told.
func (s *Sandbox) AddUser(name string, groups ...string) ([]byte, error) {
	if s.api == nil {
		return nil, errors.New("an in-process sandbox has no users")
	}
	_, kc, err := s.api.AddUser(name, groups...)
	return kc, err
}

// Stop stops every component and removes what the sandbox made.
func (s *Sandbox) Stop() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	var errs []error
	if s.Plane != nil {
		errs = append(errs, s.Plane.Close())
	}
	if s.awsSrv != nil {
		errs = append(errs, s.awsSrv.Close())
	}
	if s.api != nil {
		errs = append(errs, s.api.Stop())
	}
	if s.lock != nil {
		s.lock.Close()
	}
	return errors.Join(errs...)
}

// LbctlImage is the repository of lbctl's image.
const LbctlImage = "ghcr.io/lbctl/lbctl"

// defaultBinaries maps lbctl's image to this executable when it is
// kubectl-lbctl.
func defaultBinaries() map[string]string {
	exe, err := os.Executable()
	if err != nil || !strings.HasPrefix(filepath.Base(exe), "kubectl-lbctl") {
		return nil
	}
	return map[string]string{LbctlImage: exe}
}

// lockPort is the port whose listener on 127.S.255.254 marks octet S as
// taken by a running sandbox (any process): the lock lives as long as the
// sandbox and vanishes with it, even after a crash.
const lockPort = 47001

// claimOctet picks a free second loopback octet for this sandbox, starting
// from 10 (the one a lone sandbox gets, so addresses are predictable) and
// taking the next free one when other sandboxes (tests in parallel, another
// --dir) already run.
func claimOctet() (int, net.Listener, error) {
	for octet := 10; octet < 250; octet += 3 {
		l, err := net.Listen("tcp", fmt.Sprintf("127.%d.255.254:%d", octet, lockPort))
		if err == nil {
			return octet, l, nil
		}
	}
	return 0, nil, exitcode.New(exitcode.Unreachable, "no free loopback range for another sandbox", "stop other sandboxes ("+buildinfo.Command()+" sandbox down)", exitcode.ErrUnreachable)
}
