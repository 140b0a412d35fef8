package health

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Details are the objects behind a snapshot's rows as lbctl read them: the
// ALBs and target groups AWS described and the Kubernetes objects they
// serve. The TUI's describe and YAML views read them; nothing here is read
// anew. The zero value holds nothing.
type Details struct {
	t *topology.Topology
}

// DetailsOf returns the details held by the topology a snapshot was built
// from.
func DetailsOf(t *topology.Topology) Details { return Details{t: t} }

// loadBalancer returns the ALB AWS described under name (nil when AWS was
// not read or has no such ALB).
func (d Details) loadBalancer(name string) *awsapi.LoadBalancer {
	if d.t == nil || d.t.AWS == nil {
		return nil
	}
	for i := range d.t.AWS.LoadBalancers {
		if d.t.AWS.LoadBalancers[i].Name == name {
			return &d.t.AWS.LoadBalancers[i]
		}
	}
	return nil
}

// targetGroup returns the target group AWS described under name.
func (d Details) targetGroup(name string) *awsapi.TargetGroup {
	if d.t == nil || d.t.AWS == nil {
		return nil
	}
	for i := range d.t.AWS.TargetGroups {
		if d.t.AWS.TargetGroups[i].Name == name {
			return &d.t.AWS.TargetGroups[i]
		}
	}
	return nil
}

// backends returns the Ingress backends whose target group is name (by
// the live group's name, else the name the controller gives it).
func (d Details) backends(name string) []*topology.Backend {
	if d.t == nil {
		return nil
	}
	var out []*topology.Backend
	for _, in := range d.t.ALBIngresses() {
		for _, b := range in.Backends {
			if (b.TargetGroup != nil && b.TargetGroup.Name == name) || (b.TargetGroup == nil && b.TargetGroupName == name) {
				out = append(out, b)
			}
		}
	}
	return out
}

// pod returns the pod namespace/name among the backends' targets and pods.
func (d Details) pod(ns, name string) *corev1.Pod {
	if d.t == nil {
		return nil
	}
	for _, in := range d.t.ALBIngresses() {
		for _, b := range in.Backends {
			for _, tg := range b.Targets {
				if tg.Pod != nil && tg.Pod.Namespace == ns && tg.Pod.Name == name {
					return tg.Pod
				}
			}
			for _, p := range b.Pods {
				if p.Namespace == ns && p.Name == name {
					return p
				}
			}
		}
	}
	return nil
}

// missing says why no AWS description of a kind of object is held.
func (d Details) missing(kind string) string {
	switch {
	case d.t == nil:
		return "no description held by this view"
	case d.t.AWS == nil:
		return "not read (no description of this " + kind + " is held)"
	}
	return "no " + kind + " of this name in what AWS listed"
}

// DescribeLoadBalancer describes the ALB name: what AWS said of it, its
// listeners with their rules and the target groups they forward to, and
// the Ingresses and target groups of rows behind it.
func (d Details) DescribeLoadBalancer(name string, rows []Row) []string {
	out := []string{"Load balancer: " + name}
	ings, tgs := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		if r.LoadBalancer == name {
			ings[r.Namespace+"/"+r.Ingress] = true
			tgs[r.TargetGroup] = true
		}
	}
	out = append(out, "Ingresses:     "+strings.Join(sortedKeys(ings), ", "))
	lb := d.loadBalancer(name)
	if lb == nil {
		out = append(out, "Target groups: "+strings.Join(sortedKeys(tgs), ", "), "", "AWS: "+d.missing("ALB"))
		return out
	}
	created := "-"
	if lb.Created != nil {
		created = lb.Created.UTC().Format("2006-01-02 15:04:05Z")
	}
	out = append(out,
		"ARN:           "+lb.ARN,
		"DNS name:      "+lb.DNSName,
		"Scheme:        "+dash(lb.Scheme)+"   Type: "+dash(lb.Type)+"   State: "+dash(lb.State)+"   IP: "+dash(lb.IPAddressType),
		"VPC:           "+dash(lb.VpcID),
		"Zones:         "+dash(strings.Join(lb.Zones, ", ")),
		"Created:       "+created,
		"Listeners:")
	if len(lb.Listeners) == 0 {
		out = append(out, "  none")
	}
	for _, l := range lb.Listeners {
		out = append(out, fmt.Sprintf("  %s:%d", l.Protocol, l.Port))
		for _, ru := range l.Rules {
			match := "default"
			if !ru.IsDefault {
				match = fmt.Sprintf("priority %s host %s path %s", ru.Priority, dash(strings.Join(ru.Hosts, ",")), dash(strings.Join(ru.Paths, ",")))
			}
			to := ru.Action
			if len(ru.Forward) > 0 {
				var fw []string
				for _, f := range ru.Forward {
					fw = append(fw, fmt.Sprintf("%s (weight %d)", d.targetGroupName(f.ARN), f.Weight))
				}
				to = "forward to " + strings.Join(fw, ", ")
			}
			out = append(out, "    "+match+" → "+dash(to))
		}
	}
	out = append(out, "Target groups: "+strings.Join(sortedKeys(tgs), ", "))
	return out
}

