package plan

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// MinControllerVersion is the oldest AWS Load Balancer Controller the plan's
// manifests work with: IngressGroups, pod readiness gates and weighted
// forward actions came with v2.0, IngressClass and IngressClassParams
// with v2.2.
const MinControllerVersion = "v2.2.0"

// checkController looks for the controller: its Deployment (found live by
// its label, or read from files) gives the version; without it,
// TargetGroupBindings prove a v2 controller runs, and an IngressClass of the
// controller that it is at least installed. Read live, no Deployment and no
// binding fails.
func checkController(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "controller"}
	live := b.o.Live
	deps := b.t.Objects.Deployments
	if live != nil && live.ControllersOK {
		deps = append(append([]appsv1.Deployment(nil), live.Controllers...), deps...)
	}
	for _, d := range deps {
		image := controllerImage(d, live != nil && containsDeployment(live.Controllers, d))
		if image == "" {
			continue
		}
		ref := []topology.ObjectRef{{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}}
		tag := lbc.ImageTag(image)
		ok, known := lbc.VersionAtLeast(tag, MinControllerVersion)
		switch {
		case !known:
			c.Status, c.Message = CheckWarn, fmt.Sprintf("controller %s/%s runs image %s whose version cannot be read; it must be %s or newer", d.Namespace, d.Name, image, MinControllerVersion)
		case !ok:
			c.Status, c.Message = CheckFail, fmt.Sprintf("controller %s/%s is %s, older than %s (IngressGroups, readiness gates, IngressClassParams)", d.Namespace, d.Name, tag, MinControllerVersion)
		default:
			c.Status, c.Message = CheckPass, fmt.Sprintf("controller %s/%s is %s (≥ %s)", d.Namespace, d.Name, tag, MinControllerVersion)
		}
		return c, ref
	}
	c.Needs = "the controller Deployment (kubectl -n kube-system get deploy aws-load-balancer-controller -o yaml, passed with -f) to read its version"
	if live != nil {
		if live.ControllersOK {
			c.Needs = ""
		} else {
			c.Needs = "list Deployments in every namespace, which was refused: " + live.ControllerErr
		}
	}
	switch {
	case len(b.t.Objects.TargetGroupBindings) > 0:
		c.Status, c.Message = CheckNotChecked, fmt.Sprintf("TargetGroupBindings exist, so a v2 controller runs; its version (≥ %s needed) was not read", MinControllerVersion)
		if live != nil && live.ControllersOK {
			c.Status = CheckWarn
			c.Message += fmt.Sprintf(": no Deployment labelled app.kubernetes.io/name=%s in any namespace", lbc.ControllerNameLabel)
		}
	case live != nil && live.ControllersOK:
		c.Status, c.Message = CheckFail, fmt.Sprintf("no Deployment labelled app.kubernetes.io/name=%s in any namespace and no TargetGroupBinding: install the controller (%s or newer) before phase 2", lbc.ControllerNameLabel, MinControllerVersion)
	case hasControllerClass(b.t):
		c.Status, c.Message = CheckNotChecked, fmt.Sprintf("an IngressClass of %s exists; whether the controller runs, and its version (≥ %s needed), was not read", lbc.ControllerName, MinControllerVersion)
	default:
		c.Status, c.Message = CheckWarn, fmt.Sprintf("no IngressClass of %s and no TargetGroupBinding found: is the controller installed?", lbc.ControllerName)
	}
	return c, nil
}

// controllerImage is the controller container's image of a Deployment: the
// one whose image names the controller; for a Deployment found by the
// controller's label, else its first container. "" when it is not one.
func controllerImage(d appsv1.Deployment, labelled bool) string {
	for _, ctr := range d.Spec.Template.Spec.Containers {
		if strings.Contains(ctr.Image, lbc.ControllerNameLabel) {
			return ctr.Image
		}
	}
	if labelled && len(d.Spec.Template.Spec.Containers) > 0 {
		return d.Spec.Template.Spec.Containers[0].Image
	}
	return ""
}

func containsDeployment(ds []appsv1.Deployment, d appsv1.Deployment) bool {
	for _, x := range ds {
		if x.Namespace == d.Namespace && x.Name == d.Name {
			return true
		}
	}
	return false
}

func hasControllerClass(t *topology.Topology) bool {
	for _, ic := range t.Objects.IngressClasses {
		if ic.Spec.Controller == lbc.ControllerName {
			return true
		}
	}
	return false
}
