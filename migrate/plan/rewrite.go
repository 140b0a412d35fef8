package plan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// Annotations the plan reads or writes besides the controller's.
const (
	// AnnotationSetIdentifier and AnnotationAWSWeight make ExternalDNS write
	// weighted Route53 records, one per Ingress, for the same host.
	AnnotationSetIdentifier = lbc.ExternalDNSSetIdentifier
	AnnotationAWSWeight     = lbc.ExternalDNSAWSWeight
	// AnnotationMigratedFrom on a copy names the Ingress it replaces.
	AnnotationMigratedFrom = "lbctl.dev/migrated-from"
)

// strippedAnnotations are not copied: server- or tool-owned bookkeeping that
// would make the copy look like the tool's own object.
func stripped(k string) bool {
	switch k {
	case "kubectl.kubernetes.io/last-applied-configuration", "argocd.argoproj.io/tracking-id", "deployment.kubernetes.io/revision",
		lbc.PlanAnnotation: // the controller's own model of the group, written by it
		return true
	}
	return strings.HasPrefix(k, "meta.helm.sh/")
}

// rewrite builds every copy: phase-2 form, and for an in-place move its
// final form.
func (b *builder) rewrite() {
	for _, m := range b.moves {
		b.findings = append(b.findings, m.notes...)
		b.classFix(m)
		in := m.in
		if !m.inPlace {
			if v, ok := in.Config.Exclusive[lbc.SuffixLoadBalancerName]; ok {
				b.add(finding(scan.Info, CodeLBNameDropped,
					fmt.Sprintf("Ingress %s sets %s %s; its copy goes to a new ALB beside the old one and ALB names are unique, so the copy drops it (the controller names the new ALB)", in.Key(), lbc.Key(lbc.SuffixLoadBalancerName), v),
					"set a new load-balancer-name on the copy if you need a fixed one", in.Ref()))
			}
			m.copy = b.baseCopy(m)
			if b.dnsWeighted(m) {
				_, m.copy = b.dnsPair(m, 0)
			}
		} else {
			m.copy = b.shiftCopy(m, 0)
			m.final = b.baseCopy(m)
			m.final.Spec.DefaultBackend = nil
			if in.Object.Spec.DefaultBackend != nil {
				b.add(finding(scan.Warning, CodeDefaultBackend,
					fmt.Sprintf("Ingress %s has spec.defaultBackend and its group %s is changed in place: a group takes one default backend, so the copy gets it only after the old Ingress is deleted (phase 6); the ALB answers 404 to unmatched requests in between", in.Key(), in.Group.ID),
					"run the two phase-6 steps back to back, or move the default backend to a rule first", in.Ref()))
			}
		}
		switch {
		case !m.liveALB && !m.inPlace:
			b.add(finding(scan.Info, CodeNoLiveALB,
				fmt.Sprintf("Ingress %s has no ALB today (never reconciled): its copy is created and there is no traffic to shift", in.Key()), "", in.Ref()))
		case !m.inPlace && hostless(in):
			b.add(finding(scan.Warning, CodeCatchAllHost,
				fmt.Sprintf("Ingress %s has rules without a host (or a default backend): clients reach them by the ALB's DNS name, which changes with the new ALB, so no DNS weight can shift them", in.Key()),
				"after phase 4, point those clients (or the CNAME they use) at the new ALB's DNS name", in.Ref()))
		}
	}
	for _, bn := range b.bins {
		if bn.inPlace || len(bn.moves) < 2 {
			continue
		}
		for _, m := range bn.moves {
			if be := m.in.Object.Spec.DefaultBackend; be != nil {
				b.add(finding(scan.Warning, CodeDefaultBackend,
					fmt.Sprintf("Ingress %s's spec.defaultBackend becomes the default action of the shared ALB %s: requests for the other members' hosts that match no rule now go there instead of a 404", m.in.Key(), bn.displayName()),
					"accept it, or replace the default backend with a host rule", m.ref()))
			}
		}
		b.duplicateRoutes(bn)
	}
}

