package scan

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"al.essio.dev/pkg/shellescape"
	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// DefaultDeregistrationDelay is the target group attribute's AWS default.
const DefaultDeregistrationDelay = 300

// checkReadinessGateLabel finds namespaces with ALB Ingresses that lack the
// label making the controller inject pod readiness gates (ip targets only):
// without gates a rollout can remove pods before the ALB stops sending.
func checkReadinessGateLabel(t *topology.Topology, _ Options) []Finding {
	byNS := map[string][]topology.ObjectRef{}
	for _, in := range t.ALBIngresses() {
		byNS[in.Object.Namespace] = append(byNS[in.Object.Namespace], in.Ref())
	}
	names := make([]string, 0, len(byNS))
	for ns := range byNS {
		names = append(names, ns)
	}
	sort.Strings(names)
	var out []Finding
	for _, ns := range names {
		n := t.Namespace(ns)
		if n == nil || n.Labels[lbc.LabelReadinessGateInject] == lbc.ReadinessGateInjectEnabled {
			continue
		}
		out = append(out, Finding{Severity: Warning, Code: CodeReadinessGateLabel,
			Objects: append(refs(topology.ObjectRef{Kind: "Namespace", Name: ns}), byNS[ns]...),
			Message: fmt.Sprintf("namespace %s lacks %s=%s: ip-target pods get no readiness gate, so rollouts can drop requests", ns, lbc.LabelReadinessGateInject, lbc.ReadinessGateInjectEnabled),
			Remedy:  shellescape.QuoteCommand([]string{"kubectl", "label", "namespace", ns, lbc.LabelReadinessGateInject + "=" + lbc.ReadinessGateInjectEnabled}) + ", then restart the workloads (gates are injected at pod creation)"})
	}
	return out
}

var sleepRE = regexp.MustCompile(`\bsleep\s+(\d+)`)

// PreStopSleep returns the longest preStop sleep of a pod's containers in
// seconds (a sleep action, or `sleep N` in an exec hook), or -1 when none.
func PreStopSleep(p *corev1.Pod) int {
	best := -1
	for _, c := range p.Spec.Containers {
		if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
			continue
		}
		ps := c.Lifecycle.PreStop
		if ps.Sleep != nil && int(ps.Sleep.Seconds) > best {
			best = int(ps.Sleep.Seconds)
		}
		if ps.Exec != nil {
			if m := sleepRE.FindStringSubmatch(strings.Join(ps.Exec.Command, " ")); m != nil {
				if n, err := strconv.Atoi(m[1]); err == nil && n > best {
					best = n
				}
			}
		}
	}
	return best
}

// DeregistrationDelay is a backend's deregistration delay in seconds.
func DeregistrationDelay(attrs map[string]string) int {
	if v, ok := attrs["deregistration_delay.timeout_seconds"]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return DefaultDeregistrationDelay
}

// checkPreStop finds backends whose pods would stop accepting requests
// while some ALB node still sends them: a preStop sleep shorter than the
// time a deregistration takes to reach every node (StopAdvice).
func checkPreStop(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, in := range t.ALBIngresses() {
		for _, b := range in.Backends {
			if b.Service == nil || len(b.Pods) == 0 {
				continue
			}
			key := b.Service.Namespace + "/" + b.Service.Name
			if seen[key] {
				continue
			}
			seen[key] = true
			a := AdviseStop(DeregistrationDelay(b.Config.TargetGroupAttributes))
			short, least := 0, -1
			for _, p := range b.Pods {
				if s := PreStopSleep(p); s < a.Sleep {
					short++
					if least == -1 || s < least {
						least = s
					}
				}
			}
			if short == 0 {
				continue
			}
			out = append(out, Finding{Severity: Warning, Code: CodePreStop,
				Objects: refs(topology.ObjectRef{Kind: "Service", Namespace: b.Service.Namespace, Name: b.Service.Name}, in.Ref()),
				Message: fmt.Sprintf("%d of %d pods behind Service %s have %s", short, len(b.Pods), key, a.Why(least)),
				Remedy:  "give the workload's containers " + a.Knobs() + " (" + lbc.Key(lbc.SuffixTargetGroupAttributes) + ")"})
		}
	}
	return out
}