func (d Details) targetGroupName(arn string) string {
	if d.t != nil && d.t.AWS != nil {
		for _, tg := range d.t.AWS.TargetGroups {
			if tg.ARN == arn {
				return tg.Name
			}
		}
	}
	return arn
}

// DescribeTargetGroup describes the target group name: what AWS said of it
// (protocol, port, health check, tags), the Services and bindings behind it
// and its targets as the rows show them.
func (d Details) DescribeTargetGroup(name string, rows []Row) []string {
	out := []string{"Target group: " + name}
	tg := d.targetGroup(name)
	if tg == nil {
		out = append(out, "AWS: "+d.missing("target group"))
	} else {
		hc := tg.HealthCheck
		out = append(out,
			"ARN:           "+tg.ARN,
			"Target type:   "+dash(tg.TargetType),
			strings.TrimSpace(fmt.Sprintf("Protocol:      %s port %d %s", dash(tg.Protocol), tg.Port, tg.ProtocolVersion)),
			"VPC:           "+dash(tg.VpcID),
			"Health check:",
			fmt.Sprintf("  %s port %s path %s matcher %s", dash(hc.Protocol), dash(hc.Port), dash(hc.Path), dash(hc.Matcher)),
			fmt.Sprintf("  every %ds, timeout %ds, healthy after %d, unhealthy after %d", hc.IntervalSeconds, hc.TimeoutSeconds, hc.HealthyThreshold, hc.UnhealthyThreshold))
		var lbs []string
		for _, arn := range tg.LoadBalancerARNs {
			lbs = append(lbs, d.loadBalancerName(arn))
		}
		out = append(out, "Load balancers: "+dash(strings.Join(lbs, ", ")))
		if len(tg.Tags) > 0 {
			out = append(out, "Tags:")
			keys := make([]string, 0, len(tg.Tags))
			for k := range tg.Tags {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				out = append(out, "  "+k+"="+tg.Tags[k])
			}
		}
	}
	for _, b := range d.backends(name) {
		line := fmt.Sprintf("Backend:       Ingress %s/%s → Service %s port %s", b.Ref.Ingress.Namespace, b.Ref.Ingress.Name, b.Ref.Service, b.Ref.Port.String())
		if b.Binding != nil {
			line += " (TargetGroupBinding " + b.Binding.Name + ")"
		}
		out = append(out, line)
	}
	out = append(out, "Targets:")
	n := 0
	for _, r := range rows {
		if r.TargetGroup != name {
			continue
		}
		n++
		who := r.Pod
		if who == "" {
			who = r.Node
		}
		out = append(out, fmt.Sprintf("  %s  %s  %s  %s  %s", r.Target, r.State, dash(r.Reason), dash(who), dash(r.Zone)))
	}
	if n == 0 {
		out = append(out, "  none")
	}
	return out
}

func (d Details) loadBalancerName(arn string) string {
	if d.t != nil && d.t.AWS != nil {
		for _, lb := range d.t.AWS.LoadBalancers {
			if lb.ARN == arn {
				return lb.Name
			}
		}
	}
	return arn
}