func hostless(in *topology.Ingress) bool {
	for _, r := range in.Object.Spec.Rules {
		if r.Host == "" {
			return true
		}
	}
	return in.Object.Spec.DefaultBackend != nil
}

// duplicateRoutes warns when two members of a new group route the same host
// and path: only the lower group.order gets the traffic.
func (b *builder) duplicateRoutes(bn *bin) {
	seen := map[string]*move{}
	for _, m := range bn.moves {
		for _, r := range m.in.Rules {
			k := fmt.Sprint(r.Port, r.Hosts, r.HostRegex, r.Paths, r.PathRegex, len(r.Conditions))
			if first, ok := seen[k]; ok && first != m {
				b.add(finding(scan.Warning, CodeDuplicateRoute,
					fmt.Sprintf("group %s: Ingresses %s and %s both route hosts %v paths %v; on one ALB only %s (group.order %d) gets it", bn.displayName(), first.in.Key(), m.in.Key(), r.Hosts, r.Paths, first.newName, first.order),
					"drop the duplicate rule or put the Ingresses in different groups", first.ref(), m.ref()))
				continue
			}
			seen[k] = m
		}
	}
}

// classFix moves a legacy kubernetes.io/ingress.class annotation to
// spec.ingressClassName when an IngressClass of the controller without
// parameters exists (preferring the same name); otherwise the copy keeps the
// annotation.
func (b *builder) classFix(m *move) {
	in := m.in
	if !in.Ownership.Legacy {
		return
	}
	var pick string
	for _, c := range b.t.Objects.IngressClasses {
		if c.Spec.Controller != lbc.ControllerName || c.Spec.Parameters != nil {
			continue
		}
		if c.Name == in.Ownership.ClassName || pick == "" {
			pick = c.Name
		}
		if c.Name == in.Ownership.ClassName {
			break
		}
	}
	if pick == "" {
		b.add(finding(scan.Info, CodeLegacyClass,
			fmt.Sprintf("Ingress %s uses the legacy annotation %s: %s and there is no IngressClass for the controller without parameters; the copy keeps the annotation", in.Key(), lbc.IngressClassAnnotation, in.Ownership.ClassName),
			"create an IngressClass (spec.controller ingress.k8s.aws/alb) and switch to spec.ingressClassName", in.Ref()))
		return
	}
	m.className = pick
	b.add(finding(scan.Info, CodeLegacyClass,
		fmt.Sprintf("Ingress %s uses the legacy annotation %s: %s; the copy uses spec.ingressClassName: %s instead", in.Key(), lbc.IngressClassAnnotation, in.Ownership.ClassName, pick),
		"nothing to do", in.Ref()))
}

// cleanMeta keeps what a manifest author writes: name, namespace, labels and
// annotations without tool bookkeeping.
func cleanMeta(om metav1.ObjectMeta) metav1.ObjectMeta {
	out := metav1.ObjectMeta{Name: om.Name, Namespace: om.Namespace}
	if len(om.Labels) > 0 {
		out.Labels = map[string]string{}
		for k, v := range om.Labels {
			out.Labels[k] = v
		}
	}
	if len(om.Annotations) > 0 {
		out.Annotations = map[string]string{}
		for k, v := range om.Annotations {
			if !stripped(k) {
				out.Annotations[k] = v
			}
		}
	}
	return out
}

