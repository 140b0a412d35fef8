package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/lbctl/sandbox/dataplane"
	"github.com/lbctl/lbctl/lbctl/topology"
)

type lbModel struct {
	arn, name, dns, ip, scheme string
	listeners                  map[int32]*listenerModel
}

type listenerModel struct {
	arn, protocol string
	rules         map[int32]string // priority → rule ARN
	dp            dataplane.Listener
}

type tgModel struct {
	arn, name, stack, lbARN string
	binding                 types.NamespacedName
	service                 types.NamespacedName
	servicePort             string // the Service port's name or number as written
	targetType              v1beta1.TargetType
	port                    int32
	nodeLabels              map[string]string
	health                  dataplane.HealthCheck
	dereg                   time.Duration
	targets                 []dataplane.Target
}

// Reconcile makes AWS, the TargetGroupBindings, Ingress status and the data
// plane match the cluster's Ingresses, once.
func (e *Emulator) Reconcile(ctx context.Context) error {
	if e.listers.objs == nil {
		return errors.New("emulator not running")
	}
	objs := e.listers.objs()
	// The controller discovers an HTTPS Ingress's certificates in ACM when
	// it names none.
	acm, certs := e.certificates()
	top := topology.Build(objs, acm, topology.Options{Defaults: e.o.Defaults})
	e.mu.Lock()
	defer e.mu.Unlock()

	live := map[string]bool{}
	var errs []error
	for _, g := range top.Groups {
		stack := lbc.StackTag(g.ID)
		live[stack] = true
		if why := blocked(g, certs); why != "" {
			e.event(ctx, g, why)
			continue
		}
		if err := e.reconcileGroup(ctx, g, objs); err != nil {
			errs = append(errs, fmt.Errorf("group %s: %w", g.ID, err))
		}
	}
	// Groups that lost their last member: the ALB goes, and its target groups.
	for stack, lb := range e.lbs {
		if live[stack] {
			continue
		}
		e.logf("controller: deleting ALB %s (group %s has no members)", lb.name, stack)
		e.state.DeleteLoadBalancer(lb.arn)
		delete(e.lbs, stack)
		for name, tg := range e.tgs {
			if tg.stack == stack {
				e.deleteTargetGroup(ctx, name, tg)
			}
		}
	}
	// Targets follow endpoints for every target group, even of blocked
	// groups: the TargetGroupBinding reconciler works on its own.
	for _, tg := range e.tgs {
		tg.targets = targetsOf(tg, objs, e.o.Loopback)
	}
	if err := e.plane.Apply(e.planeConfig()); err != nil {
		errs = append(errs, err)
	}
	e.plane.SetRecords(e.zone(top))
	e.syncHealth(ctx, objs)
	if e.o.Defaults.FeatureGates[render.PlanFeatureGate] {
		e.writePlans(ctx, top)
	}
	return errors.Join(errs...)
}

// writePlans writes each built group's model into the dry-run-plan
// annotation of its first member, as the controller does with the
// IngressPlanAnnotation gate: the same JSON its stack marshaller writes,
// patched only when it changed.
func (e *Emulator) writePlans(ctx context.Context, top *topology.Topology) {
	m := render.Render(top, render.Options{DefaultTags: e.o.Defaults.DefaultTags})
	for _, g := range m.Groups {
		if g.Stack == nil || len(g.Members) == 0 {
			continue
		}
		ns, name, _ := strings.Cut(g.Members[0], "/")
		plan, err := json.Marshal(g.Stack)
		if err != nil {
			continue
		}
		var cur string
		for _, in := range top.Ingresses {
			if in.Key() == g.Members[0] {
				cur = in.Object.Annotations[render.PlanAnnotation]
			}
		}
		if cur == string(plan) {
			continue
		}
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{render.PlanAnnotation: string(plan)}}})
		if _, err := e.kc.NetworkingV1().Ingresses(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			e.logf("controller: write %s on %s: %v", render.PlanAnnotation, g.Members[0], err)
		}
	}
}

