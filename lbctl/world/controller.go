package world

import (
	"context"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
)

// ControllerSettings reads the controller's flags from its Deployment (the
// one labelled app.kubernetes.io/name=aws-load-balancer-controller, first
// by namespace/name) and returns the settings they give. Without a
// Deployment, or when Deployments may not be listed, it returns the
// controller's defaults and a note saying so.
func ControllerSettings(ctx context.Context, c Clients) (lbc.Defaults, string, error) {
	d := lbc.DefaultDefaults()
	kc, err := c.Kube()
	if err != nil {
		return d, "", err
	}
	deps, err := kc.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=" + lbc.ControllerNameLabel})
	if apierrors.IsForbidden(err) {
		return d, "cannot list Deployments to read the controller's flags; assuming its defaults (pass --controller-args)", nil
	}
	if err != nil {
		return d, "", err
	}
	if len(deps.Items) == 0 {
		return d, "no controller Deployment found; assuming the controller's default flags (pass --controller-args)", nil
	}
	items := deps.Items
	sort.Slice(items, func(i, j int) bool {
		return items[i].Namespace+"/"+items[i].Name < items[j].Namespace+"/"+items[j].Name
	})
	dep := items[0]
	var args []string
	for _, ctr := range dep.Spec.Template.Spec.Containers {
		if args == nil || strings.Contains(ctr.Image, lbc.ControllerNameLabel) {
			args = append(append([]string{}, ctr.Command...), ctr.Args...)
		}
	}
	d, err = lbc.ApplyControllerArgs(d, args)
	if err != nil {
		return d, "", fmt.Errorf("deployment %s/%s: %w", dep.Namespace, dep.Name, err)
	}
	return d, "", nil
}
