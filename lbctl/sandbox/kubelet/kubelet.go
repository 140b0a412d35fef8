// Package kubelet plays the parts of a cluster the sandbox has no binaries
// for: the scheduler and kubelet of its virtual nodes (pods get loopback IPs
// and a real HTTP server each, readiness follows readiness gates, deletion
// honours preStop sleeps and grace periods), the Deployment controller (with
// one-by-one rolling restarts), the EndpointSlice controller and kube-proxy
// (a NodePort forwarder per node and port). It works against any
// kubernetes.Interface: a real API server or the demo's in-process one.
package kubelet

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

// Node is a virtual node.
type Node struct {
	Name string
	Zone string
	// IP is the node's VPC address as Kubernetes and AWS see it; its
	// servers listen on Loopback(IP).
	IP         string
	InstanceID string
}

// Options configure the kubelet.
type Options struct {
	Nodes []Node
	// CrossZoneLatency is the extra latency of a NodePort hop into another zone.
	CrossZoneLatency time.Duration
	// SameZoneLatency is the extra latency of a NodePort hop within a zone.
	SameZoneLatency time.Duration
	// Octet is the second octet of the loopback addresses pods and nodes
	// listen on (127.Octet.A.B); default 10.
	Octet int
	// StartupDelay is how long a new container takes to become ready.
	StartupDelay time.Duration
	// TimeScale compresses preStop sleeps and termination grace periods as
	// the data plane compresses health-check intervals and deregistration
	// delays, so their ratios stay as on a real cluster. Default 1.
	TimeScale float64
	// Binaries are the local executables of container images (repository
	// without tag → path): pods of these images run as processes.
	Binaries map[string]string
	// ProcessEnv is added to every process pod's environment (what the
	// cluster's DNS would give it: the sandbox's resolve file).
	ProcessEnv []string
	// KubeletPort is the port of the nodes' kubelet API (container logs),
	// on each node's loopback address; 0 for 10250, -1 for none.
	KubeletPort int
	// Logf logs what the kubelet does (nil: quiet).
	Logf func(format string, args ...any)
}

// LoopbackMap maps a VPC address of the sandbox (10.0.A.B, what Kubernetes
// and AWS see: the API server refuses loopback addresses in EndpointSlices)
// to the loopback address its server listens on (127.S.A.B, S the
// sandbox's own octet, so several sandboxes can run side by side).
func LoopbackMap(octet int) func(ip string) string {
	prefix := fmt.Sprintf("127.%d.", octet)
	return func(ip string) string {
		if rest, ok := strings.CutPrefix(ip, "10.0."); ok {
			return prefix + rest
		}
		return ip
	}
}

// DefaultNodes are three nodes in three zones.
func DefaultNodes() []Node {
	return []Node{
		{Name: "ip-10-0-1-10.us-west-2.compute.internal", Zone: "us-west-2a", IP: "10.0.1.10", InstanceID: "i-0a1b2c3d4e5f60001"},
		{Name: "ip-10-0-2-10.us-west-2.compute.internal", Zone: "us-west-2b", IP: "10.0.2.10", InstanceID: "i-0a1b2c3d4e5f60002"},
		{Name: "ip-10-0-3-10.us-west-2.compute.internal", Zone: "us-west-2c", IP: "10.0.3.10", InstanceID: "i-0a1b2c3d4e5f60003"},
	}
}

// Kubelet runs the virtual nodes.
type Kubelet struct {
	kc   kubernetes.Interface
	dyn  dynamic.Interface
	opts Options

	pods       corelisters.PodLister
	services   corelisters.ServiceLister
	namespaces corelisters.NamespaceLister
	deploys    appslisters.DeploymentLister
	slices     discoverylisters.EndpointSliceLister
	jobs       batchlisters.JobLister

	mu        sync.Mutex
	running   map[string]*podRuntime // by namespace/name
	logs      map[string]*logBuffer  // process pods' logs, by namespace/name
	jobPods   map[string]jobPod      // Job pods created, not yet seen (by namespace/name)
	nodePorts map[string]*dataplane.NodePort
	nextIP    map[string]int    // per zone
	usedIPs   map[string]string // ip → pod key
	loopback  func(string) string
	nextNode  int
	wake      chan struct{}
}