// zone is what ExternalDNS would publish in Route53 for the ALB-class
// Ingresses whose group has an ALB: each host an alias to the ALB, weighted
// when the Ingress has a set identifier. Route53 keeps simple and weighted
// records of one name apart; when both are asked for, the weighted ones
// win (ExternalDNS cannot create the other kind).
func (e *Emulator) zone(top *topology.Topology) map[string][]dataplane.Record {
	weighted := map[string][]dataplane.Record{}
	simple := map[string][]dataplane.Record{}
	for _, g := range top.Groups {
		lb := e.lbs[lbc.StackTag(g.ID)]
		if lb == nil {
			continue
		}
		for _, in := range g.Ingresses {
			hosts, id, w := lbc.DNSRecords(in.Object)
			for _, h := range hosts {
				if id != "" {
					weighted[h] = append(weighted[h], dataplane.Record{Target: lb.dns, SetID: id, Weight: w})
				} else if len(simple[h]) == 0 {
					simple[h] = []dataplane.Record{{Target: lb.dns}}
				}
			}
		}
	}
	for h, rs := range simple {
		if _, ok := weighted[h]; !ok {
			weighted[h] = rs
		}
	}
	return weighted
}

// blocked says why the controller would refuse to reconcile a group: a
// conflict between members, or one member it cannot build (one invalid
// member blocks the whole group), such as an HTTPS member whose
// certificates it cannot discover.
func blocked(g *topology.Group, certs []lbc.Certificate) string {
	if len(g.Conflicts) > 0 {
		c := g.Conflicts[0]
		return fmt.Sprintf("conflicting %s across the group's members", lbc.Key(c.Annotation))
	}
	for _, err := range g.Errors {
		if !errors.Is(err, lbc.ErrTolerated) {
			return err.Error()
		}
	}
	for _, in := range g.Ingresses {
		if why := discoveryFailure(in, certs); why != "" {
			return why
		}
		for _, err := range in.Errors {
			if !errors.Is(err, lbc.ErrTolerated) {
				return fmt.Sprintf("Ingress %s: %v", in.Key(), err)
			}
		}
		for _, b := range in.Backends {
			if b.Err != nil {
				return fmt.Sprintf("Ingress %s: %v", in.Key(), b.Err)
			}
		}
	}
	return ""
}

// event records a Warning event on the group's Ingresses, once per message,
// as the controller's FailedBuildModel / FailedDeployModel events.
func (e *Emulator) event(ctx context.Context, g *topology.Group, why string) {
	for _, in := range g.Ingresses {
		key := in.Key()
		if e.events[key] == why {
			continue
		}
		e.events[key] = why
		ev := &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{GenerateName: in.Object.Name + ".", Namespace: in.Object.Namespace},
			InvolvedObject: corev1.ObjectReference{Kind: "Ingress", APIVersion: "networking.k8s.io/v1", Namespace: in.Object.Namespace, Name: in.Object.Name, UID: in.Object.UID},
			Reason:         "FailedBuildModel", Message: "Failed build model due to " + why, Type: corev1.EventTypeWarning,
			Source: corev1.EventSource{Component: "ingress"}, FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1,
		}
		if _, err := e.kc.CoreV1().Events(in.Object.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			e.logf("controller: event for %s: %v", key, err)
		}
		e.logf("controller: group %s not reconciled: %s", g.ID, why)
	}
}

