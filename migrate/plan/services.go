package plan

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// serviceChange is a NodePort Service that becomes ClusterIP after cut-over.
type serviceChange struct {
	svc *corev1.Service
	by  []topology.ObjectRef
}

func (s *serviceChange) ref() topology.ObjectRef {
	return topology.ObjectRef{Kind: "Service", Namespace: s.svc.Namespace, Name: s.svc.Name}
}

// planServices finds the Services that were NodePort only for instance
// targets: every user is an ALB backend that moves to ip. They turn ClusterIP
// in phase 6, after the old Ingresses are gone — never before, as instance
// targets need the NodePort until then. A Service anything else uses (an
// Ingress that stays or is blocked, another controller, a TargetGroupBinding
// the controller did not make, a LoadBalancer Service's own NLB/CLB) keeps
// its type.
func (b *builder) planServices() {
	type use struct {
		svc      *corev1.Service
		movedBy  []topology.ObjectRef
		keptBy   []string
		instance bool
	}
	uses := map[string]*use{}
	get := func(svc *corev1.Service) *use {
		k := svc.Namespace + "/" + svc.Name
		u := uses[k]
		if u == nil {
			u = &use{svc: svc}
			uses[k] = u
		}
		return u
	}
	for _, in := range b.t.Ingresses {
		m := b.moveOf[in]
		if in.Group == nil {
			for _, name := range scan.BackendServices(in) {
				if svc := b.t.Service(in.Object.Namespace, name); svc != nil {
					u := get(svc)
					who := in.Ownership.Controller
					if who == "" {
						who = "no class"
					}
					u.keptBy = append(u.keptBy, "Ingress "+in.Key()+" ("+who+")")
				}
			}
			continue
		}
		for _, be := range in.Backends {
			if be.Service == nil {
				continue
			}
			u := get(be.Service)
			switch {
			case m == nil && be.Config.TargetType == v1beta1.TargetTypeInstance:
				u.keptBy = append(u.keptBy, "Ingress "+in.Key()+" (not moving)")
			case m != nil:
				u.movedBy = append(u.movedBy, in.Ref())
				if be.Config.TargetType == v1beta1.TargetTypeInstance {
					u.instance = true
				}
			}
		}
	}
	for i := range b.t.Objects.TargetGroupBindings {
		tgb := &b.t.Objects.TargetGroupBindings[i]
		if _, managed := tgb.Labels[lbc.LabelStack]; managed {
			continue
		}
		if _, managed := tgb.Labels[lbc.LabelStackNamespace]; managed {
			continue
		}
		if tgb.Spec.TargetType != nil && *tgb.Spec.TargetType == v1beta1.TargetTypeInstance {
			if u := uses[tgb.Namespace+"/"+tgb.Spec.ServiceRef.Name]; u != nil {
				u.keptBy = append(u.keptBy, "TargetGroupBinding "+tgb.Namespace+"/"+tgb.Name)
			}
		}
	}
	keys := sortedKeys(uses)
	for _, k := range keys {
		u := uses[k]
		if !u.instance || len(u.movedBy) == 0 {
			continue
		}
		ref := topology.ObjectRef{Kind: "Service", Namespace: u.svc.Namespace, Name: u.svc.Name}
		switch {
		case u.svc.Spec.Type == corev1.ServiceTypeLoadBalancer:
			b.add(finding(scan.Info, CodeServiceKept,
				fmt.Sprintf("Service %s is type LoadBalancer: it has a load balancer of its own, so the plan leaves its type alone after cut-over", k),
				"if nothing uses its own load balancer, change it to ClusterIP after phase 6", append([]topology.ObjectRef{ref}, u.movedBy...)...))
		case u.svc.Spec.Type != corev1.ServiceTypeNodePort:
		case len(u.keptBy) > 0:
			sort.Strings(u.keptBy)
			b.add(finding(scan.Info, CodeServiceKept,
				fmt.Sprintf("Service %s stays NodePort after cut-over: %s still use(s) it", k, joinShort(dedupeStrings(u.keptBy))),
				"", append([]topology.ObjectRef{ref}, u.movedBy...)...))
		default:
			b.services = append(b.services, &serviceChange{svc: u.svc, by: u.movedBy})
		}
	}
}

func dedupeStrings(in []string) []string {
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// cleanService is a Service as a manifest, and clusterIPService the same
// Service turned ClusterIP: no NodePorts, no external traffic policy (the
// API server clears the node ports it allocated when the type changes).
func cleanService(svc *corev1.Service) *corev1.Service {
	out := &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: cleanMeta(svc.ObjectMeta)}
	svc.Spec.DeepCopyInto(&out.Spec)
	return out
}

func clusterIPService(svc *corev1.Service) *corev1.Service {
	out := cleanService(svc)
	out.Spec.Type = corev1.ServiceTypeClusterIP
	out.Spec.ExternalTrafficPolicy = ""
	out.Spec.HealthCheckNodePort = 0
	out.Spec.AllocateLoadBalancerNodePorts = nil
	for i := range out.Spec.Ports {
		out.Spec.Ports[i].NodePort = 0
	}
	return out
}
