// Package topology joins the Kubernetes objects lbctl reads with the AWS
// objects into one model that every command views: Ingress → group → ALB →
// listener rules → target group → target → pod or node. Build is pure: data
// in, model and warnings out.
package topology

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

// ObjectRef names an object in findings and warnings.
type ObjectRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (r ObjectRef) String() string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}

// IngressRef returns the ObjectRef of an Ingress.
func IngressRef(ing *networkingv1.Ingress) ObjectRef {
	return ObjectRef{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name}
}

// Topology is the joined model.
type Topology struct {
	// Cluster is the controller's --cluster-name: part of every name it
	// makes and of the tags that tie AWS objects to this cluster.
	Cluster string
	// Defaults are the controller settings the topology was built under.
	Defaults lbc.Defaults
	Objects  *kube.Objects
	// AWS is nil when AWS was not read.
	AWS *awsapi.State
	// Ingresses are every Ingress read, in namespace/name order.
	Ingresses []*Ingress
	// Groups are the ALB groups of the controller's Ingresses, by ID.
	Groups []*Group
	// Scope is what the Kubernetes side of the read covers. Only a read of
	// the whole cluster can tell an orphan from an ALB that serves an
	// Ingress outside the scope.
	Scope Scope
	// Orphans are AWS objects tagged for this cluster whose stack no
	// Ingress in the cluster names; judged only when Scope.Whole.
	Orphans []Orphan
	// Unjudged are AWS objects tagged for this cluster that no Ingress read
	// owns, when the scope is partial: they may serve Ingresses outside it,
	// so they are counted, never called orphans.
	Unjudged []Orphan

	pods      map[types.NamespacedName]*corev1.Pod
	podsByIP  map[string]*corev1.Pod
	nodes     map[string]*corev1.Node // by name
	nodesByID map[string]*corev1.Node // by EC2 instance ID
	services  map[types.NamespacedName]*corev1.Service
	slices    map[types.NamespacedName][]*discoveryv1.EndpointSlice
	certs     []lbc.Certificate
	ns        map[string]*corev1.Namespace
	bindings  map[string]*v1beta1.TargetGroupBinding // by target group ARN
	params    map[string]*v1beta1.IngressClassParams
	podsByNS  map[string][]*corev1.Pod
	tgByTag   map[string]*awsapi.TargetGroup // by stack + resource tag

	// bindingARNs are the keys of bindings, sorted: the order the join
	// tries them in, so that it does not change from one Build to the next.
	bindingARNs []string
}

// Ingress is one Ingress with what the controller makes of it.
type Ingress struct {
	Object    *networkingv1.Ingress
	Ownership lbc.Ownership
	// Params is the IngressClassParams in effect (nil when none).
	Params *v1beta1.IngressClassParams
	// ParamsMissing is true when its IngressClass references
	// IngressClassParams (Ownership.ParamsName) that were not read: from a
	// cluster they do not exist and the controller ignores the Ingress (an
	// error in Errors); from manifests they may live in the cluster, and
	// the Ingress is read without them.
	ParamsMissing bool
	// Config is the resolved per-Ingress configuration (ALB Ingresses only).
	Config lbc.IngressConfig
	Group  *Group
	Rules  []lbc.Rule
	// Backends are the Service ports that become target groups.
	Backends []*Backend
	// Errors are annotation and reference problems the controller would trip on.
	Errors []error
}

// Ref names the Ingress.
func (i *Ingress) Ref() ObjectRef { return IngressRef(i.Object) }

// Key is "namespace/name".
func (i *Ingress) Key() string { return i.Object.Namespace + "/" + i.Object.Name }

// TargetType is the Ingress's target type: the backends' if they agree, else
// "mixed"; the resolved default when it has no backend.
func (i *Ingress) TargetType() string {
	tt := ""
	for _, b := range i.Backends {
		switch {
		case tt == "":
			tt = string(b.Config.TargetType)
		case tt != string(b.Config.TargetType):
			return "mixed"
		}
	}
	return tt
}