func (e *Emulator) reconcileGroup(ctx context.Context, g *topology.Group, objs *kube.Objects) error {
	stack := lbc.StackTag(g.ID)
	lb := e.lbs[stack]
	if lb != nil && (lb.name != g.LoadBalancerName || lb.scheme != g.Scheme) {
		// A new name (scheme change, new load-balancer-name) is a new ALB with a new DNS name.
		e.logf("controller: replacing ALB %s with %s", lb.name, g.LoadBalancerName)
		e.state.DeleteLoadBalancer(lb.arn)
		lb = nil
	}
	if lb == nil {
		var err error
		if lb, err = e.createLoadBalancer(g, objs); err != nil {
			return err
		}
		e.lbs[stack] = lb
	}

	// Target groups and their bindings.
	tgByRef := map[string]*tgModel{}
	want := map[string]bool{}
	for _, in := range g.Ingresses {
		for _, b := range in.Backends {
			if b.TargetGroupName == "" || b.ServicePort == nil {
				continue
			}
			tg, err := e.ensureTargetGroup(ctx, g, in, b, lb)
			if err != nil {
				return err
			}
			want[tg.name] = true
			tgByRef[refKey(in.Object.Namespace, in.Object.Name, b.Ref.Service, b.Ref.Port.String())] = tg
		}
	}
	for name, tg := range e.tgs {
		if tg.stack == stack && !want[name] {
			e.deleteTargetGroup(ctx, name, tg)
		}
	}

	// Listeners and rules.
	rulesByPort := map[int32][]lbc.Rule{}
	for _, r := range g.Rules {
		rulesByPort[r.Port] = append(rulesByPort[r.Port], r)
	}
	var def *dataplane.Action
	for _, in := range g.Ingresses {
		if t, _ := lbc.DefaultTarget(in.Object, in.Config); t != nil {
			a := e.action(in.Object.Namespace, in.Object.Name, *t, tgByRef)
			def = &a
			break
		}
	}
	wantPorts := map[int32]bool{}
	for _, l := range g.Listeners {
		if l.Protocol == lbc.ProtocolHTTPS && len(l.Certificates) == 0 {
			return fmt.Errorf("listener %d: %s", l.Port, errHTTPSWithoutCertificate)
		}
		wantPorts[l.Port] = true
		lm := lb.listeners[l.Port]
		if lm == nil {
			arn, err := e.namer.ListenerARN(lb.arn)
			if err != nil {
				return err
			}
			lm = &listenerModel{arn: arn, protocol: l.Protocol, rules: map[int32]string{}}
			lb.listeners[l.Port] = lm
		}
		sl := elbv2types.Listener{ListenerArn: aws.String(lm.arn), LoadBalancerArn: aws.String(lb.arn),
			Port: aws.Int32(l.Port), Protocol: elbv2types.ProtocolEnum(l.Protocol)}
		if l.Protocol == lbc.ProtocolHTTPS {
			sl.Certificates = listenerCertificates(l.Certificates)
			if l.SSLPolicy != "" {
				sl.SslPolicy = aws.String(l.SSLPolicy)
			}
		}
		if err := e.state.PutListener(sl); err != nil {
			return err
		}
		if err := e.state.SetTags(lm.arn, withResource(g, lbc.ListenerResourceTag(l.Port), e.o.Defaults.ClusterName)); err != nil {
			return err
		}
		dl := dataplane.Listener{Port: int(l.Port), BindPort: int(l.Port) + e.o.PortOffset}
		switch redirect := sslRedirect(g); {
		case redirect != 0 && l.Protocol == lbc.ProtocolHTTP:
			// ssl-redirect: the HTTP listener only redirects (and has no rules).
			dl.Default = dataplane.Action{Redirect: &dataplane.Redirect{Protocol: lbc.ProtocolHTTPS, Port: strconv.Itoa(int(redirect)), StatusCode: 301}}
		case def != nil:
			dl.Default = *def
		default:
			// The controller's default: 404, text/plain, no body.
			dl.Default = dataplane.Action{Fixed: &dataplane.FixedResponse{Status: 404, ContentType: "text/plain"}}
		}
		seen := map[int32]bool{}
		for _, r := range rulesByPort[l.Port] {
			seen[r.Priority] = true
			arn := lm.rules[r.Priority]
			if arn == "" {
				var err error
				if arn, err = e.namer.RuleARN(lm.arn); err != nil {
					return err
				}
				lm.rules[r.Priority] = arn
			}
			act := e.action(r.Ingress.Namespace, r.Ingress.Name, r.Target, tgByRef)
			if err := e.state.PutRule(lm.arn, sdkRule(arn, r, act)); err != nil {
				return err
			}
			if err := e.state.SetTags(arn, withResource(g, lbc.RuleResourceTag(l.Port, r.Priority), e.o.Defaults.ClusterName)); err != nil {
				return err
			}
			dl.Rules = append(dl.Rules, dataplane.Rule{Priority: int(r.Priority), Hosts: r.Hosts, Paths: r.Paths, Action: act})
		}
		for prio, arn := range lm.rules {
			if !seen[prio] {
				e.state.DeleteRule(arn)
				delete(lm.rules, prio)
			}
		}
		sort.Slice(dl.Rules, func(i, j int) bool { return dl.Rules[i].Priority < dl.Rules[j].Priority })
		lm.dp = dl
	}
	for port, lm := range lb.listeners {
		if !wantPorts[port] {
			e.state.DeleteListener(lm.arn)
			delete(lb.listeners, port)
		}
	}

	// Ingress status: the ALB's DNS name.
	for _, in := range g.Ingresses {
		st := in.Object.Status.LoadBalancer.Ingress
		if len(st) == 1 && st[0].Hostname == lb.dns {
			continue
		}
		ing := in.Object.DeepCopy()
		ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{Hostname: lb.dns}}
		if _, err := e.kc.NetworkingV1().Ingresses(ing.Namespace).UpdateStatus(ctx, ing, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			return fmt.Errorf("ingress %s status: %w", in.Key(), err)
		}
	}
	return nil
}

