package plan

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// phaser numbers steps and collects the manifests they apply. A manifest is
// a generator: its objects are built only when the files are rendered.
type phaser struct {
	files map[string]func() []runtime.Object
	n     map[string]int
}

func (p *phaser) file(phase int, dir, slug string, gen func() []runtime.Object) string {
	key := fmt.Sprintf("%02d-%s", phase, dir)
	p.n[key]++
	path := fmt.Sprintf("%s/%02d-%s.yaml", key, p.n[key], slugify(slug))
	p.files[path] = gen
	return path
}

func fixed(objs []runtime.Object) func() []runtime.Object {
	return func() []runtime.Object { return objs }
}

func slugify(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' || r == '.' {
			sb.WriteRune(r)
		} else {
			sb.WriteRune('_')
		}
	}
	return sb.String()
}

// phases lays out the make-before-break sequence: preflight; label
// namespaces and create the copies beside the old Ingresses; restart the
// workloads so their pods get readiness gates; wait until the new target
// groups are healthy; shift traffic in steps (DNS weights to a new ALB,
// weighted forward actions on the same ALB); remove the old Ingresses and
// turn NodePort Services ClusterIP; verify nothing is orphaned.
func (b *builder) phases() []Phase {
	p := &phaser{files: map[string]func() []runtime.Object{}, n: map[string]int{}}
	b.phaser = p
	out := []Phase{
		{Name: PhasePreflight, Description: "checks that need no change; a failed one stops the migration", Steps: b.preflight()},
		{Name: PhaseCreate, Description: "label namespaces and create the parallel ip-mode Ingresses; the old ones keep serving", Steps: b.createSteps(p)},
		{Name: PhaseRestart, Description: "restart the workloads so their new pods get readiness gates for the new target groups", Steps: b.restartSteps()},
		{Name: PhaseWait, Description: "wait until every new target group is healthy", Steps: b.waitSteps()},
		{Name: PhaseShift, Description: fmt.Sprintf("move traffic in steps of %v%%, soaking %s after each", b.o.Steps, b.o.Soak), Steps: b.shiftSteps(p)},
		{Name: PhaseCleanup, Description: "remove the old Ingresses (their ALBs and target groups go), then turn NodePort-only Services ClusterIP", Steps: b.cleanupSteps(p)},
		{Name: PhaseVerify, Description: "check that nothing is left behind", Steps: b.verifySteps()},
	}
	for i := range out {
		if out[i].Steps == nil {
			out[i].Steps = []Step{}
		}
	}
	return out
}

func ingressRefs(ms []*move, copies bool) []topology.ObjectRef {
	out := make([]topology.ObjectRef, 0, len(ms))
	for _, m := range ms {
		if copies {
			out = append(out, m.newRef())
		} else {
			out = append(out, m.ref())
		}
	}
	return out
}