// Backend is one Service port behind an Ingress: a target group.
type Backend struct {
	Ref         lbc.BackendRef
	Service     *corev1.Service
	ServicePort *corev1.ServicePort
	Config      lbc.BackendConfig
	// TargetGroupName is the name the controller gives (or would give) it.
	TargetGroupName string
	// TargetGroup is the live target group, when AWS was read and joined.
	TargetGroup *awsapi.TargetGroup
	// Binding is the TargetGroupBinding that ties it to the Service.
	Binding *v1beta1.TargetGroupBinding
	// Pods are the pods the Service selects (from EndpointSlices, else the selector).
	Pods []*corev1.Pod
	// Targets are the target group's targets joined to pods or nodes.
	Targets []Target
	// Err says why the backend could not be resolved (missing Service or port).
	Err error
}

// ServiceRef names the backend Service.
func (b *Backend) ServiceRef() ObjectRef {
	return ObjectRef{Kind: "Service", Namespace: b.Ref.Ingress.Namespace, Name: b.Ref.Service}
}

// Target is a registered target joined to what it is in the cluster.
type Target struct {
	awsapi.Target
	Pod  *corev1.Pod  `json:"-"`
	Node *corev1.Node `json:"-"`
}

// Group is an IngressGroup: the Ingresses sharing one ALB.
type Group struct {
	ID        lbc.GroupID
	Members   []lbc.Member
	Ingresses []*Ingress
	Scheme    string
	// LoadBalancerName is the ALB name the controller gives the group.
	LoadBalancerName string
	// LoadBalancer is the live ALB, joined by tags.
	LoadBalancer *awsapi.LoadBalancer
	Conflicts    []lbc.Conflict
	Listeners    []lbc.Listener
	Rules        []lbc.Rule
	// Settings are the ALB-level settings taken group-wide (capacity, IPAM
	// pool, WAF, Shield).
	Settings lbc.GroupSettings
	Errors   []error
}

// Orphan is an AWS object tagged for the cluster with no owner left.
type Orphan struct {
	Kind  string `json:"kind"` // LoadBalancer or TargetGroup
	Name  string `json:"name"`
	ARN   string `json:"arn"`
	Stack string `json:"stack"`
	// Created is when AWS created the ALB (nil for target groups, whose
	// creation time AWS does not give).
	Created *time.Time `json:"created,omitempty"`
}

// Scope is what the Kubernetes side of a topology covers: manifests, one
// namespace or all, Ingresses by label. The zero value is a partial read
// (one unnamed namespace), so a caller that does not say judges no orphans.
type Scope struct {
	// Files is true when Kubernetes was read from manifests (-f, -k,
	// stdin): they never show the whole cluster.
	Files bool `json:"files,omitempty"`
	// AllNamespaces is true when every namespace was read.
	AllNamespaces bool `json:"allNamespaces,omitempty"`
	// Namespace is the one namespace read (without AllNamespaces).
	Namespace string `json:"namespace,omitempty"`
	// Selector is the Ingress label selector (-l).
	Selector string `json:"selector,omitempty"`
}

// Whole says whether the read covers every Ingress of the cluster: every
// namespace of a cluster, no selector. Only then can an ALB no Ingress
// names be judged an orphan.
func (s Scope) Whole() bool { return !s.Files && s.AllNamespaces && s.Selector == "" }

// String words the scope for messages: "manifests", "namespace team-a",
// "all namespaces, Ingresses labelled app=cart".
func (s Scope) String() string {
	var out string
	switch {
	case s.Files:
		out = "manifests"
	case s.AllNamespaces:
		out = "all namespaces"
	case s.Namespace != "":
		out = "namespace " + s.Namespace
	default:
		out = "one namespace"
	}
	if s.Selector != "" {
		out += ", Ingresses labelled " + s.Selector
	}
	return out
}

// Options tune Build.
type Options struct {
	Defaults lbc.Defaults
	// Scope is what objs cover (see Scope; the zero value judges no orphans).
	Scope Scope
}