func refKey(ns, ing, svc, port string) string { return ns + "/" + ing + "|" + svc + "|" + port }

func withResource(g *topology.Group, resource, cluster string) map[string]string {
	return lbc.ResourceTags(cluster, g.ID, resource)
}

// albAddress is the nth ALB's address (n from 1): base.1 to base.254, then
// on through the next third octets (base "127.10.200": the 255th ALB is
// 127.10.201.1), so an estate of more than 254 ALBs still gets loopback
// addresses.
func albAddress(base string, n int) string {
	i := strings.LastIndex(base, ".")
	third, err := strconv.Atoi(base[i+1:])
	if i < 0 || err != nil {
		return fmt.Sprintf("%s.%d", base, n)
	}
	return fmt.Sprintf("%s.%d.%d", base[:i], third+(n-1)/254, (n-1)%254+1)
}

func (e *Emulator) createLoadBalancer(g *topology.Group, objs *kube.Objects) (*lbModel, error) {
	e.nextIP++
	lb := &lbModel{
		name: g.LoadBalancerName, scheme: g.Scheme,
		ip:        albAddress(e.o.ALBAddressBase, e.nextIP),
		listeners: map[int32]*listenerModel{},
	}
	lb.arn = e.namer.LoadBalancerARN(elbv2types.LoadBalancerTypeEnumApplication, lb.name)
	lb.dns = e.namer.LoadBalancerDNSName(elbv2types.LoadBalancerTypeEnumApplication, elbv2types.LoadBalancerSchemeEnum(lb.scheme), lb.name)
	var azs []elbv2types.AvailabilityZone
	zones := map[string]bool{}
	for _, n := range objs.Nodes {
		if z := n.Labels[corev1.LabelTopologyZone]; z != "" && !zones[z] {
			zones[z] = true
			azs = append(azs, elbv2types.AvailabilityZone{ZoneName: aws.String(z), SubnetId: aws.String(e.o.Subnets[z])})
		}
	}
	sort.Slice(azs, func(i, j int) bool { return *azs[i].ZoneName < *azs[j].ZoneName })
	if err := e.state.PutLoadBalancer(elbv2types.LoadBalancer{
		LoadBalancerArn: aws.String(lb.arn), LoadBalancerName: aws.String(lb.name), DNSName: aws.String(lb.dns),
		Scheme: elbv2types.LoadBalancerSchemeEnum(lb.scheme), Type: elbv2types.LoadBalancerTypeEnumApplication,
		VpcId: aws.String(e.o.VpcID), IpAddressType: elbv2types.IpAddressTypeIpv4, AvailabilityZones: azs,
		State:       &elbv2types.LoadBalancerState{Code: elbv2types.LoadBalancerStateEnumActive},
		CreatedTime: aws.Time(time.Now().UTC().Truncate(time.Millisecond)),
	}); err != nil {
		return nil, err
	}
	tags := withResource(g, lbc.LoadBalancerResourceTag, e.o.Defaults.ClusterName)
	for _, m := range g.Members {
		for k, v := range m.Config.Tags {
			tags[k] = v
		}
	}
	if err := e.state.SetTags(lb.arn, tags); err != nil {
		return nil, err
	}
	e.logf("controller: created ALB %s (%s) at %s", lb.name, lb.dns, lb.ip)
	return lb, nil
}

