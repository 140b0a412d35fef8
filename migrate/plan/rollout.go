package plan

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// restart is a workload whose pods must be re-created to get the readiness
// gates of the new target groups: the controller injects them only at pod
// creation, and only once a TargetGroupBinding selects the pods.
type restart struct {
	workload topology.ObjectRef
	gates    []string
	by       []topology.ObjectRef
}

// healthAndRollout decides the namespaces to label, the workloads to
// restart, and warns (with the exact patch) where pods would be stopped
// before the ALB stops sending them requests.
func (b *builder) healthAndRollout() {
	nsSet := map[string][]topology.ObjectRef{}
	restarts := map[topology.ObjectRef]*restart{}
	type stop struct {
		w         workloadRef
		delay     int
		sleep     int
		backend   string
		container string
		by        []topology.ObjectRef
	}
	stops := map[topology.ObjectRef]*stop{}
	for _, m := range b.moves {
		ns := m.in.Object.Namespace
		if n := b.t.Namespace(ns); n == nil || n.Labels[lbc.LabelReadinessGateInject] != lbc.ReadinessGateInjectEnabled {
			nsSet[ns] = append(nsSet[ns], m.ref())
		}
		old := map[string]*topology.Backend{}
		for _, be := range m.in.Backends {
			old[be.Ref.Service+":"+be.Ref.Port.String()] = be
		}
		for _, nb := range m.backends {
			be := old[nb.Ref.Service+":"+nb.Ref.Port.String()]
			if be == nil || nb.TargetGroupName == "" {
				continue
			}
			gate := string(lbc.ReadinessGateConditionType(nb.TargetGroupName))
			delay := scan.DeregistrationDelay(nb.Config.TargetGroupAttributes)
			for _, w := range b.workloads.workloadsOf(be) {
				if w.Kind == "Pod" {
					continue
				}
				r := restarts[w.ObjectRef]
				if r == nil {
					r = &restart{workload: w.ObjectRef}
					restarts[w.ObjectRef] = r
				}
				r.gates = append(r.gates, gate)
				r.by = append(r.by, m.ref())
				sleep := scan.PreStopSleep(&corev1.Pod{Spec: *w.spec})
				for _, p := range w.pods {
					sleep = min(sleep, scan.PreStopSleep(p))
				}
				if sleep < scan.DeregistrationPropagation {
					s := stops[w.ObjectRef]
					if s == nil {
						s = &stop{w: w, sleep: sleep}
						stops[w.ObjectRef] = s
					}
					if delay > s.delay {
						s.delay, s.backend = delay, be.Ref.Service+":"+be.Ref.Port.String()
						if be.ServicePort != nil {
							if c := servingContainer(w.spec, be.ServicePort.TargetPort, be.ServicePort.Port); c != nil {
								s.container = c.Name
							}
						}
					}
					s.by = append(s.by, m.ref())
				}
			}
		}
	}
	for _, ns := range sortedKeys(nsSet) {
		b.labelNS = append(b.labelNS, ns)
		b.add(finding(scan.Info, scan.CodeReadinessGateLabel,
			fmt.Sprintf("namespace %s lacks %s=%s: phase 2 labels it, so the restarted pods get readiness gates for the new ip target groups", ns, lbc.LabelReadinessGateInject, lbc.ReadinessGateInjectEnabled),
			"nothing to do: the plan labels it", append([]topology.ObjectRef{{Kind: "Namespace", Name: ns}}, dedupeRefs(nsSet[ns])...)...))
	}
	for _, r := range restarts {
		sort.Strings(r.gates)
		r.gates = dedupeStrings(r.gates)
		r.by = dedupeRefs(r.by)
		b.restarts = append(b.restarts, r)
	}
	sort.Slice(b.restarts, func(i, j int) bool { return b.restarts[i].workload.String() < b.restarts[j].workload.String() })
	keys := make([]topology.ObjectRef, 0, len(stops))
	for k := range stops {
		keys = append(keys, k)
	}
	sortedRefs(keys)
	for _, k := range keys {
		s := stops[k]
		a := scan.AdviseStop(s.delay)
		sleep, grace := a.Sleep, a.Grace
		if s.w.spec.TerminationGracePeriodSeconds != nil && int(*s.w.spec.TerminationGracePeriodSeconds) > grace {
			grace = int(*s.w.spec.TerminationGracePeriodSeconds)
		}
		c := s.container
		if c == "" && len(s.w.spec.Containers) > 0 {
			c = s.w.spec.Containers[0].Name
		}
		patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":%d,"containers":[{"name":%q,"lifecycle":{"preStop":{"sleep":{"seconds":%d}}}}]}}}}`, grace, c, sleep)
		b.add(finding(scan.Warning, scan.CodePreStop,
			fmt.Sprintf("%s %s (behind the new ip target group for %s) has %s", s.w.Kind, k.Namespace+"/"+k.Name, s.backend, a.Why(s.sleep)),
			fmt.Sprintf("%s (the sleep action needs Kubernetes 1.30+; on older clusters use exec [\"sleep\",\"%d\"]): %s (%s)",
				kubectl("patch", strings.ToLower(s.w.Kind), k.Name, "-n", k.Namespace, "--type", "strategic", "-p", patch), sleep, a.Knobs(), lbc.Key(lbc.SuffixTargetGroupAttributes)),
			append([]topology.ObjectRef{k}, dedupeRefs(s.by)...)...))
	}
}

func dedupeRefs(in []topology.ObjectRef) []topology.ObjectRef {
	seen := map[topology.ObjectRef]bool{}
	var out []topology.ObjectRef
	for _, r := range in {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}