// Build joins objects and (optional) AWS state. It never fails: what cannot
// be resolved is recorded on the object it concerns.
func Build(objs *kube.Objects, aws *awsapi.State, o Options) *Topology {
	t := &Topology{Cluster: o.Defaults.ClusterName, Defaults: o.Defaults, Objects: objs, AWS: aws, Scope: o.Scope}
	t.index()
	d := o.Defaults

	groups := map[lbc.GroupID]*Group{}
	for i := range objs.Ingresses {
		ing := &objs.Ingresses[i]
		in := &Ingress{Object: ing, Ownership: lbc.ClassOfWith(ing, objs.IngressClasses, lbc.ClassOptions{IngressClass: d.IngressClass})}
		t.Ingresses = append(t.Ingresses, in)
		if in.Ownership.Controller != "alb" {
			continue
		}
		if in.Ownership.Problem != nil {
			in.Errors = append(in.Errors, in.Ownership.Problem)
		}
		var spec *v1beta1.IngressClassParamsSpec
		if name := in.Ownership.ParamsName; name != "" {
			if p := t.params[name]; p != nil {
				in.Params = p
				spec = &p.Spec
				if ns := t.ns[ing.Namespace]; ns != nil {
					ok, err := lbc.ParamsSelectsNamespace(spec, ns.Labels)
					if err == nil && !ok {
						err = fmt.Errorf("invalid ingress class: namespaceSelector of IngressClassParams %s does not match namespace %s", name, ing.Namespace)
					}
					if err != nil {
						in.Ownership.Problem = err
						in.Errors = append(in.Errors, err)
					}
				}
			} else {
				in.ParamsMissing = true
				if objs.ClassesFromCluster {
					in.Errors = append(in.Errors, lbc.MissingParamsError(in.Ownership.ClassName, name))
				}
			}
		}
		cfg, errs := lbc.IngressSettings(ing, spec, d)
		in.Errors = append(in.Errors, errs...)
		if certs := t.acmCertificates(); certs != nil && lbc.DiscoversCertificates(cfg) {
			found, err := lbc.DiscoverCertificates(ing, certs)
			if err != nil {
				in.Errors = append(in.Errors, err)
			}
			cfg.DiscoveredCertificateARNs = found
		}
		in.Config = cfg
		rules, errs := lbc.RulesOf(ing, cfg)
		in.Rules = rules
		in.Errors = append(in.Errors, errs...)
		g := groups[cfg.Group]
		if g == nil {
			g = &Group{ID: cfg.Group}
			groups[cfg.Group] = g
		}
		g.Members = append(g.Members, lbc.Member{Ingress: ing, Config: cfg})
		g.Ingresses = append(g.Ingresses, in)
		in.Group = g
	}
	for _, g := range groups {
		t.buildGroup(g, d)
		t.Groups = append(t.Groups, g)
	}
	sort.Slice(t.Groups, func(i, j int) bool { return t.Groups[i].ID.String() < t.Groups[j].ID.String() })
	for _, in := range t.Ingresses {
		if in.Group != nil {
			t.buildBackends(in, d)
		}
	}
	t.findOrphans()
	return t
}

// acmCertificates are the issued certificates discovery picks from, when
// ACM was read (nil otherwise: discovery is then not predicted).
func (t *Topology) acmCertificates() []lbc.Certificate {
	if t.AWS == nil || !t.AWS.CertificatesRead {
		return nil
	}
	if t.certs == nil {
		t.certs = make([]lbc.Certificate, 0, len(t.AWS.Certificates))
		for _, c := range t.AWS.Certificates {
			t.certs = append(t.certs, lbc.Certificate{ARN: c.ARN, Domains: c.Domains})
		}
	}
	return t.certs
}

func (t *Topology) buildGroup(g *Group, d lbc.Defaults) {
	g.Members = lbc.SortMembers(g.Members)
	sort.SliceStable(g.Ingresses, func(i, j int) bool { return memberIndex(g, g.Ingresses[i]) < memberIndex(g, g.Ingresses[j]) })
	g.Scheme = lbc.GroupScheme(g.Members, d)
	name, err := lbc.GroupLoadBalancerName(t.Cluster, g.ID, g.Scheme, g.Members)
	if err != nil {
		g.Errors = append(g.Errors, err)
	}
	g.LoadBalancerName = name
	g.Conflicts = lbc.GroupConflicts(g.Members)
	ls, errs := lbc.Listeners(g.Members, d)
	g.Listeners = ls
	g.Errors = append(g.Errors, errs...)
	rules, errs := lbc.ListenerRules(g.Members)
	g.Rules = rules
	g.Errors = append(g.Errors, errs...)
	g.Settings, errs = lbc.GroupALBSettings(g.Members, d)
	g.Errors = append(g.Errors, errs...)
	if t.AWS != nil {
		stack := lbc.StackTag(g.ID)
		for i := range t.AWS.LoadBalancers {
			lb := &t.AWS.LoadBalancers[i]
			if lb.Tags[lbc.TagStack] == stack && t.ownCluster(lb.Tags) {
				g.LoadBalancer = lb
				break
			}
		}
	}
}