// New returns a kubelet over the client.
func New(kc kubernetes.Interface, o Options) *Kubelet {
	if len(o.Nodes) == 0 {
		o.Nodes = DefaultNodes()
	}
	if o.CrossZoneLatency == 0 {
		o.CrossZoneLatency = time.Millisecond
	}
	if o.Octet == 0 {
		o.Octet = 10
	}
	if o.StartupDelay == 0 {
		o.StartupDelay = 300 * time.Millisecond
	}
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	return &Kubelet{kc: kc, opts: o, loopback: LoopbackMap(o.Octet), running: map[string]*podRuntime{}, logs: map[string]*logBuffer{}, jobPods: map[string]jobPod{}, nodePorts: map[string]*dataplane.NodePort{},
		usedIPs: map[string]string{}, nextIP: map[string]int{}, wake: make(chan struct{}, 1)}
}

func (k *Kubelet) logf(format string, args ...any) {
	if k.opts.Logf != nil {
		k.opts.Logf(format, args...)
	}
}

// Run registers the nodes, starts informers and reconciles until ctx ends;
// then it stops every pod server and forwarder.
func (k *Kubelet) Run(ctx context.Context) error {
	if err := k.serveAPI(ctx); err != nil {
		return err
	}
	if err := k.registerNodes(ctx); err != nil {
		return err
	}
	f := informers.NewSharedInformerFactory(k.kc, 0)
	k.pods = f.Core().V1().Pods().Lister()
	k.services = f.Core().V1().Services().Lister()
	k.namespaces = f.Core().V1().Namespaces().Lister()
	k.deploys = f.Apps().V1().Deployments().Lister()
	k.slices = f.Discovery().V1().EndpointSlices().Lister()
	k.jobs = f.Batch().V1().Jobs().Lister()
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { k.Poke() },
		UpdateFunc: func(any, any) { k.Poke() },
		DeleteFunc: func(any) { k.Poke() },
	}
	for _, inf := range []cache.SharedIndexInformer{
		f.Core().V1().Pods().Informer(), f.Core().V1().Services().Informer(), f.Core().V1().Namespaces().Informer(),
		f.Apps().V1().Deployments().Informer(), f.Discovery().V1().EndpointSlices().Informer(), f.Batch().V1().Jobs().Informer(),
	} {
		if _, err := inf.AddEventHandler(h); err != nil {
			return err
		}
	}
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("sync %v informer", typ)
		}
	}
	defer k.shutdown()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := k.sync(ctx); err != nil && ctx.Err() == nil {
			k.logf("kubelet: %v", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-k.wake:
		case <-tick.C:
		}
	}
}

// Poke asks for a reconcile soon (coalesced).
func (k *Kubelet) Poke() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

func (k *Kubelet) sync(ctx context.Context) error {
	var errs []error
	if err := k.syncDeployments(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := k.syncJobs(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := k.syncPods(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := k.syncEndpointSlices(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := k.syncNodePorts(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func (k *Kubelet) shutdown() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for key, rt := range k.running {
		rt.stop()
		delete(k.running, key)
	}
	for key, np := range k.nodePorts {
		np.Close()
		delete(k.nodePorts, key)
	}
}

// PodServer returns the running server of a pod (tests and the demo use it to
// make a pod slow or unhealthy).
func (k *Kubelet) PodServer(namespace, name string) *dataplane.Pod {
	k.mu.Lock()
	defer k.mu.Unlock()
	if rt := k.running[namespace+"/"+name]; rt != nil {
		return rt.server
	}
	return nil
}

func (k *Kubelet) node(name string) *Node {
	for i := range k.opts.Nodes {
		if k.opts.Nodes[i].Name == name {
			return &k.opts.Nodes[i]
		}
	}
	return nil
}
