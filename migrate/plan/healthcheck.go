package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// ALB health-check bounds (AWS ModifyTargetGroup): interval 5–300 s, timeout
// 2–120 s and shorter than the interval.
const (
	minInterval = 5
	maxInterval = 300
	minTimeout  = 2
)

// healthPlan is what the copy's health check needs: annotations to set,
// findings to report once the move is kept, or why it cannot move.
type healthPlan struct {
	annotations map[string]string
	findings    []scan.Finding
	block       string
	remedy      string
}

// planHealthCheck carries the health check over to ip mode. Annotations the
// Ingress or its Services set are kept (they are copied); a healthcheck-port
// that only works in instance mode is fixed — a NodePort number becomes the
// pod port, a Service port name whose targetPort is itself a name (which the
// controller rejects in ip mode, REFERENCE §1) becomes the container port
// number; and where no health-check path is set it is derived from the pods'
// readinessProbe (path, port, interval), which in instance mode went through
// the NodePort and in ip mode hits the pod directly.
func (b *builder) planHealthCheck(in *topology.Ingress) healthPlan {
	hp := healthPlan{annotations: map[string]string{}}
	portKey := lbc.Key(lbc.SuffixHealthCheckPort)
	for _, be := range in.Backends {
		if be.Service == nil {
			continue
		}
		v, ok := be.Service.Annotations[portKey]
		if !ok || v == lbc.HealthCheckPortTrafficPort {
			continue
		}
		if fixed, _, changed := b.ipHealthPort(v, be); changed || fixed == "" {
			hp.block = fmt.Sprintf("Service %s/%s sets %s: %s, which does not work in ip mode, and a Service annotation wins over the Ingress", be.Service.Namespace, be.Service.Name, portKey, v)
			hp.remedy = "move healthcheck-port from the Service to the Ingresses that use it, then plan again"
			return hp
		}
	}
	if v, ok := in.Object.Annotations[portKey]; ok && v != lbc.HealthCheckPortTrafficPort {
		fixes := map[string]bool{}
		var why string
		for _, be := range in.Backends {
			if be.Service == nil || hasAnn(be.Service, portKey) {
				continue
			}
			fixed, reason, changed := b.ipHealthPort(v, be)
			if fixed == "" {
				hp.block = fmt.Sprintf("annotation %s: %s cannot be resolved for ip mode on Service %s/%s: %s", portKey, v, be.Service.Namespace, be.Service.Name, reason)
				hp.remedy = "set healthcheck-port to the pods' port number (or traffic-port), then plan again"
				return hp
			}
			if changed {
				why = reason
			}
			fixes[fixed] = true
		}
		if len(fixes) > 1 {
			hp.block = fmt.Sprintf("annotation %s: %s means a different pod port for each backend in ip mode (%s)", portKey, v, strings.Join(sortedSet(fixes), ", "))
			hp.remedy = "set healthcheck-port per Service (annotation on each Service), then plan again"
			return hp
		}
		for f := range fixes {
			if f != v {
				hp.annotations[portKey] = f
				hp.findings = append(hp.findings, finding(scan.Info, CodeNamedPortFixed,
					fmt.Sprintf("Ingress %s: %s %q %s; the ip-mode copy uses %q", in.Key(), portKey, v, why, f),
					"nothing to do: the rewritten manifest carries the fix", in.Ref()))
			}
		}
	}
	b.deriveFromProbe(in, &hp)
	return hp
}

// ipHealthPort maps an instance-mode healthcheck-port value to its ip-mode
// equivalent for one backend: the value, whether it changed and why; ""
// when it cannot be resolved.
func (b *builder) ipHealthPort(v string, be *topology.Backend) (string, string, bool) {
	p := intstr.Parse(v)
	svc := be.Service
	if p.Type == intstr.Int {
		for _, sp := range svc.Spec.Ports {
			if sp.NodePort != 0 && sp.NodePort == p.IntVal {
				n, ok := b.containerPort(be, sp.TargetPort, sp.Port)
				if !ok {
					return "", fmt.Sprintf("it is NodePort %d of port %s, whose targetPort %s no container declares", sp.NodePort, portName(sp), sp.TargetPort.String()), false
				}
				return strconv.Itoa(int(n)), fmt.Sprintf("is NodePort %d of Service %s/%s, which ip targets do not listen on", sp.NodePort, svc.Namespace, svc.Name), true
			}
		}
		return v, "", false
	}
	sp, err := lbc.ServicePortOf(svc, p)
	if err != nil {
		return "", err.Error(), false
	}
	if sp.TargetPort.Type == intstr.Int {
		return v, "", false // the controller resolves it to the numeric targetPort
	}
	n, ok := b.containerPort(be, sp.TargetPort, sp.Port)
	if !ok {
		return "", fmt.Sprintf("targetPort %s is a name no container declares", sp.TargetPort.StrVal), false
	}
	return strconv.Itoa(int(n)), fmt.Sprintf("names Service port %s whose targetPort %q is itself a name, which the controller rejects for ip targets", sp.Name, sp.TargetPort.StrVal), true
}