func memberIndex(g *Group, in *Ingress) int {
	for i, m := range g.Members {
		if m.Ingress == in.Object {
			return i
		}
	}
	return len(g.Members)
}

// ownCluster reports whether AWS tags belong to this cluster (any cluster
// when the cluster name is unknown).
func (t *Topology) ownCluster(tags map[string]string) bool {
	c, ok := tags[lbc.TagCluster]
	if !ok {
		return false
	}
	return t.Cluster == "" || c == t.Cluster
}

func (t *Topology) buildBackends(in *Ingress, d lbc.Defaults) {
	var spec *v1beta1.IngressClassParamsSpec
	if in.Params != nil {
		spec = &in.Params.Spec
	}
	refs := lbc.ServiceBackends(in.Rules)
	if dt, _ := lbc.DefaultTarget(in.Object, in.Config); dt != nil {
		refs = append(refs, lbc.ServiceBackends([]lbc.Rule{{Target: *dt}})...)
	}
	seen := map[string]bool{}
	for _, ref := range refs {
		k := ref.Service + ":" + ref.Port.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		b := &Backend{Ref: ref}
		key := types.NamespacedName{Namespace: in.Object.Namespace, Name: ref.Service}
		b.Service = t.services[key]
		cfg, errs := lbc.BackendSettings(in.Object, b.Service, spec, d)
		b.Config = cfg
		in.Errors = append(in.Errors, errs...)
		if b.Service == nil {
			b.Err = fmt.Errorf("service %s not found", key)
		} else {
			sp, err := lbc.ServicePortOf(b.Service, ref.Port)
			if err != nil {
				b.Err = err
			} else {
				b.ServicePort = &sp
				tgPort, err := lbc.TargetGroupPort(sp, cfg.TargetType)
				if err != nil && !errors.Is(err, lbc.ErrNoNodePort) {
					b.Err = err
				}
				control, err := lbc.TargetControlPort(in.Object, b.Service, ref.Service, ref.Port)
				if err != nil {
					in.Errors = append(in.Errors, err)
				}
				b.Config.TargetControlPort = control
				b.TargetGroupName = lbc.TargetGroupName(lbc.TargetGroupKey{
					Cluster: t.Cluster, Group: in.Group.ID,
					Ingress: types.NamespacedName{Namespace: in.Object.Namespace, Name: in.Object.Name},
					Service: key, ServiceUID: b.Service.UID, Port: ref.Port, TargetPort: tgPort,
					TargetType: cfg.TargetType, Protocol: cfg.BackendProtocol, ProtocolVersion: cfg.ProtocolVersion,
					TargetControlPort: control,
				})
			}
			b.Pods = t.podsOf(b.Service)
		}
		t.joinTargetGroup(in, b)
		in.Backends = append(in.Backends, b)
	}
}

