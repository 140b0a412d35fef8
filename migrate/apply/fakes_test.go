package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	clienttesting "k8s.io/client-go/testing"

	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/plan"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is the Now/Sleep seam: Sleep advances the time at once.
type clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) Sleeps() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleeps)
}

// fakeELB answers the ELB reads from fixed load balancers and target
// groups; a hook may replace any answer.
type fakeELB struct {
	mu    sync.Mutex
	calls []string
	// LBs answers DescribeLoadBalancers (all, or by name).
	LBs []elbv2types.LoadBalancer
	// OnDescribeLBs, when set, answers DescribeLoadBalancers instead.
	OnDescribeLBs func(n int, in *elbv2.DescribeLoadBalancersInput) (*elbv2.DescribeLoadBalancersOutput, error)
	// OnDescribeTGs answers DescribeTargetGroups (none found when nil).
	OnDescribeTGs func(n int, in *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error)
	// OnHealth answers DescribeTargetHealth.
	OnHealth func(n int, in *elbv2.DescribeTargetHealthInput) (*elbv2.DescribeTargetHealthOutput, error)
	Tags     map[string][]elbv2types.Tag // by ARN
}

var _ ELB = (*fakeELB)(nil)

func (f *fakeELB) count(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	n := 0
	for _, c := range f.calls {
		if c == call {
			n++
		}
	}
	return n
}

func (f *fakeELB) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func notFound(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "not found"}
}

func (f *fakeELB) DescribeLoadBalancers(_ context.Context, in *elbv2.DescribeLoadBalancersInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeLoadBalancersOutput, error) {
	call := "DescribeLoadBalancers"
	if len(in.Names) > 0 {
		call += " " + strings.Join(in.Names, ",")
	}
	n := f.count(call)
	if f.OnDescribeLBs != nil {
		return f.OnDescribeLBs(n, in)
	}
	if len(in.Names) == 0 {
		return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: f.LBs}, nil
	}
	var out []elbv2types.LoadBalancer
	for _, lb := range f.LBs {
		for _, name := range in.Names {
			if aws.ToString(lb.LoadBalancerName) == name {
				out = append(out, lb)
			}
		}
	}
	if len(out) == 0 {
		return nil, notFound("LoadBalancerNotFound")
	}
	return &elbv2.DescribeLoadBalancersOutput{LoadBalancers: out}, nil
}

func (f *fakeELB) DescribeTargetGroups(_ context.Context, in *elbv2.DescribeTargetGroupsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetGroupsOutput, error) {
	n := f.count("DescribeTargetGroups")
	if f.OnDescribeTGs != nil {
		return f.OnDescribeTGs(n, in)
	}
	return nil, notFound("TargetGroupNotFound")
}

func (f *fakeELB) DescribeTargetHealth(_ context.Context, in *elbv2.DescribeTargetHealthInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	n := f.count("DescribeTargetHealth")
	if f.OnHealth != nil {
		return f.OnHealth(n, in)
	}
	return &elbv2.DescribeTargetHealthOutput{}, nil
}

func (f *fakeELB) DescribeTags(_ context.Context, in *elbv2.DescribeTagsInput, _ ...func(*elbv2.Options)) (*elbv2.DescribeTagsOutput, error) {
	f.count("DescribeTags")
	out := &elbv2.DescribeTagsOutput{}
	for _, arn := range in.ResourceArns {
		out.TagDescriptions = append(out.TagDescriptions, elbv2types.TagDescription{ResourceArn: aws.String(arn), Tags: f.Tags[arn]})
	}
	return out, nil
}

func activeLB(name, dns string) elbv2types.LoadBalancer {
	return elbv2types.LoadBalancer{LoadBalancerName: aws.String(name), LoadBalancerArn: aws.String("arn:aws:elasticloadbalancing:us-west-2:1:loadbalancer/app/" + name + "/1"),
		DNSName: aws.String(dns), State: &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnumActive}}
}

// harness holds the fakes an Executor runs against. The typed client stands
// for the reads (journal, lease, statuses) and the dynamic one for the
// objects the plan writes; the two fakes do not share a store, so a test
// seeds each with what the executor reads from it.
type harness struct {
	t     *testing.T
	kube  *fake.Clientset
	dyn   *dynamicfake.FakeDynamicClient
	elb   *fakeELB
	clock *clock

	mu     sync.Mutex
	events []Event
	// journals are the journal as each ConfigMap write left it.
	journals []Journal
	rv       int
}

