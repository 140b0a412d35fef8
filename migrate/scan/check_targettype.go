package scan

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkTargetTypes finds instance-mode Ingresses (the extra kube-proxy hop)
// and instance backends on ClusterIP Services (already broken).
func checkTargetTypes(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, in := range t.ALBIngresses() {
		var instance []string
		for _, b := range in.Backends {
			if b.Config.TargetType != v1beta1.TargetTypeInstance {
				continue
			}
			instance = append(instance, b.Ref.Service)
			if b.Service != nil && b.Service.Spec.Type == corev1.ServiceTypeClusterIP {
				out = append(out, Finding{Severity: Error, Code: CodeClusterIPInstance, Objects: refs(in.Ref(), b.ServiceRef()),
					Message: fmt.Sprintf("Ingress %s sends instance-mode traffic to ClusterIP Service %s/%s, which has no NodePort: the controller fails with CreateTargetGroup ValidationError", in.Key(), in.Object.Namespace, b.Ref.Service),
					Remedy:  "set alb.ingress.kubernetes.io/target-type: ip on the Ingress (ip mode works with ClusterIP)"})
			}
		}
		if len(instance) > 0 {
			out = append(out, Finding{Severity: Warning, Code: CodeInstanceMode, Objects: refs(in.Ref()),
				Message: fmt.Sprintf("Ingress %s uses instance targets (NodePort + kube-proxy hop) for %s", in.Key(), joinKeys(instance)),
				Remedy:  "move to target-type ip: `" + buildinfo.Command() + " plan` makes a make-before-break plan"})
		}
	}
	return out
}

// checkNodePortOnly finds NodePort/LoadBalancer Services whose only users are
// instance-mode ALB backends: after moving to ip they can be ClusterIP.
func checkNodePortOnly(t *topology.Topology, _ Options) []Finding {
	type use struct {
		instance, other bool
		by              []topology.ObjectRef
		svc             *corev1.Service
	}
	uses := map[string]*use{}
	for _, in := range t.Ingresses {
		for _, b := range in.Backends {
			if b.Service == nil {
				continue
			}
			k := b.Service.Namespace + "/" + b.Service.Name
			u := uses[k]
			if u == nil {
				u = &use{svc: b.Service}
				uses[k] = u
			}
			u.by = append(u.by, in.Ref())
			if b.Config.TargetType == v1beta1.TargetTypeInstance {
				u.instance = true
			} else {
				u.other = true
			}
		}
	}
	// Services that other controllers' Ingresses use are needed as they are.
	for _, in := range t.Ingresses {
		if in.Group != nil {
			continue
		}
		for _, svc := range BackendServices(in) {
			if u := uses[in.Object.Namespace+"/"+svc]; u != nil {
				u.other = true
			}
		}
	}
	keys := make([]string, 0, len(uses))
	for k := range uses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Finding
	for _, k := range keys {
		u := uses[k]
		typ := u.svc.Spec.Type
		if !u.instance || u.other || (typ != corev1.ServiceTypeNodePort && typ != corev1.ServiceTypeLoadBalancer) {
			continue
		}
		ref := topology.ObjectRef{Kind: "Service", Namespace: u.svc.Namespace, Name: u.svc.Name}
		msg := fmt.Sprintf("Service %s is type %s only for instance-mode ALB targets", k, typ)
		if typ == corev1.ServiceTypeLoadBalancer {
			msg += "; it also provisions its own load balancer, check nothing else uses it"
		}
		out = append(out, Finding{Severity: Info, Code: CodeNodePortOnly, Objects: append(refs(ref), u.by...), Message: msg,
			Remedy: "after cut-over to ip targets, change it to ClusterIP (never before: instance targets need the NodePort)"})
	}
	return out
}

// BackendServices names every Service an Ingress's spec refers to (default
// backend and path backends), whatever controller serves it.
func BackendServices(in *topology.Ingress) []string {
	var out []string
	spec := in.Object.Spec
	if spec.DefaultBackend != nil && spec.DefaultBackend.Service != nil {
		out = append(out, spec.DefaultBackend.Service.Name)
	}
	for _, r := range spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			if p.Backend.Service != nil {
				out = append(out, p.Backend.Service.Name)
			}
		}
	}
	return out
}
