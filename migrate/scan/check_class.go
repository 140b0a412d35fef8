package scan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkClasses reports Ingresses of other controllers (left alone), those
// whose IngressClass is nowhere to be read, and ALB Ingresses whose class the
// controller cannot use.
func checkClasses(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	others := map[string][]topology.ObjectRef{}
	var order []string
	for _, in := range t.Ingresses {
		own := in.Ownership
		switch {
		case own.Controller != "alb" && own.Controller != "":
			if _, ok := others[own.Controller]; !ok {
				order = append(order, own.Controller)
			}
			others[own.Controller] = append(others[own.Controller], in.Ref())
		case own.ClassName == "":
			out = append(out, Finding{Severity: Info, Code: CodeOtherController, Objects: refs(in.Ref()),
				Message: fmt.Sprintf("Ingress %s names no ingress class; no controller is known to serve it, lbctl leaves it alone", in.Key()),
				Remedy:  "set spec.ingressClassName if it should be served"})
		case own.Controller == "":
			out = append(out, classNotFound(t, in))
		case own.Problem != nil:
			out = append(out, Finding{Severity: Error, Code: CodeClassMissing, Objects: refs(in.Ref()),
				Message: fmt.Sprintf("Ingress %s names %s, meant for the ALB controller, but the controller ignores it: %v", in.Key(), className(in), own.Problem),
				Remedy:  "create the IngressClass (controller ingress.k8s.aws/alb) or fix spec.ingressClassName"})
		}
	}
	for _, c := range order {
		f := Finding{Severity: Info, Code: CodeOtherController, Objects: others[c],
			Message: fmt.Sprintf("%d Ingress(es) belong to controller %s; lbctl leaves them untouched", len(others[c]), c)}
		if c == lbc.ControllerNameAutoMode {
			f.Message = fmt.Sprintf("%d Ingress(es) belong to EKS Auto Mode's load balancing (%s): it builds ALBs from its own IngressClassParams (eks.amazonaws.com/v1) and groups only through them; lbctl models the AWS Load Balancer Controller %s, so it neither renders nor plans them",
				len(others[c]), c, lbc.ModelVersion)
		}
		out = append(out, f)
	}
	return append(out, autoModeIgnored(t)...)
}

// autoModeIgnored reports EKS Auto Mode Ingresses that set annotations Auto
// Mode does not support: above all group.name, which makes such an Ingress
// look like a member of an ALB group it never joins.
func autoModeIgnored(t *topology.Topology) []Finding {
	var out []Finding
	for _, in := range t.Ingresses {
		if !in.Ownership.AutoMode() {
			continue
		}
		ign := lbc.AutoModeIgnored(in.Object)
		if len(ign) == 0 {
			continue
		}
		msg := fmt.Sprintf("Ingress %s is EKS Auto Mode's, which ignores its %s", in.Key(), strings.Join(ign, ", "))
		if name, ok := in.Object.Annotations[lbc.Key(lbc.SuffixGroupName)]; ok {
			group, known := lbc.AutoModeGroup(in.Object, t.Class(in.Ownership.ClassName))
			where := "the group.name of its IngressClassParams (" + lbc.AutoModeParamsAPIGroup + "/v1, not read by lbctl), else its own"
			if known {
				where = "its own, " + group.String()
			}
			msg += fmt.Sprintf(": its ALB group is %s, not %q", where, name)
			var peers []string
			for _, g := range t.Groups {
				if g.ID.IsExplicit() && g.ID.Name == name {
					for _, p := range g.Ingresses {
						peers = append(peers, p.Key())
					}
				}
			}
			if len(peers) > 0 {
				msg += fmt.Sprintf(", so it shares no ALB with %s of the ALB controller's group %s", joinKeys(peers), name)
			}
		}
		out = append(out, Finding{Severity: Info, Code: CodeOtherController, Objects: refs(in.Ref()), Message: msg,
			Remedy: "group Auto Mode Ingresses through their IngressClassParams' group.name; remove the annotations it ignores"})
	}
	return out
}

// className says what an Ingress names as its class, and where.
func className(in *topology.Ingress) string {
	if in.Ownership.Legacy {
		return fmt.Sprintf("class %q (annotation %s)", in.Ownership.ClassName, lbc.IngressClassAnnotation)
	}
	return fmt.Sprintf("IngressClass %q (spec.ingressClassName)", in.Ownership.ClassName)
}

// classNotFound reports an Ingress whose IngressClass was read nowhere: not
// in the cluster, or neither in the manifests nor stated nor assumed.
func classNotFound(t *topology.Topology, in *topology.Ingress) Finding {
	f := Finding{Severity: Warning, Code: CodeClassMissing, Objects: refs(in.Ref())}
	name := in.Ownership.ClassName
	switch {
	case !t.Objects.FromFiles:
		f.Message = fmt.Sprintf("Ingress %s names %s, which does not exist in the cluster: no controller serves it, lbctl leaves it alone", in.Key(), className(in))
		f.Remedy = fmt.Sprintf("create IngressClass %s (spec.controller %s for the ALB controller) or fix spec.ingressClassName", name, lbc.ControllerName)
	case t.Objects.ClassesFromCluster:
		f.Message = fmt.Sprintf("Ingress %s names %s, which is neither in the manifests nor in the cluster: lbctl cannot tell which controller serves it and leaves it alone", in.Key(), className(in))
		f.Remedy = fmt.Sprintf("add IngressClass %s to the manifests, or state its controller: --ingress-class %s=%s", name, name, lbc.ControllerName)
	default:
		f.Message = fmt.Sprintf("Ingress %s names %s, which is not in the manifests and no cluster was read: lbctl cannot tell which controller serves it and leaves it alone", in.Key(), className(in))
		f.Remedy = fmt.Sprintf("add IngressClass %s to the manifests, let lbctl read the cluster's (a reachable kubeconfig), or state its controller: --ingress-class %s=%s", name, name, lbc.ControllerName)
	}
	return f
}