func (b *builder) createSteps(p *phaser) []Step {
	var steps []Step
	if len(b.labelNS) > 0 {
		var objs []runtime.Object
		var refs []topology.ObjectRef
		for _, ns := range b.labelNS {
			objs = append(objs, labelledNamespace(b.t.Namespace(ns), ns))
			refs = append(refs, topology.ObjectRef{Kind: "Namespace", Name: ns})
		}
		path := p.file(2, PhaseCreate, "namespaces", fixed(objs))
		steps = append(steps, Step{
			Op:       OpApply,
			Action:   fmt.Sprintf("label namespace(s) %s with %s=%s (%s)", joinShort(b.labelNS), lbc.LabelReadinessGateInject, lbc.ReadinessGateInjectEnabled, kubectl("apply", "-f", path)),
			Objects:  refs,
			Undo:     kubectl(append(append([]string{"label", "namespace"}, b.labelNS...), lbc.LabelReadinessGateInject+"-")...),
			Manifest: path,
		})
	}
	for _, bn := range b.bins {
		if st, ok := b.dnsStep(p, bn); ok {
			steps = append(steps, st)
		}
		if st, ok := b.renumberStep(p, bn); ok {
			steps = append(steps, st)
		}
		var objs []runtime.Object
		var tgs []string
		for _, m := range bn.moves {
			objs = append(objs, m.copy)
			for _, be := range m.backends {
				tgs = append(tgs, be.TargetGroupName)
			}
		}
		sort.Strings(tgs)
		path := p.file(2, PhaseCreate, "group-"+bn.displayName(), fixed(objs))
		bn.undoShift = append(bn.undoShift, path)
		lb := ""
		if bn.after != nil {
			lb = bn.after.LoadBalancerName
		}
		st := Step{Op: OpApply, Objects: ingressRefs(bn.moves, true), Manifest: path,
			Undo: kubectl("delete", "-f", path) + " (the controller deletes what the copies made)"}
		if bn.inPlace {
			st.Action = fmt.Sprintf("create the ip-mode copies in group %s on its ALB %s, each just before its original with all weight still on the old target groups (%s)", bn.displayName(), lb, kubectl("apply", "-f", path))
			st.WaitFor = fmt.Sprintf("the copies' rules are on ALB %s and TargetGroupBindings %s exist; no request moves yet", lb, joinShort(tgs))
		} else {
			st.Action = fmt.Sprintf("create the ip-mode copies in new group %s: the controller creates ALB %s beside the old ones (%s)", bn.displayName(), lb, kubectl("apply", "-f", path))
			st.WaitFor = fmt.Sprintf("ALB %s is active, the copies' status shows its DNS name, and TargetGroupBindings %s exist", lb, joinShort(tgs))
		}
		steps = append(steps, st)
	}
	return steps
}

// dnsStep gives the old Ingresses of a new group weighted DNS records with
// all the weight, before the copies add theirs (Route53 does not mix simple
// and weighted records for one name).
func (b *builder) dnsStep(p *phaser, bn *bin) (Step, bool) {
	var weighted []*move
	for _, m := range bn.moves {
		if b.dnsWeighted(m) {
			weighted = append(weighted, m)
		}
	}
	if len(weighted) == 0 {
		return Step{}, false
	}
	gen := func() []runtime.Object {
		var objs []runtime.Object
		for _, m := range weighted {
			old, _ := b.dnsPair(m, 0)
			objs = append(objs, old)
		}
		return objs
	}
	var undo []string
	for _, m := range weighted {
		if _, had := m.in.Object.Annotations[AnnotationSetIdentifier]; !had {
			undo = append(undo, kubectl("annotate", "ingress", m.in.Object.Name, "-n", m.in.Object.Namespace, AnnotationSetIdentifier+"-", AnnotationAWSWeight+"-"))
		}
	}
	path := p.file(2, PhaseCreate, "dns-weights-"+bn.displayName(), gen)
	bn.undoShift = append(bn.undoShift, path)
	st := Step{
		Op:       OpApply,
		Action:   fmt.Sprintf("give the DNS records of group %s's old Ingresses a set identifier and all the weight, so the copies can add weighted records beside them (%s)", bn.displayName(), kubectl("apply", "-f", path)),
		Objects:  ingressRefs(weighted, false),
		WaitFor:  "ExternalDNS has replaced the hosts' simple records with weighted ones pointing at the old ALBs (Route53 shows the set identifiers; answers unchanged)",
		Undo:     strings.Join(undo, "; "),
		Manifest: path,
	}
	if st.Undo == "" {
		st.Undo = "kubectl apply -f backup/ingresses.yaml"
	}
	return st, true
}