func newHarness(t *testing.T, typed []runtime.Object, objs ...runtime.Object) *harness {
	t.Helper()
	h := &harness{t: t, kube: fake.NewClientset(typed...), dyn: dynamicfake.NewSimpleDynamicClient(scheme.Scheme, objs...),
		elb: &fakeELB{}, clock: newClock()}
	h.kube.PrependReactor("create", "selfsubjectaccessreviews", func(a clienttesting.Action) (bool, runtime.Object, error) {
		r := a.(clienttesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		r.Status.Allowed = true
		return true, r, nil
	})
	h.versioned("configmaps")
	h.versioned("leases")
	h.dyn.PrependReactor("patch", "*", applyReactor(h.dyn.Tracker()))
	return h
}

// versioned gives a typed resource resource versions and optimistic
// concurrency, as the API server does (the fake tracker has neither), and
// records each journal written.
func (h *harness) versioned(resource string) {
	tr := h.kube.Tracker()
	h.kube.PrependReactor("create", resource, func(a clienttesting.Action) (bool, runtime.Object, error) {
		obj := a.(clienttesting.CreateAction).GetObject().DeepCopyObject()
		m := obj.(metav1.Object)
		if _, err := tr.Get(a.GetResource(), a.GetNamespace(), m.GetName()); err == nil {
			return true, nil, apierrors.NewAlreadyExists(a.GetResource().GroupResource(), m.GetName())
		}
		m.SetResourceVersion(h.nextRV())
		if err := tr.Create(a.GetResource(), obj, a.GetNamespace()); err != nil {
			return true, nil, err
		}
		h.recordJournal(obj)
		return true, obj, nil
	})
	h.kube.PrependReactor("update", resource, func(a clienttesting.Action) (bool, runtime.Object, error) {
		obj := a.(clienttesting.UpdateAction).GetObject().DeepCopyObject()
		m := obj.(metav1.Object)
		cur, err := tr.Get(a.GetResource(), a.GetNamespace(), m.GetName())
		if err != nil {
			return true, nil, err
		}
		if m.GetResourceVersion() != cur.(metav1.Object).GetResourceVersion() {
			return true, nil, apierrors.NewConflict(a.GetResource().GroupResource(), m.GetName(), errors.New("the object has been modified"))
		}
		m.SetResourceVersion(h.nextRV())
		if err := tr.Update(a.GetResource(), obj, a.GetNamespace()); err != nil {
			return true, nil, err
		}
		h.recordJournal(obj)
		return true, obj, nil
	})
}

func (h *harness) nextRV() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rv++
	return strconv.Itoa(h.rv)
}

func (h *harness) recordJournal(obj runtime.Object) {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		return
	}
	var j Journal
	if err := json.Unmarshal([]byte(cm.Data[JournalKey]), &j); err != nil {
		h.t.Errorf("journal ConfigMap %s does not parse: %v", cm.Name, err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.journals = append(h.journals, j)
}

// Journals are the journals written so far.
func (h *harness) Journals() []Journal {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Journal(nil), h.journals...)
}

// journal reads the journal ConfigMap of id from the fake's store.
func (h *harness) journal(id string) *Journal {
	h.t.Helper()
	cm, err := h.kube.Tracker().Get(corev1.SchemeGroupVersion.WithResource("configmaps"), DefaultJournalNamespace, ConfigMapName(id))
	if err != nil {
		h.t.Fatalf("journal ConfigMap: %v", err)
	}
	var j Journal
	if err := json.Unmarshal([]byte(cm.(*corev1.ConfigMap).Data[JournalKey]), &j); err != nil {
		h.t.Fatal(err)
	}
	return &j
}

func (h *harness) event(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *harness) Events(typ string) []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Event
	for _, ev := range h.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// options are the Executor's options on the harness's fakes and clock.
func (h *harness) options(p *plan.Plan, files map[string][]byte) Options {
	return Options{Kube: h.kube, Dynamic: h.dyn, ELB: h.elb, Plan: p, Files: files, Cluster: "prod",
		WaitTimeout: time.Minute, Poll: 10 * time.Second, Now: h.clock.Now, Sleep: h.clock.Sleep, Events: h.event}
}

