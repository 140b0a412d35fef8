package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/migrate/plan"
)

// controllerContradicts says why the controller will never make target
// group name the plan waits for: its own model of the target group's group
// (the dry-run-plan annotation it writes on one of the group's Ingresses
// when run with IngressPlanAnnotation) names other target groups. It is ""
// when the controller agrees, has not written its model, or the plan does
// not say which group makes the target group.
func (e *Executor) controllerContradicts(ctx context.Context, name string) (string, error) {
	if e.o.AcceptControllerModel {
		return "", nil
	}
	p := e.o.Plan
	group := ""
	for _, r := range p.Replacements {
		if r.Kind == "TargetGroup" && r.Action == plan.Create && r.Name == name {
			group = r.Group
		}
	}
	if group == "" {
		return "", nil
	}
	for _, g := range p.Groups {
		if g.Name != group {
			continue
		}
		for _, m := range g.Members {
			ingName := m.Ingress
			if ingName == "" {
				ingName = m.Name
			}
			in, err := e.o.Kube.NetworkingV1().Ingresses(m.Namespace).Get(ctx, ingName, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return "", fmt.Errorf("read Ingress %s/%s: %w", m.Namespace, ingName, err)
			}
			raw, ok := in.Annotations[lbc.PlanAnnotation]
			if !ok {
				continue
			}
			var st render.Stack
			if err := json.Unmarshal([]byte(raw), &st); err != nil {
				return "", nil // not a model lbctl can read: nothing to say
			}
			var names []string
			for _, r := range st.Resources[render.TypeTargetGroup] {
				var tg struct {
					Spec struct {
						Name string `json:"name"`
					} `json:"spec"`
				}
				if json.Unmarshal(r, &tg) == nil {
					names = append(names, tg.Spec.Name)
				}
			}
			sort.Strings(names)
			for _, n := range names {
				if n == name {
					return "", nil
				}
			}
			return fmt.Sprintf("the controller's model of group %s (%s on %s/%s) has target groups %s, not %s, which the plan waits for: it will never exist",
				group, lbc.PlanAnnotation, m.Namespace, ingName, strings.Join(names, ", "), name), nil
		}
	}
	return "", nil
}