// renumberStep patches the kept members' group.order when an in-place group
// needs room for the copies.
func (b *builder) renumberStep(p *phaser, bn *bin) (Step, bool) {
	if len(bn.renumber) == 0 {
		return Step{}, false
	}
	var objs []runtime.Object
	var refs []topology.ObjectRef
	for _, in := range bn.existing.Ingresses {
		if o, ok := bn.renumber[in]; ok {
			objs = append(objs, cleanIngress(renumbered(in.Object, o)))
			refs = append(refs, in.Ref())
		}
	}
	path := p.file(2, PhaseCreate, "renumber-"+bn.displayName(), fixed(objs))
	return Step{
		Op:       OpApply,
		Action:   fmt.Sprintf("renumber group.order in group %s, keeping the evaluation sequence, to make room for the copies (%s)", bn.displayName(), kubectl("apply", "-f", path)),
		Objects:  sortedRefs(refs),
		WaitFor:  "the ALB's rule priorities follow the new numbers (the order of evaluation is unchanged)",
		Undo:     "kubectl apply -f backup/ingresses.yaml",
		Manifest: path,
	}, true
}

// labelledNamespace is the namespace manifest with the readiness-gate label.
func labelledNamespace(n *corev1.Namespace, name string) *corev1.Namespace {
	out := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: name}}
	if n != nil {
		out = cleanNamespace(n)
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	out.Labels[lbc.LabelReadinessGateInject] = lbc.ReadinessGateInjectEnabled
	return out
}

func (b *builder) restartSteps() []Step {
	byNS := map[string][]*restart{}
	for _, r := range b.restarts {
		byNS[r.workload.Namespace] = append(byNS[r.workload.Namespace], r)
	}
	var steps []Step
	for _, ns := range sortedKeys(byNS) {
		var names, gates []string
		var refs []topology.ObjectRef
		for _, r := range byNS[ns] {
			names = append(names, strings.ToLower(r.workload.Kind)+"/"+r.workload.Name)
			gates = append(gates, r.gates...)
			refs = append(refs, r.workload)
		}
		sort.Strings(gates)
		steps = append(steps, Step{
			Op:      OpRestart,
			Action:  kubectl(append([]string{"rollout", "restart", "-n", ns}, names...)...),
			Objects: refs,
			WaitFor: fmt.Sprintf("%s for each; the new pods carry readiness gate(s) %s and they turn True", kubectl("rollout", "status", "-n", ns), joinShort(dedupeStrings(gates))),
			Undo:    "nothing to undo: a restart re-creates pods from the same spec",
		})
	}
	return steps
}

func (b *builder) waitSteps() []Step {
	var steps []Step
	for _, bn := range b.bins {
		var refs []topology.ObjectRef
		var names []string
		for _, m := range bn.moves {
			for _, be := range m.backends {
				refs = append(refs, topology.ObjectRef{Kind: "TargetGroup", Name: be.TargetGroupName})
				names = append(names, be.TargetGroupName)
			}
		}
		if len(refs) == 0 {
			continue
		}
		steps = append(steps, Step{
			Op:      OpWaitHealthy,
			Action:  fmt.Sprintf("wait until group %s's %s healthy", bn.displayName(), plural(len(refs), "new target group is", "new target groups are")),
			Objects: sortedRefs(refs),
			WaitFor: fmt.Sprintf("DescribeTargetHealth: every target healthy in %s (%s scan shows it); at least one healthy target per group before any traffic moves", joinShort(names), buildinfo.Command()),
			Undo:    "if targets stay unhealthy, check the copy's health-check annotations, then undo phase 2 for this group",
		})
	}
	return steps
}