// checkClassAssumed reports, once per class, that lbctl assumed what serves
// an IngressClass the manifests name but do not hold (the controller Helm
// chart's default), so a reader knows the scan rests on it.
func checkClassAssumed(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, sc := range t.Objects.SuppliedClasses {
		if sc.Source != kube.ClassAssumed {
			continue
		}
		var objs []topology.ObjectRef
		var keys []string
		for _, in := range t.Ingresses {
			if !in.Ownership.Legacy && in.Ownership.ClassName == sc.Name {
				objs = append(objs, in.Ref())
				keys = append(keys, in.Key())
			}
		}
		out = append(out, Finding{Severity: Info, Code: CodeClassAssumed, Objects: objs,
			Message: fmt.Sprintf("Ingress(es) %s name IngressClass %q, which is not in the manifests, and the cluster's classes were not read: lbctl assumes the controller Helm chart's default, class %s served by %s with no IngressClassParams",
				joinKeys(keys), sc.Name, sc.Name, sc.Controller),
			Remedy: fmt.Sprintf("if the cluster's IngressClass %s differs, add it (and its IngressClassParams) to the manifests, let lbctl read the cluster's (a reachable kubeconfig), or state it: --ingress-class %s=CONTROLLER", sc.Name, sc.Name)})
	}
	return out
}

// checkClassParams reports ALB Ingresses whose IngressClass references
// IngressClassParams that were not read: from a cluster the controller
// ignores them; from manifests what the parameters force is unknown.
func checkClassParams(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, in := range t.ALBIngresses() {
		if !in.ParamsMissing {
			continue
		}
		class, params := in.Ownership.ClassName, in.Ownership.ParamsName
		f := Finding{Severity: Warning, Code: CodeParamsMissing, Objects: refs(in.Ref())}
		if t.Objects.ClassesFromCluster {
			where := "the cluster"
			if t.Objects.FromFiles {
				where = "the manifests nor the cluster"
			}
			f.Severity = Error
			f.Message = fmt.Sprintf("Ingress %s names %s, whose spec.parameters reference IngressClassParams %q, which is not in %s: the controller ignores the Ingress (invalid ingress class)", in.Key(), className(in), params, where)
			f.Remedy = fmt.Sprintf("create IngressClassParams %s, or remove spec.parameters from IngressClass %s", params, class)
		} else {
			f.Message = fmt.Sprintf("Ingress %s names %s, whose spec.parameters reference IngressClassParams %q, which is not in the manifests: lbctl reads the Ingress without it, so what it sets (group, scheme, subnets, target type, …) is not taken into account", in.Key(), className(in), params)
			f.Remedy = fmt.Sprintf("add IngressClassParams %s to the manifests, or let lbctl read the cluster's (a reachable kubeconfig)", params)
		}
		out = append(out, f)
	}
	return out
}

// checkAnnotations turns annotation parse errors into findings naming the
// Ingress, the annotation and the expected form.
func checkAnnotations(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, in := range t.ALBIngresses() {
		seen := map[string]bool{}
		for _, err := range in.Errors {
			var ae *lbc.AnnotationError
			if !errors.As(err, &ae) {
				continue
			}
			msg := fmt.Sprintf("Ingress %s: annotation %s=%q does not parse: %v", in.Key(), ae.Annotation, ae.Value, ae.Err)
			if seen[msg] {
				continue
			}
			seen[msg] = true
			sev := Error
			if errors.Is(err, lbc.ErrTolerated) {
				sev = Warning
			}
			out = append(out, Finding{Severity: sev, Code: CodeAnnotationInvalid, Objects: refs(in.Ref()), Message: msg,
				Remedy: fmt.Sprintf("write %s as %s", ae.Annotation, ae.Expected)})
		}
		if name, ok := in.Config.Exclusive[lbc.SuffixLoadBalancerName]; ok && len(name) <= lbc.MaxLoadBalancerNameLength {
			if why := lbc.LoadBalancerNameProblem(name); why != "" {
				out = append(out, Finding{Severity: Error, Code: CodeAnnotationInvalid, Objects: refs(in.Ref()),
					Message: fmt.Sprintf("Ingress %s: load-balancer-name %q is one AWS refuses (%s): creating the ALB fails and the controller never reconciles the group", in.Key(), name, why),
					Remedy:  "name the ALB with at most 32 letters, digits and hyphens, no hyphen first or last, not starting with internal-"})
			}
		}
		for _, b := range in.Backends {
			if b.Err != nil {
				out = append(out, Finding{Severity: Error, Code: CodeServiceMissing, Objects: refs(in.Ref(), b.ServiceRef()),
					Message: fmt.Sprintf("Ingress %s backend %s:%s: %v", in.Key(), b.Ref.Service, b.Ref.Port.String(), b.Err),
					Remedy:  "create the Service and port, or fix the Ingress backend"})
			}
		}
	}
	return out
}
