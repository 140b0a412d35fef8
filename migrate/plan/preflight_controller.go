package plan

import (
	"fmt"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// MinControllerVersion is the oldest AWS Load Balancer Controller the plan's
// manifests work with: IngressGroups, pod readiness gates and weighted
// forward actions came with v2.0, IngressClass and IngressClassParams
// with v2.2.
const MinControllerVersion = "v2.2.0"

// checkController looks for the controller: its Deployment (read from files)
// gives the version; without it, TargetGroupBindings prove a v2 controller
// runs, and an IngressClass of the controller that it is at least installed.
func checkController(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "controller"}
	for _, d := range b.t.Objects.Deployments {
		for _, ctr := range d.Spec.Template.Spec.Containers {
			if !strings.Contains(ctr.Image, "aws-load-balancer-controller") {
				continue
			}
			ref := []topology.ObjectRef{{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}}
			tag := ctr.Image[strings.LastIndexByte(ctr.Image, ':')+1:]
			if i := strings.IndexByte(tag, '@'); i >= 0 {
				tag = tag[:i]
			}
			ok, known := lbc.VersionAtLeast(tag, MinControllerVersion)
			switch {
			case !known:
				c.Status, c.Message = CheckWarn, fmt.Sprintf("controller %s/%s runs image %s whose version cannot be read; it must be %s or newer", d.Namespace, d.Name, ctr.Image, MinControllerVersion)
			case !ok:
				c.Status, c.Message = CheckFail, fmt.Sprintf("controller %s/%s is %s, older than %s (IngressGroups, readiness gates, IngressClassParams)", d.Namespace, d.Name, tag, MinControllerVersion)
			default:
				c.Status, c.Message = CheckPass, fmt.Sprintf("controller %s/%s is %s (≥ %s)", d.Namespace, d.Name, tag, MinControllerVersion)
			}
			return c, ref
		}
	}
	c.Needs = "the controller Deployment (kubectl -n kube-system get deploy aws-load-balancer-controller -o yaml, passed with -f) to read its version"
	switch {
	case len(b.t.Objects.TargetGroupBindings) > 0:
		c.Status, c.Message = CheckNotChecked, fmt.Sprintf("TargetGroupBindings exist, so a v2 controller runs; its version (≥ %s needed) was not read", MinControllerVersion)
	case hasControllerClass(b.t):
		c.Status, c.Message = CheckNotChecked, fmt.Sprintf("an IngressClass of %s exists; whether the controller runs, and its version (≥ %s needed), was not read", lbc.ControllerName, MinControllerVersion)
	default:
		c.Status, c.Message = CheckWarn, fmt.Sprintf("no IngressClass of %s and no TargetGroupBinding found: is the controller installed?", lbc.ControllerName)
	}
	return c, nil
}

func hasControllerClass(t *topology.Topology) bool {
	for _, ic := range t.Objects.IngressClasses {
		if ic.Spec.Controller == lbc.ControllerName {
			return true
		}
	}
	return false
}