// joinTargetGroup finds the live target group: by the controller's resource
// tag, else by the TargetGroupBinding that names the Service port.
func (t *Topology) joinTargetGroup(in *Ingress, b *Backend) {
	if t.AWS == nil {
		return
	}
	ingKey := types.NamespacedName{Namespace: in.Object.Namespace, Name: in.Object.Name}
	resTag := lbc.TargetGroupResourceTag(ingKey, b.Ref.Service, b.Ref.Port)
	stack := lbc.StackTag(in.Group.ID)
	b.TargetGroup = t.tgByTag[stack+"\x00"+resTag]
	if b.TargetGroup == nil {
		for _, arn := range t.bindingARNs {
			tgb := t.bindings[arn]
			if tgb.Namespace == in.Object.Namespace && tgb.Spec.ServiceRef.Name == b.Ref.Service && samePort(tgb.Spec.ServiceRef.Port, b.Ref.Port, b.ServicePort) {
				if tg := t.AWS.TargetGroupByARN(arn); tg != nil && (tgb.Name == b.TargetGroupName || b.TargetGroup == nil) {
					b.TargetGroup = tg
				}
			}
		}
	}
	if b.TargetGroup == nil {
		return
	}
	b.Binding = t.bindings[b.TargetGroup.ARN]
	for _, tg := range b.TargetGroup.Targets {
		jt := Target{Target: tg}
		if b.TargetGroup.TargetType == "ip" {
			jt.Pod = t.podsByIP[tg.ID]
		} else {
			jt.Node = t.nodesByID[tg.ID]
		}
		b.Targets = append(b.Targets, jt)
	}
}

func samePort(a, b intstr.IntOrString, sp *corev1.ServicePort) bool {
	if a.String() == b.String() {
		return true
	}
	if sp == nil {
		return false
	}
	match := func(x intstr.IntOrString) bool {
		if x.Type == intstr.Int {
			return x.IntVal == sp.Port
		}
		return x.StrVal == sp.Name
	}
	return match(a) && match(b)
}

// findOrphans sorts the AWS objects tagged for this cluster whose stack no
// group read owns: orphans when the read covers the whole cluster, else
// unjudged (they may belong to Ingresses outside the scope).
func (t *Topology) findOrphans() {
	if t.AWS == nil {
		return
	}
	owned := map[string]bool{}
	for _, g := range t.Groups {
		owned[lbc.StackTag(g.ID)] = true
	}
	var found []Orphan
	for _, lb := range t.AWS.LoadBalancers {
		if st, ok := lb.Tags[lbc.TagStack]; ok && t.ownCluster(lb.Tags) && !owned[st] {
			found = append(found, Orphan{Kind: "LoadBalancer", Name: lb.Name, ARN: lb.ARN, Stack: st, Created: lb.Created})
		}
	}
	for _, tg := range t.AWS.TargetGroups {
		if st, ok := tg.Tags[lbc.TagStack]; ok && t.ownCluster(tg.Tags) && !owned[st] {
			found = append(found, Orphan{Kind: "TargetGroup", Name: tg.Name, ARN: tg.ARN, Stack: st})
		}
	}
	if t.Scope.Whole() {
		t.Orphans = found
	} else {
		t.Unjudged = found
	}
}

func (t *Topology) index() {
	o := t.Objects
	t.pods = make(map[types.NamespacedName]*corev1.Pod, len(o.Pods))
	t.podsByIP = make(map[string]*corev1.Pod, len(o.Pods))
	t.podsByNS = map[string][]*corev1.Pod{}
	for i := range o.Pods {
		p := &o.Pods[i]
		t.pods[types.NamespacedName{Namespace: p.Namespace, Name: p.Name}] = p
		t.podsByNS[p.Namespace] = append(t.podsByNS[p.Namespace], p)
		for _, ip := range p.Status.PodIPs {
			t.podsByIP[ip.IP] = p
		}
		if p.Status.PodIP != "" {
			t.podsByIP[p.Status.PodIP] = p
		}
	}
	t.nodes = map[string]*corev1.Node{}
	t.nodesByID = map[string]*corev1.Node{}
	for i := range o.Nodes {
		n := &o.Nodes[i]
		t.nodes[n.Name] = n
		if id := InstanceID(n); id != "" {
			t.nodesByID[id] = n
		}
	}
	t.services = make(map[types.NamespacedName]*corev1.Service, len(o.Services))
	for i := range o.Services {
		s := &o.Services[i]
		t.services[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}] = s
	}
	t.slices = map[types.NamespacedName][]*discoveryv1.EndpointSlice{}
	for i := range o.EndpointSlices {
		es := &o.EndpointSlices[i]
		if svc := es.Labels[discoveryv1.LabelServiceName]; svc != "" {
			k := types.NamespacedName{Namespace: es.Namespace, Name: svc}
			t.slices[k] = append(t.slices[k], es)
		}
	}
	t.ns = map[string]*corev1.Namespace{}
	for i := range o.Namespaces {
		t.ns[o.Namespaces[i].Name] = &o.Namespaces[i]
	}
	t.bindings = map[string]*v1beta1.TargetGroupBinding{}
	for i := range o.TargetGroupBindings {
		b := &o.TargetGroupBindings[i]
		t.bindings[b.Spec.TargetGroupARN] = b
	}
	t.bindingARNs = make([]string, 0, len(t.bindings))
	for arn := range t.bindings {
		t.bindingARNs = append(t.bindingARNs, arn)
	}
	sort.Strings(t.bindingARNs)
	t.tgByTag = map[string]*awsapi.TargetGroup{}
	if t.AWS != nil {
		for i := range t.AWS.TargetGroups {
			tg := &t.AWS.TargetGroups[i]
			if t.ownCluster(tg.Tags) && tg.Tags[lbc.TagResource] != "" {
				t.tgByTag[tg.Tags[lbc.TagStack]+"\x00"+tg.Tags[lbc.TagResource]] = tg
			}
		}
	}
	t.params = map[string]*v1beta1.IngressClassParams{}
	for i := range o.IngressClassParams {
		t.params[o.IngressClassParams[i].Name] = &o.IngressClassParams[i]
	}
}