// DescribeTarget describes one target: its state and reason as AWS gave
// them, the pod or node behind it, readiness, gate and problems.
func (d Details) DescribeTarget(r Row) []string {
	ready := "-"
	if r.PodReady != nil {
		ready = fmt.Sprint(*r.PodReady)
	}
	out := []string{
		"Target:        " + r.Target,
		"Target group:  " + r.TargetGroup + " (" + dash(r.TargetType) + ")",
		"Load balancer: " + r.LoadBalancer,
		"Rule:          " + dash(r.Rule),
		"Ingress:       " + r.Namespace + "/" + r.Ingress,
		"State:         " + r.State,
		"Reason:        " + dash(r.Reason),
		"Description:   " + dash(r.Description),
		"Zone:          " + dash(r.Zone),
	}
	if r.Pod != "" {
		out = append(out, "Pod:           "+r.Namespace+"/"+r.Pod, "Ready:         "+ready, "Readiness gate: "+dash(r.Gate))
		if p := d.pod(r.Namespace, r.Pod); p != nil {
			out = append(out, "Pod IP:        "+dash(p.Status.PodIP), "Phase:         "+dash(string(p.Status.Phase)))
			for _, c := range p.Status.Conditions {
				out = append(out, fmt.Sprintf("  %s=%s %s", c.Type, c.Status, c.Reason))
			}
		}
	}
	out = append(out, "Node:          "+dash(r.Node))
	if len(r.Problems) == 0 {
		out = append(out, "Problems:      none")
	} else {
		out = append(out, "Problems:      "+strings.Join(r.Problems, ", "))
	}
	return out
}

// LoadBalancerYAML is the ALB name as lbctl holds it, in YAML: AWS's
// description of it, then the Ingresses it serves as `kubectl get -o
// yaml` prints them (without managed fields), one document each.
func (d Details) LoadBalancerYAML(name string) (string, error) {
	docs, err := awsDoc("AWS load balancer", d.loadBalancer(name), d.missing("ALB"))
	if err != nil {
		return "", err
	}
	if d.t != nil {
		for _, in := range d.t.ALBIngresses() {
			lb := in.Group.LoadBalancerName
			if in.Group.LoadBalancer != nil {
				lb = in.Group.LoadBalancer.Name
			}
			if lb != name {
				continue
			}
			ing := in.Object.DeepCopy()
			ing.APIVersion, ing.Kind, ing.ManagedFields = "networking.k8s.io/v1", "Ingress", nil
			y, err := toYAML(ing)
			if err != nil {
				return "", err
			}
			docs = append(docs, "# Ingress "+in.Key()+"\n"+y)
		}
	}
	return strings.Join(docs, "---\n"), nil
}

// TargetGroupYAML is the target group name as lbctl holds it, in YAML:
// AWS's description of it, then the Services behind it as `kubectl get -o
// yaml` prints them (without managed fields), one document each.
func (d Details) TargetGroupYAML(name string) (string, error) {
	docs, err := awsDoc("AWS target group", d.targetGroup(name), d.missing("target group"))
	if err != nil {
		return "", err
	}
	seen := map[*corev1.Service]bool{}
	for _, b := range d.backends(name) {
		if b.Service == nil || seen[b.Service] {
			continue
		}
		seen[b.Service] = true
		svc := b.Service.DeepCopy()
		svc.APIVersion, svc.Kind, svc.ManagedFields = "v1", "Service", nil
		y, err := toYAML(svc)
		if err != nil {
			return "", err
		}
		docs = append(docs, "# Service "+svc.Namespace+"/"+svc.Name+"\n"+y)
	}
	return strings.Join(docs, "---\n"), nil
}

// awsDoc is the YAML document of an AWS description, or a comment saying
// why there is none.
func awsDoc[T any](title string, v *T, missing string) ([]string, error) {
	if v == nil {
		return []string{"# AWS: " + missing + "\n"}, nil
	}
	y, err := toYAML(v)
	if err != nil {
		return nil, err
	}
	return []string{"# " + title + "\n" + y}, nil
}

// TargetYAML is the Kubernetes object behind a target, in YAML as
// `kubectl get -o yaml` prints it (without managed fields): the pod for an
// ip target, the node for an instance target.
func (d Details) TargetYAML(r Row) (string, error) {
	switch {
	case r.Pod != "":
		p := d.pod(r.Namespace, r.Pod)
		if p == nil {
			return "", fmt.Errorf("pod %s/%s: not held by this view", r.Namespace, r.Pod)
		}
		p = p.DeepCopy()
		p.APIVersion, p.Kind, p.ManagedFields = "v1", "Pod", nil
		return toYAML(p)
	case r.Node != "" && d.t != nil && d.t.Node(r.Node) != nil:
		n := d.t.Node(r.Node).DeepCopy()
		n.APIVersion, n.Kind, n.ManagedFields = "v1", "Node", nil
		return toYAML(n)
	}
	return "", fmt.Errorf("target %s: no pod or node read behind it", r.Target)
}

func toYAML(v any) (string, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
