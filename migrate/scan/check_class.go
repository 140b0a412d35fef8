package scan

import (
	"errors"
	"fmt"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkClasses reports Ingresses of other controllers (left alone) and ALB
// Ingresses whose class the controller cannot use.
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
		case own.Controller == "":
			out = append(out, Finding{Severity: Info, Code: CodeOtherController, Objects: refs(in.Ref()),
				Message: fmt.Sprintf("Ingress %s names no ingress class; no controller is known to serve it, lbctl leaves it alone", in.Key()),
				Remedy:  "set spec.ingressClassName if it should be served"})
		case own.Problem != nil:
			out = append(out, Finding{Severity: Error, Code: CodeClassMissing, Objects: refs(in.Ref()),
				Message: fmt.Sprintf("Ingress %s is meant for the ALB controller but it ignores it: %v", in.Key(), own.Problem),
				Remedy:  "create the IngressClass (controller ingress.k8s.aws/alb) or fix spec.ingressClassName"})
		}
	}
	for _, c := range order {
		out = append(out, Finding{Severity: Info, Code: CodeOtherController, Objects: others[c],
			Message: fmt.Sprintf("%d Ingress(es) belong to controller %s; lbctl leaves them untouched", len(others[c]), c)})
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