// containerPort resolves a targetPort to the pods' port number.
func (b *builder) containerPort(be *topology.Backend, tp intstr.IntOrString, port int32) (int32, bool) {
	if tp.Type == intstr.Int {
		if tp.IntVal == 0 {
			return port, true
		}
		return tp.IntVal, true
	}
	spec := b.workloads.podSpec(be)
	if spec == nil {
		return 0, false
	}
	for _, c := range spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == tp.StrVal {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

// servingContainer is the container that declares the backend's targetPort
// (else the first).
func servingContainer(spec *corev1.PodSpec, tp intstr.IntOrString, port int32) *corev1.Container {
	if spec == nil || len(spec.Containers) == 0 {
		return nil
	}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		for _, cp := range c.Ports {
			if (tp.Type == intstr.String && cp.Name == tp.StrVal) || (tp.Type == intstr.Int && (cp.ContainerPort == tp.IntVal || (tp.IntVal == 0 && cp.ContainerPort == port))) {
				return c
			}
		}
	}
	return &spec.Containers[0]
}

func (b *builder) deriveFromProbe(in *topology.Ingress, hp *healthPlan) {
	pathKey := lbc.Key(lbc.SuffixHealthCheckPath)
	if _, ok := in.Object.Annotations[pathKey]; ok {
		return
	}
	derived := map[string]map[string]string{} // backend label → annotations
	var missing []string
	for _, be := range in.Backends {
		if be.Service == nil || be.ServicePort == nil || hasAnn(be.Service, pathKey) {
			continue
		}
		label := be.Service.Name + ":" + be.Ref.Port.String()
		spec := b.workloads.podSpec(be)
		c := servingContainer(spec, be.ServicePort.TargetPort, be.ServicePort.Port)
		if c == nil || c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil {
			missing = append(missing, label)
			continue
		}
		pr := c.ReadinessProbe
		ann := map[string]string{}
		path := pr.HTTPGet.Path
		if path == "" {
			path = "/"
		}
		ann[pathKey] = path
		traffic, _ := b.containerPort(be, be.ServicePort.TargetPort, be.ServicePort.Port)
		probePort := pr.HTTPGet.Port.IntVal
		if pr.HTTPGet.Port.Type == intstr.String {
			for _, cp := range c.Ports {
				if cp.Name == pr.HTTPGet.Port.StrVal {
					probePort = cp.ContainerPort
				}
			}
		}
		if _, set := in.Object.Annotations[lbc.Key(lbc.SuffixHealthCheckPort)]; !set && probePort != 0 && probePort != traffic && !hasAnn(be.Service, lbc.Key(lbc.SuffixHealthCheckPort)) {
			ann[lbc.Key(lbc.SuffixHealthCheckPort)] = strconv.Itoa(int(probePort))
		}
		if pr.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			ann[lbc.Key(lbc.SuffixHealthCheckProtocol)] = lbc.ProtocolHTTPS
		}
		_, setInterval := in.Object.Annotations[lbc.Key(lbc.SuffixHealthCheckIntervalSeconds)]
		if !setInterval && pr.PeriodSeconds > 0 {
			iv := min(max(int(pr.PeriodSeconds), minInterval), maxInterval)
			ann[lbc.Key(lbc.SuffixHealthCheckIntervalSeconds)] = strconv.Itoa(iv)
			timeout := lbc.DefaultHealthCheckTimeout
			if v, ok := in.Object.Annotations[lbc.Key(lbc.SuffixHealthCheckTimeoutSeconds)]; ok {
				if n, err := strconv.Atoi(v); err == nil {
					timeout = n
				}
			}
			if timeout >= iv {
				ann[lbc.Key(lbc.SuffixHealthCheckTimeoutSeconds)] = strconv.Itoa(max(minTimeout, iv-1))
			}
		}
		derived[label] = ann
	}
	if len(missing) > 0 {
		hp.findings = append(hp.findings, finding(scan.Warning, CodeHealthCheckDefault,
			fmt.Sprintf("Ingress %s: backend(s) %s have no healthcheck-path and no HTTP readinessProbe to derive one from: ip targets are checked with GET / on the pod port", in.Key(), strings.Join(missing, ", ")),
			fmt.Sprintf("add %s to the Ingress (or an HTTP readinessProbe to the pods) if / does not answer 200", pathKey), in.Ref()))
	}
	if len(derived) == 0 {
		return
	}
	labels := make([]string, 0, len(derived))
	for l := range derived {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	first := derived[labels[0]]
	for _, l := range labels[1:] {
		if fmt.Sprint(derived[l]) != fmt.Sprint(first) {
			var parts []string
			for _, l := range labels {
				parts = append(parts, l+": "+formatAnn(derived[l]))
			}
			hp.findings = append(hp.findings, finding(scan.Warning, CodeHealthCheckDefault,
				fmt.Sprintf("Ingress %s: its backends' readinessProbes differ (%s), and Ingress annotations apply to all of them: the copy keeps the default health check", in.Key(), strings.Join(parts, "; ")),
				"after cut-over, set the health-check annotations on each Service (a Service annotation wins over the Ingress)", in.Ref()))
			return
		}
	}
	for k, v := range first {
		if _, ok := hp.annotations[k]; !ok {
			hp.annotations[k] = v
		}
	}
	hp.findings = append(hp.findings, finding(scan.Info, CodeHealthCheckDerived,
		fmt.Sprintf("Ingress %s: no health-check path was set; the ip-mode copy takes it from the pods' readinessProbe: %s", in.Key(), formatAnn(first)),
		"review it in the phase-2 manifest", in.Ref()))
}

func hasAnn(svc *corev1.Service, key string) bool {
	_, ok := svc.Annotations[key]
	return ok
}

func portName(sp corev1.ServicePort) string {
	if sp.Name != "" {
		return sp.Name
	}
	return strconv.Itoa(int(sp.Port))
}

func formatAnn(m map[string]string) string {
	keys := sortedKeys(m)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, strings.TrimPrefix(k, lbc.AnnotationPrefix)+"="+m[k])
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedSet(m map[string]bool) []string { return sortedKeys(m) }