func (b *builder) shiftSteps(p *phaser) []Step {
	var steps []Step
	soak := b.o.Soak.String()
	for _, bn := range b.bins {
		// undo puts the weights back as the step before left them.
		undo := kubectl(append([]string{"apply"}, fileArgs(bn.undoShift)...)...)
		for i, pct := range b.o.Steps {
			var shifted []*move
			var refs []topology.ObjectRef
			var manual []string
			for _, m := range bn.moves {
				switch {
				case m.inPlace:
					shifted = append(shifted, m)
					refs = append(refs, m.newRef())
				case b.dnsWeighted(m):
					shifted = append(shifted, m)
					refs = append(refs, m.ref(), m.newRef())
				case m.liveALB && len(m.load.hosts) > 0:
					manual = append(manual, m.load.hosts...)
					refs = append(refs, m.ref(), m.newRef())
				}
			}
			if len(refs) == 0 {
				break
			}
			st := Step{Op: OpApply, Objects: refs, Weight: pct}
			st.Undo = undo + " (weights back)"
			wait := fmt.Sprintf("soak %s: the new targets serve about %d%% of requests, 5xx and latency no worse than before, every target healthy", soak, pct)
			if len(shifted) > 0 {
				pct := pct
				st.Manifest = p.file(5, PhaseShift, fmt.Sprintf("%s-%03d", bn.displayName(), pct), func() []runtime.Object {
					var objs []runtime.Object
					for _, m := range shifted {
						if m.inPlace {
							objs = append(objs, b.shiftCopy(m, pct))
							continue
						}
						old, cp := b.dnsPair(m, pct)
						objs = append(objs, old, cp)
					}
					return objs
				})
				undo = kubectl("apply", "-f", st.Manifest)
			}
			switch {
			case bn.inPlace:
				st.Action = fmt.Sprintf("send %d%% of group %s's requests to the ip target groups by weighted forward actions (%s)", pct, bn.displayName(), kubectl("apply", "-f", st.Manifest))
			case len(manual) > 0 && len(shifted) == 0:
				st.Op = OpManual
				st.Action = fmt.Sprintf("set Route53 weighted records for %s%s: %d to the new ALB %s (its DNS name is in the copies' status), %d to the old ALBs", joinShort(manual), b.zonesOf(manual, bn.moves[0].in.Config.Scheme == lbc.SchemeInternetFacing), pct, bn.after.LoadBalancerName, 100-pct)
				wait += "; the records' TTL has passed"
			default:
				st.Action = fmt.Sprintf("move %d%% of the DNS weight of the hosts to the new ALB of group %s (ExternalDNS aws-weight; %s)", pct, bn.displayName(), kubectl("apply", "-f", st.Manifest))
				wait += "; ExternalDNS has applied the weights and the records' TTL has passed"
			}
			if i == len(b.o.Steps)-1 && !bn.inPlace {
				wait += "; the old ALBs receive no more requests (CloudWatch RequestCount ≈ 0) before phase 6"
			}
			st.WaitFor = wait
			steps = append(steps, st)
		}
	}
	return steps
}