// cleanIngress is the Ingress as a manifest: no status, no server fields.
func cleanIngress(ing *networkingv1.Ingress) *networkingv1.Ingress {
	out := &networkingv1.Ingress{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"}, ObjectMeta: cleanMeta(ing.ObjectMeta)}
	ing.Spec.DeepCopyInto(&out.Spec)
	return out
}

// baseCopy is the ip-mode copy with plain backends: target-type ip, the
// planned group.name and group.order, the health-check fixes, the class fix.
func (b *builder) baseCopy(m *move) *networkingv1.Ingress {
	out := cleanIngress(m.in.Object)
	out.Name = m.newName
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	a := out.Annotations
	for _, k := range []string{lbc.Key(lbc.SuffixGroupName), lbc.Key(lbc.SuffixGroupOrder), lbc.Key(lbc.SuffixTargetType), AnnotationSetIdentifier, AnnotationAWSWeight} {
		delete(a, k)
	}
	if !m.inPlace {
		delete(a, lbc.Key(lbc.SuffixLoadBalancerName))
	}
	a[lbc.Key(lbc.SuffixTargetType)] = "ip"
	bn := m.bin
	if bn.id.IsExplicit() {
		if !pinned(m.in.Group) || !m.inPlace {
			a[lbc.Key(lbc.SuffixGroupName)] = bn.id.Name
		}
		a[lbc.Key(lbc.SuffixGroupOrder)] = strconv.Itoa(int(m.order))
	}
	for suffix, v := range m.inherit {
		a[lbc.Key(suffix)] = v
	}
	for k, v := range m.annotations {
		a[k] = v
	}
	a[AnnotationMigratedFrom] = m.in.Key()
	if m.className != "" {
		delete(a, lbc.IngressClassAnnotation)
		cn := m.className
		out.Spec.IngressClassName = &cn
	}
	return out
}

// dnsWeighted tells whether the move shifts traffic with ExternalDNS
// weights: a new ALB, an old one that serves today, hosts to weight.
func (b *builder) dnsWeighted(m *move) bool {
	return !m.inPlace && m.liveALB && b.o.DNS == DNSExternalDNS && len(m.load.hosts) > 0
}

// dnsPair returns the old Ingress and the copy annotated for ExternalDNS
// weighted records with pct percent of the weight on the copy. The old
// Ingress keeps its set-identifier and weight when it has them (the total
// weight then moves).
func (b *builder) dnsPair(m *move, pct int) (*networkingv1.Ingress, *networkingv1.Ingress) {
	old := cleanIngress(m.in.Object)
	if old.Annotations == nil {
		old.Annotations = map[string]string{}
	}
	total := 100
	if v, ok := old.Annotations[AnnotationAWSWeight]; ok {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			total = n
		}
	}
	oldID := old.Annotations[AnnotationSetIdentifier]
	if oldID == "" {
		oldID = m.in.Object.Namespace + "-" + m.in.Object.Name
	}
	nw := total * pct / 100
	old.Annotations[AnnotationSetIdentifier] = oldID
	old.Annotations[AnnotationAWSWeight] = strconv.Itoa(total - nw)
	cp := b.baseCopy(m)
	cp.Annotations[AnnotationSetIdentifier] = m.in.Object.Namespace + "-" + m.newName
	cp.Annotations[AnnotationAWSWeight] = strconv.Itoa(nw)
	return old, cp
}