func (e *Emulator) ensureTargetGroup(ctx context.Context, g *topology.Group, in *topology.Ingress, b *topology.Backend, lb *lbModel) (*tgModel, error) {
	tt := b.Config.TargetType
	port, err := lbc.TargetGroupPort(*b.ServicePort, tt)
	if err != nil && !errors.Is(err, lbc.ErrNoNodePort) {
		return nil, err
	}
	tg := e.tgs[b.TargetGroupName]
	if tg == nil {
		tg = &tgModel{arn: e.namer.TargetGroupARN(b.TargetGroupName), name: b.TargetGroupName}
		e.tgs[tg.name] = tg
		e.logf("controller: created target group %s (%s)", tg.name, tt)
	}
	ingKey := types.NamespacedName{Namespace: in.Object.Namespace, Name: in.Object.Name}
	svcKey := types.NamespacedName{Namespace: in.Object.Namespace, Name: b.Ref.Service}
	tg.stack, tg.lbARN, tg.targetType, tg.port = lbc.StackTag(g.ID), lb.arn, tt, port
	tg.service, tg.servicePort, tg.nodeLabels = svcKey, b.ServicePort.Name, b.Config.TargetNodeLabels
	if tg.servicePort == "" {
		tg.servicePort = strconv.Itoa(int(b.ServicePort.Port))
	}
	tg.binding = lbc.TargetGroupBindingName(lbc.TargetGroupKey{Cluster: e.o.Defaults.ClusterName, Group: g.ID, Ingress: ingKey, Service: svcKey,
		ServiceUID: b.Service.UID, Port: b.Ref.Port, TargetPort: port, TargetType: tt, Protocol: b.Config.BackendProtocol, ProtocolVersion: b.Config.ProtocolVersion})
	hc := b.Config.HealthCheck
	tg.health = dataplane.HealthCheck{Path: hc.Path, Port: hc.Port, Interval: e.scaled(hc.IntervalSeconds), Timeout: e.checkTimeout(hc.IntervalSeconds, hc.TimeoutSeconds),
		HealthyThreshold: int(hc.HealthyThreshold), UnhealthyThreshold: int(hc.UnhealthyThreshold), Matcher: hc.SuccessCodes}
	tg.dereg = e.scaled(int32(deregistrationDelay(b.Config.TargetGroupAttributes)))

	out := elbv2types.TargetGroup{
		TargetGroupArn: aws.String(tg.arn), TargetGroupName: aws.String(tg.name), TargetType: elbv2types.TargetTypeEnum(tt),
		Protocol: elbv2types.ProtocolEnum(b.Config.BackendProtocol), ProtocolVersion: aws.String(b.Config.ProtocolVersion),
		Port: aws.Int32(port), VpcId: aws.String(e.o.VpcID), HealthCheckEnabled: aws.Bool(true),
		HealthCheckProtocol: elbv2types.ProtocolEnum(orDefault(hc.Protocol, "HTTP")), HealthCheckPort: aws.String(hc.Port), HealthCheckPath: aws.String(hc.Path),
		HealthCheckIntervalSeconds: aws.Int32(hc.IntervalSeconds), HealthCheckTimeoutSeconds: aws.Int32(hc.TimeoutSeconds),
		HealthyThresholdCount: aws.Int32(hc.HealthyThreshold), UnhealthyThresholdCount: aws.Int32(hc.UnhealthyThreshold),
		Matcher: &elbv2types.Matcher{HttpCode: aws.String(hc.SuccessCodes)}, IpAddressType: elbv2types.TargetGroupIpAddressTypeEnumIpv4,
	}
	if err := e.state.PutTargetGroup(out, lb.arn); err != nil {
		return nil, err
	}
	tags := withResource(g, lbc.TargetGroupResourceTag(ingKey, b.Ref.Service, b.Ref.Port), e.o.Defaults.ClusterName)
	for k, v := range b.Config.Tags {
		tags[k] = v
	}
	if err := e.state.SetTags(tg.arn, tags); err != nil {
		return nil, err
	}
	return tg, e.ensureBinding(ctx, g, tg, b)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (e *Emulator) scaled(seconds int32) time.Duration {
	return time.Duration(float64(seconds) * e.o.TimeScale * float64(time.Second))
}

// checkTimeout is a health check's timeout in the data plane: AWS's,
// unscaled, but no longer than the scaled interval. The time scale
// compresses waiting (intervals, delays), not how long a server on this
// machine takes to answer: scaled, AWS's default 5 s would be 0.5 s at 0.1,
// and a busy machine (the large scenario's 900 targets checked every 1.5 s
// beside a kube-apiserver) fails checks with Target.Timeout until no moment
// finds every target healthy.
func (e *Emulator) checkTimeout(interval, timeout int32) time.Duration {
	return min(time.Duration(timeout)*time.Second, e.scaled(interval))
}

func deregistrationDelay(attrs map[string]string) int {
	if n, err := strconv.Atoi(attrs["deregistration_delay.timeout_seconds"]); err == nil {
		return n
	}
	return 300
}

// ensureBinding creates the controller's TargetGroupBinding for a target group.
func (e *Emulator) ensureBinding(ctx context.Context, g *topology.Group, tg *tgModel, b *topology.Backend) error {
	tt := tg.targetType
	ipv4 := v1beta1.IPAddressTypeIPv4
	obj := &v1beta1.TargetGroupBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1beta1.SchemeGroupVersion.String(), Kind: "TargetGroupBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: tg.binding.Name, Namespace: tg.binding.Namespace, Labels: lbc.StackLabels(g.ID)},
		Spec: v1beta1.TargetGroupBindingSpec{TargetGroupARN: tg.arn, TargetType: &tt, IPAddressType: &ipv4, VpcID: e.o.VpcID,
			ServiceRef: v1beta1.ServiceReference{Name: tg.service.Name, Port: b.Ref.Port}},
	}
	res := e.dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace(tg.binding.Namespace)
	if _, err := res.Get(ctx, obj.Name, metav1.GetOptions{}); err == nil {
		return nil
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	if _, err := res.Create(ctx, &unstructured.Unstructured{Object: m}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create TargetGroupBinding %s: %w", tg.binding, err)
	}
	return nil
}

func (e *Emulator) deleteTargetGroup(ctx context.Context, name string, tg *tgModel) {
	e.logf("controller: deleting target group %s", name)
	// The binding goes first (its finalizer deregisters the targets), then
	// the target group, as with the real controller.
	err := e.dc.Resource(v1beta1.TargetGroupBindingsResource).Namespace(tg.binding.Namespace).Delete(ctx, tg.binding.Name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		e.logf("controller: delete TargetGroupBinding %s: %v", tg.binding, err)
	}
	e.state.DeleteTargetGroup(tg.arn)
	delete(e.tgs, name)
}

// action turns a rule target into the data plane's action.
func (e *Emulator) action(ns, ing string, t lbc.Target, tgByRef map[string]*tgModel) dataplane.Action {
	switch {
	case t.Backend != nil:
		if tg := tgByRef[refKey(ns, ing, t.Backend.Service, t.Backend.Port.String())]; tg != nil {
			return dataplane.Action{Forward: []dataplane.WeightedTargetGroup{{ARN: tg.arn, Weight: 1}}}
		}
	case t.Action != nil && t.Action.ForwardConfig != nil:
		var fw []dataplane.WeightedTargetGroup
		for _, tt := range t.Action.ForwardConfig.TargetGroups {
			w := 1
			if tt.Weight != nil {
				w = int(*tt.Weight)
			}
			switch {
			case tt.TargetGroupARN != nil:
				fw = append(fw, dataplane.WeightedTargetGroup{ARN: *tt.TargetGroupARN, Weight: w})
			case tt.ServiceName != nil && tt.ServicePort != nil:
				if tg := tgByRef[refKey(ns, ing, *tt.ServiceName, tt.ServicePort.String())]; tg != nil {
					fw = append(fw, dataplane.WeightedTargetGroup{ARN: tg.arn, Weight: w})
				}
			}
		}
		if len(fw) > 0 {
			return dataplane.Action{Forward: fw}
		}
	case t.Action != nil && t.Action.FixedResponseConfig != nil:
		fr := t.Action.FixedResponseConfig
		code, _ := strconv.Atoi(fr.StatusCode)
		return dataplane.Action{Fixed: &dataplane.FixedResponse{Status: code, ContentType: deref(fr.ContentType), Body: deref(fr.MessageBody)}}
	case t.Action != nil && t.Action.RedirectConfig != nil:
		rc := t.Action.RedirectConfig
		code, _ := strconv.Atoi(strings.TrimPrefix(rc.StatusCode, "HTTP_"))
		return dataplane.Action{Redirect: &dataplane.Redirect{Protocol: deref(rc.Protocol), Host: deref(rc.Host), Port: deref(rc.Port), Path: deref(rc.Path), Query: deref(rc.Query), StatusCode: code}}
	}
	return dataplane.Action{Fixed: &dataplane.FixedResponse{Status: 503, ContentType: "text/plain", Body: "Backend service does not exist"}}
}

// sslRedirect is the group's ssl-redirect port (0: none).
func sslRedirect(g *topology.Group) int32 {
	for _, m := range g.Members {
		if m.Config.SSLRedirectPort != 0 {
			return m.Config.SSLRedirectPort
		}
	}
	return 0
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func sdkRule(arn string, r lbc.Rule, act dataplane.Action) elbv2types.Rule {
	out := elbv2types.Rule{RuleArn: aws.String(arn), Priority: aws.String(strconv.Itoa(int(r.Priority))), IsDefault: aws.Bool(false)}
	if len(r.Hosts) > 0 {
		out.Conditions = append(out.Conditions, elbv2types.RuleCondition{Field: aws.String("host-header"), HostHeaderConfig: &elbv2types.HostHeaderConditionConfig{Values: r.Hosts}})
	}
	if len(r.Paths) > 0 {
		out.Conditions = append(out.Conditions, elbv2types.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &elbv2types.PathPatternConditionConfig{Values: r.Paths}})
	}
	switch {
	case len(act.Forward) > 0:
		fc := &elbv2types.ForwardActionConfig{}
		for _, f := range act.Forward {
			fc.TargetGroups = append(fc.TargetGroups, elbv2types.TargetGroupTuple{TargetGroupArn: aws.String(f.ARN), Weight: aws.Int32(int32(f.Weight))})
		}
		out.Actions = []elbv2types.Action{{Type: elbv2types.ActionTypeEnumForward, Order: aws.Int32(1), ForwardConfig: fc}}
	case act.Fixed != nil:
		out.Actions = []elbv2types.Action{{Type: elbv2types.ActionTypeEnumFixedResponse, Order: aws.Int32(1), FixedResponseConfig: &elbv2types.FixedResponseActionConfig{
			StatusCode: aws.String(strconv.Itoa(act.Fixed.Status)), ContentType: aws.String(act.Fixed.ContentType), MessageBody: aws.String(act.Fixed.Body)}}}
	case act.Redirect != nil:
		rc := &elbv2types.RedirectActionConfig{StatusCode: elbv2types.RedirectActionStatusCodeEnum(fmt.Sprintf("HTTP_%d", act.Redirect.StatusCode))}
		for dst, v := range map[**string]string{&rc.Protocol: act.Redirect.Protocol, &rc.Host: act.Redirect.Host, &rc.Port: act.Redirect.Port, &rc.Path: act.Redirect.Path, &rc.Query: act.Redirect.Query} {
			if v != "" {
				*dst = aws.String(v)
			}
		}
		out.Actions = []elbv2types.Action{{Type: elbv2types.ActionTypeEnumRedirect, Order: aws.Int32(1), RedirectConfig: rc}}
	}
	return out
}

// targetsOf is what the TargetGroupBinding reconciler registers: in ip mode
// the Service's endpoints that are ready — or ready but for this binding's
// readiness gate — and not terminating; in instance mode every selected node
// on the NodePort.
func targetsOf(tg *tgModel, objs *kube.Objects, loopback func(string) string) []dataplane.Target {
	var out []dataplane.Target
	if tg.targetType == v1beta1.TargetTypeInstance {
		var sel labels.Selector
		if len(tg.nodeLabels) > 0 {
			sel = labels.SelectorFromSet(tg.nodeLabels)
		}
		for _, n := range objs.Nodes {
			if sel != nil && !sel.Matches(labels.Set(n.Labels)) {
				continue
			}
			ip := ""
			for _, a := range n.Status.Addresses {
				if a.Type == corev1.NodeInternalIP {
					ip = a.Address
				}
			}
			if ip == "" || tg.port == 0 {
				continue
			}
			out = append(out, dataplane.Target{ID: topology.InstanceID(&n), Port: int(tg.port), Addr: fmt.Sprintf("%s:%d", loopback(ip), tg.port), Zone: n.Labels[corev1.LabelTopologyZone]})
		}
		return out
	}
	gate := lbc.ReadinessGateConditionType(tg.binding.Name)
	pods := map[string]*corev1.Pod{}
	for i := range objs.Pods {
		p := &objs.Pods[i]
		if p.Namespace == tg.service.Namespace {
			pods[p.Name] = p
		}
	}
	for _, es := range objs.EndpointSlices {
		if es.Namespace != tg.service.Namespace || es.Labels[discoveryv1.LabelServiceName] != tg.service.Name {
			continue
		}
		var port int32
		for _, p := range es.Ports {
			if p.Port != nil && ((p.Name != nil && *p.Name == tg.servicePort) || (len(es.Ports) == 1)) {
				port = *p.Port
			}
		}
		if port == 0 {
			continue
		}
		for _, ep := range es.Endpoints {
			ready := ep.Conditions.Ready != nil && *ep.Conditions.Ready
			terminating := ep.Conditions.Terminating != nil && *ep.Conditions.Terminating
			if !ready && !terminating && ep.TargetRef != nil {
				if p := pods[ep.TargetRef.Name]; p != nil && hasGate(p, gate) && containersReady(p) {
					ready = true
				}
			}
			if !ready || terminating {
				continue
			}
			zone := ""
			if ep.Zone != nil {
				zone = *ep.Zone
			}
			for _, a := range ep.Addresses {
				out = append(out, dataplane.Target{ID: a, Port: int(port), Addr: fmt.Sprintf("%s:%d", loopback(a), port), Zone: zone})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}

func hasGate(p *corev1.Pod, t corev1.PodConditionType) bool {
	for _, g := range p.Spec.ReadinessGates {
		if g.ConditionType == t {
			return true
		}
	}
	return false
}

func containersReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.ContainersReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (e *Emulator) planeConfig() dataplane.Config {
	var cfg dataplane.Config
	stacks := make([]string, 0, len(e.lbs))
	for s := range e.lbs {
		stacks = append(stacks, s)
	}
	sort.Strings(stacks)
	for _, s := range stacks {
		lb := e.lbs[s]
		dl := dataplane.LoadBalancer{Name: lb.name, DNSName: lb.dns, IP: lb.ip}
		ports := make([]int, 0, len(lb.listeners))
		for p := range lb.listeners {
			ports = append(ports, int(p))
		}
		sort.Ints(ports)
		for _, p := range ports {
			dl.Listeners = append(dl.Listeners, lb.listeners[int32(p)].dp)
		}
		cfg.LoadBalancers = append(cfg.LoadBalancers, dl)
	}
	names := make([]string, 0, len(e.tgs))
	for n := range e.tgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tg := e.tgs[n]
		cfg.TargetGroups = append(cfg.TargetGroups, dataplane.TargetGroup{ARN: tg.arn, Targets: tg.targets, HealthCheck: tg.health, DeregistrationDelay: tg.dereg})
	}
	return cfg
}

// syncHealth mirrors the data plane's target health into DescribeTargetHealth
// and into the target-health readiness gates of ip-mode pods.
func (e *Emulator) syncHealth(ctx context.Context, objs *kube.Objects) {
	podsByIP := map[string]*corev1.Pod{}
	for i := range objs.Pods {
		if ip := objs.Pods[i].Status.PodIP; ip != "" {
			podsByIP[ip] = &objs.Pods[i]
		}
	}
	for _, tg := range e.tgs {
		evs := e.plane.TargetHealth(tg.arn)
		var th []elbv2types.TargetHealthDescription
		for _, ev := range evs {
			d := elbv2types.TargetHealthDescription{
				Target:          &elbv2types.TargetDescription{Id: aws.String(ev.TargetID), Port: aws.Int32(int32(ev.Port))},
				HealthCheckPort: aws.String(strconv.Itoa(ev.Port)),
				TargetHealth:    &elbv2types.TargetHealth{State: elbv2types.TargetHealthStateEnum(ev.State)},
			}
			if ev.Reason != "" {
				d.TargetHealth.Reason = elbv2types.TargetHealthReasonEnum(ev.Reason)
			}
			if ev.Description != "" {
				d.TargetHealth.Description = aws.String(ev.Description)
			}
			th = append(th, d)
			if tg.targetType == v1beta1.TargetTypeIP {
				if p := podsByIP[ev.TargetID]; p != nil {
					e.setGate(ctx, p, lbc.ReadinessGateConditionType(tg.binding.Name), ev.State == dataplane.TargetState("healthy"))
				}
			}
		}
		if err := e.state.SetTargetHealth(tg.arn, th); err != nil {
			e.logf("controller: target health of %s: %v", tg.name, err)
		}
	}
}

// setGate sets a pod's readiness-gate condition when the pod has that gate.
func (e *Emulator) setGate(ctx context.Context, p *corev1.Pod, t corev1.PodConditionType, healthy bool) {
	if !hasGate(p, t) || p.DeletionTimestamp != nil {
		return
	}
	want := corev1.ConditionFalse
	if healthy {
		want = corev1.ConditionTrue
	}
	for _, c := range p.Status.Conditions {
		if c.Type == t && c.Status == want {
			return
		}
	}
	pp := p.DeepCopy()
	found := false
	for i := range pp.Status.Conditions {
		if pp.Status.Conditions[i].Type == t {
			pp.Status.Conditions[i].Status, pp.Status.Conditions[i].LastTransitionTime = want, metav1.Now()
			found = true
		}
	}
	if !found {
		pp.Status.Conditions = append(pp.Status.Conditions, corev1.PodCondition{Type: t, Status: want, LastTransitionTime: metav1.Now()})
	}
	if _, err := e.kc.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, pp, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
		e.logf("controller: readiness gate of %s/%s: %v", p.Namespace, p.Name, err)
	}
}
