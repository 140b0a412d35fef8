package render

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// memberWarnings say what of one member's inputs the rendered stack leaves
// out: each names the input and what the controller builds from it that
// lbctl does not.
func memberWarnings(in *topology.Ingress, g *topology.Group) []string {
	var out []string
	at := fmt.Sprintf("Ingress %s (group %s)", in.Key(), g.ID)
	cfg := in.Config
	for _, k := range lbc.Unmodelled(in.Object.Annotations) {
		switch strings.TrimPrefix(k, lbc.AnnotationPrefix) {
		case lbc.SuffixEnableFrontendNLB:
			if cfg.FrontendNLB {
				out = append(out, fmt.Sprintf("%s sets %s: the controller also builds a frontend NLB (load balancer FrontendNlb, its TCP listeners and the target groups that register the ALB); lbctl renders the ALB only and checks just that members agree on the frontend NLB settings", at, k))
			}
		case lbc.SuffixCreateACMCert:
			if cfg.CreateACMCert {
				out = append(out, fmt.Sprintf("%s sets %s: a controller run with ACM certificate creation enabled requests an ACM certificate for the Ingress's hosts and serves it on its HTTPS listeners; lbctl renders neither that certificate nor its use (whether the controller has creation enabled is not checked)", at, k))
			}
		case lbc.SuffixWAFv2ACLName:
			out = append(out, fmt.Sprintf("%s names WAFv2 web ACL %q by name (%s): the controller looks up its ARN in WAF, which lbctl does not read, so the web ACL association by name is not rendered", at, in.Object.Annotations[k], k))
		}
	}
	ports := make([]int, 0, len(cfg.MutualAuthentication))
	for p := range cfg.MutualAuthentication {
		ports = append(ports, int(p))
	}
	sort.Ints(ports)
	for _, p := range ports {
		if name := cfg.MutualAuthentication[int32(p)].TrustStoreName(); name != "" {
			out = append(out, fmt.Sprintf("%s names trust store %q for port %d by name: the controller puts its ARN (from DescribeTrustStores) in the listener; lbctl renders the name",
				at, name, p))
		}
	}
	if in.Params != nil {
		if u := in.Params.Spec.Unmodelled(); len(u) > 0 {
			out = append(out, fmt.Sprintf("IngressClassParams %s of Ingress %s (group %s) sets %s, which lbctl does not model", in.Params.Name, in.Key(), g.ID, strings.Join(u, ", ")))
		}
	}
	return out
}

// autoModeWarnings say which Ingresses EKS Auto Mode serves: lbctl renders
// none of them, and names the annotations Auto Mode ignores (group.name
// above all: such an Ingress never joins an ALB group of that name).
func autoModeWarnings(t *topology.Topology) []string {
	var out []string
	for _, in := range t.Ingresses {
		if !in.Ownership.AutoMode() {
			continue
		}
		w := fmt.Sprintf("Ingress %s belongs to EKS Auto Mode (IngressClass %s, controller %s), which lbctl does not model: not rendered", in.Key(), in.Ownership.ClassName, lbc.ControllerNameAutoMode)
		class := t.Class(in.Ownership.ClassName)
		if g, known := lbc.AutoModeGroup(in.Object, class); known {
			w += fmt.Sprintf("; Auto Mode gives it its own ALB group %s", g)
		} else {
			w += fmt.Sprintf("; its group is the group.name of IngressClassParams %s (%s/v1), which lbctl does not read, else its own", class.Spec.Parameters.Name, lbc.AutoModeParamsAPIGroup)
		}
		if ign := lbc.AutoModeIgnored(in.Object); len(ign) > 0 {
			w += fmt.Sprintf("; Auto Mode ignores its %s", strings.Join(ign, ", "))
		}
		out = append(out, w)
	}
	return out
}