// writes lists the dynamic client's writes as "verb resource ns/name", in
// order (an apply is a "patch").
func (h *harness) writes() []string {
	var out []string
	for _, a := range h.dyn.Actions() {
		switch a.GetVerb() {
		case "create", "update", "patch", "delete":
		default:
			continue
		}
		name := ""
		switch a := a.(type) {
		case clienttesting.CreateAction: // an UpdateAction too: the same methods
			name = a.GetObject().(metav1.Object).GetName()
		case clienttesting.PatchAction:
			name = a.GetName()
		case clienttesting.DeleteAction:
			name = a.GetName()
		}
		out = append(out, fmt.Sprintf("%s %s %s/%s", a.GetVerb(), a.GetResource().Resource, a.GetNamespace(), name))
	}
	return out
}

// object reads an object the executor writes from the dynamic fake; nil
// when it does not exist.
func (h *harness) object(r Ref) *unstructured.Unstructured {
	h.t.Helper()
	gvr, ok := writable[r.Kind]
	if !ok {
		h.t.Fatalf("no resource for %s", r)
	}
	o, err := h.dyn.Tracker().Get(gvr, r.Namespace, r.Name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return o.(*unstructured.Unstructured)
}

// applyReactor makes the dynamic fake's server-side apply create a missing
// object and merge into an existing one (the fake's own apply needs the
// object to exist).
func applyReactor(tr clienttesting.ObjectTracker) clienttesting.ReactionFunc {
	return func(a clienttesting.Action) (bool, runtime.Object, error) {
		pa, ok := a.(clienttesting.PatchAction)
		if !ok || pa.GetPatchType() != types.ApplyPatchType {
			return false, nil, nil
		}
		patch := &unstructured.Unstructured{}
		if err := patch.UnmarshalJSON(pa.GetPatch()); err != nil {
			return true, nil, err
		}
		gvr, ns := pa.GetResource(), pa.GetNamespace()
		cur, err := tr.Get(gvr, ns, pa.GetName())
		if apierrors.IsNotFound(err) {
			if err := tr.Create(gvr, patch, ns); err != nil {
				return true, nil, err
			}
			return true, patch.DeepCopy(), nil
		}
		if err != nil {
			return true, nil, err
		}
		u := cur.(*unstructured.Unstructured).DeepCopy()
		merge(u.Object, patch.Object)
		if err := tr.Update(gvr, u, ns); err != nil {
			return true, nil, err
		}
		return true, u, nil
	}
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// failOnce makes the first matching action of a fake fail with err (a
// Forbidden is neither transient nor retried).
func failOnce(f *clienttesting.Fake, verb, resource, name string, err error) {
	calls := 0
	f.PrependReactor(verb, resource, func(a clienttesting.Action) (bool, runtime.Object, error) {
		n := ""
		switch a := a.(type) {
		case clienttesting.PatchAction:
			n = a.GetName()
		case clienttesting.DeleteAction:
			n = a.GetName()
		case clienttesting.CreateAction: // an UpdateAction too: the same methods
			n = a.GetObject().(metav1.Object).GetName()
		}
		if n != name {
			return false, nil, nil
		}
		calls++
		if calls == 1 {
			return true, nil, err
		}
		return false, nil, nil
	})
}

func forbidden(what string) error {
	return apierrors.NewForbidden(gvrIngresses.GroupResource(), what, errors.New("injected"))
}

// The fixture: an Ingress shop/web in instance mode and its Service; the
// plan copies it to shop/web-ip (and annotates the Service), restarts the
// Deployment shop/web, then deletes the old Ingress.

const (
	manifestCreate  = "manifests/01-create.yaml"
	manifestCleanup = "manifests/04-cleanup.yaml"
	oldDNS          = "k8s-shop-web-0123456789.us-west-2.elb.amazonaws.com"
	newDNS          = "k8s-shop-9876543210.us-west-2.elb.amazonaws.com"
)

var (
	refService = Ref{APIVersion: "v1", Kind: "Service", Namespace: "shop", Name: "web"}
	refCopy    = Ref{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "shop", Name: "web-ip"}
	refOld     = Ref{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "shop", Name: "web"}
	refDeploy  = Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
)

func fixturePlan() *plan.Plan {
	return &plan.Plan{
		APIVersion: plan.APIVersion, Kind: plan.Kind, Cluster: "prod",
		Phases: []plan.Phase{
			{Name: plan.PhasePreflight, Steps: []plan.Step{
				{Op: plan.OpCheck, Action: "controller is v2.7+", Check: &plan.Check{Name: "controller", Status: plan.CheckPass}},
			}},
			{Name: plan.PhaseCreate, Steps: []plan.Step{
				{Op: plan.OpApply, Action: "create Ingress shop/web-ip", Manifest: manifestCreate,
					Objects: []topology.ObjectRef{{Kind: "Service", Namespace: "shop", Name: "web"}, {Kind: "Ingress", Namespace: "shop", Name: "web-ip"}}},
			}},
			{Name: plan.PhaseRestart, Steps: []plan.Step{
				{Op: plan.OpRestart, Action: "restart Deployment shop/web", Objects: []topology.ObjectRef{{Kind: "Deployment", Namespace: "shop", Name: "web"}}},
			}},
			{Name: plan.PhaseCleanup, Steps: []plan.Step{
				{Op: plan.OpDelete, Action: "delete Ingress shop/web", Manifest: manifestCleanup,
					Objects: []topology.ObjectRef{{Kind: "Ingress", Namespace: "shop", Name: "web"}}},
			}},
		},
		Replacements: []plan.Replacement{
			{Phase: plan.PhaseCreate, Action: plan.Create, Kind: "LoadBalancer", Name: "k8s-shop-9876543210", Group: "shop"},
			{Phase: plan.PhaseCleanup, Action: plan.Delete, Kind: "LoadBalancer", Name: "k8s-shop-web-0123456789", Group: "shop/web"},
		},
	}
}

func fixtureFiles() map[string][]byte {
	return map[string][]byte{
		manifestCreate: []byte(`apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/target-type: ip
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web-ip
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/target-type: ip
    lbctl.dev/migrated-from: shop/web
spec:
  ingressClassName: alb
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`),
		manifestCleanup: []byte(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
`),
	}
}

// fixtureObjects are the objects the plan writes, as the dynamic client
// sees them before the migration.
func fixtureObjects() []runtime.Object {
	return []runtime.Object{
		&unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Service",
			"metadata": map[string]any{"name": "web", "namespace": "shop", "uid": "uid-svc", "resourceVersion": "11",
				"annotations": map[string]any{"team": "shop"}},
			"spec": map[string]any{"type": "NodePort", "clusterIP": "10.100.0.10", "selector": map[string]any{"app": "web"},
				"ports": []any{map[string]any{"port": int64(80), "targetPort": int64(8080), "nodePort": int64(30080)}}},
		}},
		&unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
			"metadata": map[string]any{"name": "web", "namespace": "shop", "uid": "uid-old", "resourceVersion": "12",
				"annotations": map[string]any{"alb.ingress.kubernetes.io/target-type": "instance"}},
			"spec": map[string]any{"ingressClassName": "alb", "defaultBackend": map[string]any{
				"service": map[string]any{"name": "web", "port": map[string]any{"number": int64(80)}}}},
			"status": map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"hostname": oldDNS}}}},
		}},
		&unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "web", "namespace": "shop", "uid": "uid-deploy", "generation": int64(3)},
			"spec": map[string]any{"replicas": int64(2), "template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "web:1"}}}}},
		}},
	}
}

// fixtureStatuses are what the typed client reads during the waits: both
// Ingresses with an address and a rolled-out Deployment.
func fixtureStatuses() []runtime.Object {
	ing := func(name, dns string) *networkingv1.Ingress {
		return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
			Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{Ingress: []networkingv1.IngressLoadBalancerIngress{{Hostname: dns}}}}}
	}
	two := int32(2)
	return []runtime.Object{ing("web", oldDNS), ing("web-ip", newDNS),
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Generation: 3}, Spec: appsv1.DeploymentSpec{Replicas: &two},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 2, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}}}
}

// fixtureHarness is a harness with the fixture's objects and both ALBs
// active.
func fixtureHarness(t *testing.T) *harness {
	h := newHarness(t, fixtureStatuses(), fixtureObjects()...)
	h.elb.LBs = []elbv2types.LoadBalancer{activeLB("k8s-shop-web-0123456789", oldDNS), activeLB("k8s-shop-9876543210", newDNS)}
	return h
}

func stepStates(j *Journal) string {
	var s []string
	for _, st := range j.Steps {
		s = append(s, st.State)
	}
	return strings.Join(s, ",")
}