// InstanceID is the EC2 instance ID in a node's providerID
// (aws:///us-west-2a/i-0123…), or "".
func InstanceID(n *corev1.Node) string {
	id := n.Spec.ProviderID
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	if strings.HasPrefix(id, "i-") {
		return id
	}
	return ""
}

// podsOf returns the pods behind a Service: from its EndpointSlices when
// there are any, else by its selector.
func (t *Topology) podsOf(svc *corev1.Service) []*corev1.Pod {
	key := types.NamespacedName{Namespace: svc.Namespace, Name: svc.Name}
	seen := map[*corev1.Pod]bool{}
	var out []*corev1.Pod
	for _, es := range t.slices[key] {
		for _, ep := range es.Endpoints {
			if ep.TargetRef == nil || ep.TargetRef.Kind != "Pod" {
				continue
			}
			if p := t.pods[types.NamespacedName{Namespace: svc.Namespace, Name: ep.TargetRef.Name}]; p != nil && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 && len(svc.Spec.Selector) > 0 {
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		for _, p := range t.podsByNS[svc.Namespace] {
			if sel.Matches(labels.Set(p.Labels)) {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Namespace returns a namespace object by name (nil when not read).
func (t *Topology) Namespace(name string) *corev1.Namespace { return t.ns[name] }

// Node returns a node by name.
func (t *Topology) Node(name string) *corev1.Node { return t.nodes[name] }

// Pod returns a pod by IP.
func (t *Topology) PodByIP(ip string) *corev1.Pod { return t.podsByIP[ip] }

// Service returns a Service by namespace and name.
func (t *Topology) Service(ns, name string) *corev1.Service {
	return t.services[types.NamespacedName{Namespace: ns, Name: name}]
}

// ALBIngresses returns the Ingresses the ALB controller is meant to reconcile.
func (t *Topology) ALBIngresses() []*Ingress {
	var out []*Ingress
	for _, in := range t.Ingresses {
		if in.Group != nil {
			out = append(out, in)
		}
	}
	return out
}

// InferCluster returns the cluster name the controller tagged the ALBs with
// when exactly one appears, and every name seen.
func InferCluster(st *awsapi.State) (string, []string) {
	seen := map[string]bool{}
	var names []string
	for _, lb := range st.LoadBalancers {
		if c, ok := lb.Tags[lbc.TagCluster]; ok && !seen[c] {
			seen[c] = true
			names = append(names, c)
		}
	}
	sort.Strings(names)
	if len(names) == 1 {
		return names[0], names
	}
	return "", names
}

// Class returns the IngressClass named name that was read, or nil.
func (t *Topology) Class(name string) *networkingv1.IngressClass {
	if t.Objects == nil {
		return nil
	}
	for i := range t.Objects.IngressClasses {
		if t.Objects.IngressClasses[i].Name == name {
			return &t.Objects.IngressClasses[i]
		}
	}
	return nil
}
