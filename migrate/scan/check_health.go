package scan

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkNamedHealthPort finds a named healthcheck-port whose Service port has
// a named targetPort: it works in instance mode (the NodePort) but the
// controller cannot resolve it in ip mode.
func checkNamedHealthPort(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, in := range t.ALBIngresses() {
		for _, b := range in.Backends {
			if b.Service == nil {
				continue
			}
			// The raw annotation: BackendSettings has already resolved a
			// named port to the NodePort in instance mode.
			key := lbc.Key(lbc.SuffixHealthCheckPort)
			hc, ok := b.Service.Annotations[key]
			if !ok {
				hc = in.Object.Annotations[key]
			}
			if hc == "" || hc == "traffic-port" {
				continue
			}
			if _, err := strconv.Atoi(hc); err == nil {
				continue
			}
			for _, sp := range b.Service.Spec.Ports {
				if sp.Name != hc || sp.TargetPort.Type != intstr.String {
					continue
				}
				sev, when := Warning, "will fail once the backend moves to ip targets"
				if b.Config.TargetType == v1beta1.TargetTypeIP {
					sev, when = Error, "fails in ip mode"
				}
				out = append(out, Finding{Severity: sev, Code: CodeNamedHealthPort, Objects: refs(in.Ref(), b.ServiceRef()),
					Message: fmt.Sprintf("Ingress %s: %s=%s names Service port %q whose targetPort %q is itself a name; the health check %s", in.Key(), lbc.Key(lbc.SuffixHealthCheckPort), hc, sp.Name, sp.TargetPort.StrVal, when),
					Remedy:  "set the health-check port to the container port number, or give the Service port a numeric targetPort"})
			}
		}
	}
	return out
}

// checkTargetHealth reports target groups with targets that are not healthy,
// and ALBs failing open (no healthy target at all).
func checkTargetHealth(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, in := range t.ALBIngresses() {
		for _, b := range in.Backends {
			if b.TargetGroup == nil || len(b.Targets) == 0 {
				continue
			}
			counts := map[string]int{}
			for _, tg := range b.Targets {
				counts[tg.State]++
			}
			bad := len(b.Targets) - counts["healthy"] - counts["draining"]
			switch {
			case counts["healthy"] == 0:
				out = append(out, Finding{Severity: Error, Code: CodeTargetsUnhealthy, Objects: refs(in.Ref(), b.ServiceRef()),
					Message: fmt.Sprintf("target group %s has no healthy target (%d registered): the ALB fails open and routes to all of them", b.TargetGroup.Name, len(b.Targets)),
					Remedy:  "`" + buildinfo.Command() + " health` shows each target's reason"})
			case bad > 0:
				out = append(out, Finding{Severity: Warning, Code: CodeTargetsUnhealthy, Objects: refs(in.Ref(), b.ServiceRef()),
					Message: fmt.Sprintf("target group %s: %d of %d targets are not healthy", b.TargetGroup.Name, bad, len(b.Targets)),
					Remedy:  "`" + buildinfo.Command() + " health` shows each target's reason"})
			}
		}
	}
	return out
}