// shiftCopy is the in-place copy while traffic shifts: every Service backend
// becomes a weighted forward action to the old (instance) target group and
// the new (ip) one with pct percent on the new; existing forward actions get
// each Service tuple split the same way. The copy sits right before its
// original, so it catches the original's traffic. Its defaultBackend waits
// for phase 6 (one per group).
func (b *builder) shiftCopy(m *move, pct int) *networkingv1.Ingress {
	out := b.baseCopy(m)
	out.Spec.DefaultBackend = nil
	a := out.Annotations
	oldTG := map[string]lbc.TargetGroupTuple{}
	for _, be := range m.in.Backends {
		var t lbc.TargetGroupTuple
		if be.TargetGroup != nil {
			arn := be.TargetGroup.ARN
			t.TargetGroupARN = &arn
		} else {
			name := be.TargetGroupName
			t.TargetGroupName = &name
		}
		oldTG[be.Ref.Service+":"+be.Ref.Port.String()] = t
	}
	split := func(svc string, port intstr.IntOrString, w int64) []lbc.TargetGroupTuple {
		old := oldTG[svc+":"+port.String()]
		s, p := svc, port
		return []lbc.TargetGroupTuple{
			{TargetGroupARN: old.TargetGroupARN, TargetGroupName: old.TargetGroupName, Weight: ptr(w * int64(100-pct))},
			{ServiceName: &s, ServicePort: &p, Weight: ptr(w * int64(pct))},
		}
	}
	rewritten := map[string]bool{}
	for i := range out.Spec.Rules {
		r := &out.Spec.Rules[i]
		if r.HTTP == nil {
			continue
		}
		for j := range r.HTTP.Paths {
			sb := r.HTTP.Paths[j].Backend.Service
			if sb == nil {
				continue
			}
			if sb.Port.Name == lbc.UseAnnotationPort {
				name := sb.Name
				if rewritten[name] {
					continue
				}
				rewritten[name] = true
				act, err := lbc.ParseActions(m.in.Object.Annotations[lbc.ActionKey(name)])
				if err != nil || act.ForwardConfig == nil {
					continue
				}
				var tuples []lbc.TargetGroupTuple
				for _, t := range act.ForwardConfig.TargetGroups {
					if t.ServiceName == nil || t.ServicePort == nil {
						tuples = append(tuples, t)
						continue
					}
					w := int64(1)
					if t.Weight != nil {
						w = *t.Weight
					}
					tuples = append(tuples, split(*t.ServiceName, *t.ServicePort, w)...)
				}
				act.ForwardConfig.TargetGroups = normalizeWeights(tuples)
				a[lbc.ActionKey(name)] = mustJSON(act)
				continue
			}
			port := intstr.FromInt32(sb.Port.Number)
			if sb.Port.Name != "" {
				port = intstr.FromString(sb.Port.Name)
			}
			name := shiftActionName(sb.Name, port)
			if !rewritten[name] {
				rewritten[name] = true
				act := lbc.Action{Type: lbc.ActionTypeForward, ForwardConfig: &lbc.ForwardActionConfig{TargetGroups: normalizeWeights(split(sb.Name, port, 1))}}
				a[lbc.ActionKey(name)] = mustJSON(act)
				if c, ok := m.in.Object.Annotations[lbc.ConditionKey(sb.Name)]; ok {
					a[lbc.ConditionKey(name)] = c
				}
			}
			r.HTTP.Paths[j].Backend.Service = &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Name: lbc.UseAnnotationPort}}
		}
	}
	return out
}

// shiftActionName names the action that stands for a Service port while
// traffic shifts; it must be a valid Service name (DNS-1035 label).
func shiftActionName(svc string, port intstr.IntOrString) string {
	name := strings.ToLower("shift-" + svc + "-" + port.String())
	var sb strings.Builder
	for _, r := range name {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			sb.WriteRune(r)
		} else {
			sb.WriteRune('-')
		}
	}
	name = sb.String()
	if len(name) > 63 {
		name = name[:52] + "-" + shortHash(name)[:6]
	}
	return strings.TrimRight(name, "-")
}

// normalizeWeights divides the weights by their common divisor and scales
// them into the ALB's 0–999 range, keeping every non-zero weight non-zero.
func normalizeWeights(ts []lbc.TargetGroupTuple) []lbc.TargetGroupTuple {
	g := int64(0)
	var mx int64
	for _, t := range ts {
		if t.Weight == nil || *t.Weight == 0 {
			continue
		}
		g = gcd(g, *t.Weight)
		mx = max(mx, *t.Weight)
	}
	if g == 0 {
		return ts
	}
	scale := int64(1)
	if mx/g > 999 {
		scale = (mx/g + 998) / 999
	}
	for i := range ts {
		if ts[i].Weight == nil || *ts[i].Weight == 0 {
			continue
		}
		w := *ts[i].Weight / g / scale
		if w == 0 {
			w = 1
		}
		ts[i].Weight = ptr(w)
	}
	return ts
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func ptr[T any](v T) *T { return &v }

// mustJSON renders an action annotation; lbc.Action has only strings,
// numbers and pointers to them, so it always marshals.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedRefs(refs []topology.ObjectRef) []topology.ObjectRef {
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	return refs
}
