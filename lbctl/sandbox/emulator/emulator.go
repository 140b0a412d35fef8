// Package emulator reconciles ALB-class Ingresses the way the AWS Load
// Balancer Controller does — ALBs, listeners, rules, target groups,
// TargetGroupBindings, target registration, readiness gates and Ingress
// status — into the sandbox's AWS endpoint state and its data plane. Every
// name, default, tag and conflict comes from lbctl/lbc, the same package the
// planner predicts with, so prediction and emulation cannot drift apart.
package emulator

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
)

// Options configure the emulator.
type Options struct {
	// Defaults are the controller's flags (--cluster-name, default target type, …).
	Defaults lbc.Defaults
	// ALBAddressBase is the first three octets of ALB addresses ("127.30.0").
	ALBAddressBase string
	// PortOffset is added to listener ports when binding (non-root users
	// cannot bind 80 and 443); 0 binds the real port.
	PortOffset int
	// TimeScale shortens health-check intervals and deregistration delays
	// in the data plane (AWS-faithful values are still what AWS reports):
	// 0.1 runs a 15 s interval every 1.5 s. Default 1.
	TimeScale float64
	// ReconcileDelay is how long after a change the controller acts on it:
	// the real one batches events and makes several AWS calls before a rule
	// or target changes, so for a while the ALB still routes as before.
	// Default 2 s, scaled by TimeScale.
	ReconcileDelay time.Duration
	// VpcID and Subnets (zone → subnet ID) place the ALBs.
	VpcID   string
	Subnets map[string]string
	// Loopback maps a pod or node address to the loopback address its
	// servers listen on (identity when nil).
	Loopback func(ip string) string
	Logf     func(format string, args ...any)
}

// Emulator is the controller.
type Emulator struct {
	kc    kubernetes.Interface
	dc    dynamic.Interface
	state *awsendpoint.State
	namer *awsendpoint.Namer
	plane *dataplane.Plane
	o     Options

	mu      sync.Mutex
	lbs     map[string]*lbModel // by stack tag
	tgs     map[string]*tgModel // by target group name
	nextIP  int
	wake    chan struct{}
	listers listers
	events  map[string]string // ingress key → last event message
	healthy map[string]bool   // tgARN|targetID → healthy, for readiness gates
}

type listers struct {
	objs func() *kube.Objects
}

// New returns an emulator writing to state and driving plane.
func New(kc kubernetes.Interface, dc dynamic.Interface, state *awsendpoint.State, namer *awsendpoint.Namer, plane *dataplane.Plane, o Options) *Emulator {
	if o.ALBAddressBase == "" {
		o.ALBAddressBase = "127.30.0"
	}
	if o.TimeScale == 0 {
		o.TimeScale = 1
	}
	if o.Loopback == nil {
		o.Loopback = func(ip string) string { return ip }
	}
	if o.ReconcileDelay == 0 {
		o.ReconcileDelay = time.Duration(float64(2*time.Second) * o.TimeScale)
	}
	if o.Defaults.ClusterName == "" {
		o.Defaults.ClusterName = "sandbox"
	}
	return &Emulator{kc: kc, dc: dc, state: state, namer: namer, plane: plane, o: o,
		lbs: map[string]*lbModel{}, tgs: map[string]*tgModel{}, wake: make(chan struct{}, 1),
		events: map[string]string{}, healthy: map[string]bool{}}
}

func (e *Emulator) logf(format string, args ...any) {
	if e.o.Logf != nil {
		e.o.Logf(format, args...)
	}
}