func (b *builder) cleanupSteps(p *phaser) []Step {
	var steps []Step
	deletedALBs := map[topology.ObjectRef][]string{}
	for _, r := range b.plan.Replacements {
		if r.Phase == PhaseCleanup && r.Action == Delete && r.Kind == "LoadBalancer" {
			deletedALBs[r.For] = append(deletedALBs[r.For], r.Name)
		}
	}
	for _, bn := range b.bins {
		var finals []runtime.Object
		var withDefault []*move
		for _, m := range bn.moves {
			if m.final != nil {
				finals = append(finals, m.final)
				if m.in.Object.Spec.DefaultBackend != nil {
					withDefault = append(withDefault, m)
				}
			}
		}
		if len(finals) > 0 {
			path := p.file(6, PhaseCleanup, "final-"+bn.displayName(), fixed(finals))
			steps = append(steps, Step{
				Op:       OpApply,
				Action:   fmt.Sprintf("replace the copies' weighted actions in group %s by plain ip backends (%s), so no rule uses the old target groups", bn.displayName(), kubectl("apply", "-f", path)),
				Objects:  ingressRefs(bn.moves, true),
				WaitFor:  "the ALB's rules forward only to the ip target groups",
				Undo:     "kubectl apply -f the last shift manifest of this group",
				Manifest: path,
			})
		}
		ms := bn.moves
		path := p.file(6, PhaseCleanup, "delete-old-"+bn.displayName(), func() []runtime.Object {
			var olds []runtime.Object
			for _, m := range ms {
				olds = append(olds, cleanIngress(m.in.Object))
			}
			return olds
		})
		var gone []string
		for _, m := range bn.moves {
			gone = append(gone, deletedALBs[m.ref()]...)
		}
		wait := "the controller deletes the old target groups and TargetGroupBindings (see replacements)"
		if len(gone) > 0 {
			wait += " and ALB(s) " + strings.Join(gone, ", ")
		}
		steps = append(steps, Step{
			Op:       OpDelete,
			Action:   fmt.Sprintf("delete the old Ingresses of group %s (%s)", bn.displayName(), kubectl("delete", "-f", path)),
			Objects:  ingressRefs(bn.moves, false),
			WaitFor:  wait,
			Undo:     "kubectl apply -f backup/ingresses.yaml (an emptied group's ALB comes back with a new DNS name)",
			Manifest: path,
		})
		if len(withDefault) > 0 {
			wd := withDefault
			path := p.file(6, PhaseCleanup, "default-backend-"+bn.displayName(), func() []runtime.Object {
				var objs []runtime.Object
				for _, m := range wd {
					objs = append(objs, b.baseCopy(m))
				}
				return objs
			})
			steps = append(steps, Step{
				Op:       OpApply,
				Action:   fmt.Sprintf("give the copy the default backend now that its original is gone (%s)", kubectl("apply", "-f", path)),
				Objects:  ingressRefs(withDefault, true),
				WaitFor:  "the listeners' default action forwards to the ip target group",
				Undo:     "kubectl apply -f the final manifest of this group",
				Manifest: path,
			})
		}
	}
	if len(b.services) > 0 {
		var objs []runtime.Object
		var refs []topology.ObjectRef
		for _, s := range b.services {
			objs = append(objs, clusterIPService(s.svc))
			refs = append(refs, s.ref())
		}
		path := p.file(6, PhaseCleanup, "services-clusterip", fixed(objs))
		steps = append(steps, Step{
			Op:       OpApply,
			Action:   fmt.Sprintf("turn the Services that were NodePort only for instance targets into ClusterIP (%s)", kubectl("apply", "-f", path)),
			Objects:  refs,
			WaitFor:  "kubectl get svc shows type ClusterIP; the ip targets stay healthy (they never used the NodePorts)",
			Undo:     "kubectl apply -f backup/services.yaml (the same nodePorts, if still free)",
			Manifest: path,
		})
	}
	return steps
}

func (b *builder) verifySteps() []Step {
	var refs []topology.ObjectRef
	for _, r := range b.plan.Replacements {
		if r.Action == Delete && (r.Kind == "LoadBalancer" || r.Kind == "TargetGroup") {
			refs = append(refs, topology.ObjectRef{Kind: r.Kind, Name: r.Name})
		}
	}
	steps := []Step{{
		Op:      OpVerifyGone,
		Action:  buildinfo.Command() + " scan -A: no orphan-alb or orphan-target-group finding for this cluster, and the deleted ALBs and target groups are gone",
		Objects: dedupeRefs(refs),
		WaitFor: "DescribeLoadBalancers and DescribeTargetGroups no longer list them; no resource tagged for the cluster lacks an owner",
	}}
	if len(b.moves) > 0 {
		steps = append(steps, Step{
			Op:      OpVerifyMoved,
			Action:  buildinfo.Command() + " scan: every copy is in ip mode on its planned group's ALB, no instance-mode finding is left for the moved Ingresses",
			Objects: ingressRefs(b.moves, true),
		})
	}
	if steps[0].Objects == nil {
		steps[0].Objects = []topology.ObjectRef{}
	}
	return steps
}

// zonesOf names the Route53 zones that hold the hosts, when plan read them
// (" in zone example.com (Z123)"), else "".
func (b *builder) zonesOf(hosts []string, public bool) string {
	if b.t.AWS == nil || !b.t.AWS.HostedZonesRead {
		return ""
	}
	zones := map[string]bool{}
	for _, h := range hosts {
		if z, ok := b.t.AWS.ZoneFor(h, public); ok {
			zones[fmt.Sprintf("%s (%s)", strings.TrimSuffix(z.Name, "."), z.ID)] = true
		}
	}
	if len(zones) == 0 {
		return ""
	}
	return " in zone " + strings.Join(sortedSet(zones), ", ")
}