// Poke asks for a reconcile soon (coalesced).
func (e *Emulator) Poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run watches the cluster and reconciles until ctx ends.
func (e *Emulator) Run(ctx context.Context) error {
	f := informers.NewSharedInformerFactory(e.kc, 0)
	ing := f.Networking().V1().Ingresses()
	cls := f.Networking().V1().IngressClasses()
	svc := f.Core().V1().Services()
	eps := f.Discovery().V1().EndpointSlices()
	pods := f.Core().V1().Pods()
	nodes := f.Core().V1().Nodes()
	nss := f.Core().V1().Namespaces()
	df := dynamicinformer.NewDynamicSharedInformerFactory(e.dc, 0)
	params := df.ForResource(v1beta1.IngressClassParamsResource)
	tgbs := df.ForResource(v1beta1.TargetGroupBindingsResource)
	h := cache.ResourceEventHandlerFuncs{AddFunc: func(any) { e.Poke() }, UpdateFunc: func(any, any) { e.Poke() }, DeleteFunc: func(any) { e.Poke() }}
	for _, inf := range []cache.SharedIndexInformer{ing.Informer(), cls.Informer(), svc.Informer(), eps.Informer(), pods.Informer(), nodes.Informer(), nss.Informer(), params.Informer()} {
		if _, err := inf.AddEventHandler(h); err != nil {
			return err
		}
	}
	_ = tgbs.Informer()
	f.Start(ctx.Done())
	df.Start(ctx.Done())
	for t, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("sync %v informer", t)
		}
	}
	for t, ok := range df.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("sync %v informer", t)
		}
	}
	e.listers.objs = func() *kube.Objects {
		o := &kube.Objects{}
		if l, err := ing.Lister().List(labels.Everything()); err == nil {
			for _, x := range l {
				o.Ingresses = append(o.Ingresses, *x)
			}
		}
		if l, err := cls.Lister().List(labels.Everything()); err == nil {
			for _, x := range l {
				o.IngressClasses = append(o.IngressClasses, *x)
			}
		}
		if l, err := svc.Lister().List(labels.Everything()); err == nil {
			for _, x := range l {
				o.Services = append(o.Services, *x)
			}
		}
		if l, err := eps.Lister().List(labels.Everything()); err == nil {
			for _, x := range l {
				o.EndpointSlices = append(o.EndpointSlices, *x)
			}
		}
		if l, err := pods.Lister().List(labels.Everything()); err == nil {
			for _, x := range l {
				o.Pods = append(o.Pods, *x)
			}
		}
		if l, err := nodes.Lister().List(labels.Everything()); err == nil {
			for _, x := range l {
				o.Nodes = append(o.Nodes, *x)
			}
		}
		if l, err := nss.Lister().List(labels.Everything()); err == nil {
			for _, x := range l {
				o.Namespaces = append(o.Namespaces, *x)
			}
		}
		for _, x := range listUnstructured(params.Lister()) {
			var p v1beta1.IngressClassParams
			if fromUnstructured(x, &p) == nil {
				o.IngressClassParams = append(o.IngressClassParams, p)
			}
		}
		for _, x := range listUnstructured(tgbs.Lister()) {
			var b v1beta1.TargetGroupBinding
			if fromUnstructured(x, &b) == nil {
				o.TargetGroupBindings = append(o.TargetGroupBindings, b)
			}
		}
		o.Sort()
		return o
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if err := e.Reconcile(ctx); err != nil && ctx.Err() == nil {
			e.logf("controller: %v", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-e.wake:
			// Coalesce bursts of events into one pass, as late as the
			// controller would act.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(max(20*time.Millisecond, e.o.ReconcileDelay)):
			}
		case <-tick.C:
		}
	}
}

func listUnstructured(l cache.GenericLister) []runtime.Object {
	out, _ := l.List(labels.Everything())
	return out
}

func fromUnstructured(obj runtime.Object, into any) error {
	u, ok := obj.(interface{ UnstructuredContent() map[string]any })
	if !ok {
		return fmt.Errorf("not unstructured: %T", obj)
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.UnstructuredContent(), into)
}

// LoadBalancer is what the sandbox publishes about an ALB it runs.
type LoadBalancer struct {
	Name    string
	DNSName string
	IP      string
	Scheme  string
	Stack   string
	// Ports maps listener ports to the local ports bound.
	Ports map[int]int
}

// LoadBalancers lists the running ALBs by name.
func (e *Emulator) LoadBalancers() []LoadBalancer {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []LoadBalancer
	for stack, lb := range e.lbs {
		l := LoadBalancer{Name: lb.name, DNSName: lb.dns, IP: lb.ip, Scheme: lb.scheme, Stack: stack, Ports: map[int]int{}}
		for port := range lb.listeners {
			l.Ports[int(port)] = int(port) + e.o.PortOffset
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
