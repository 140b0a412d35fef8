package plan

import (
	"fmt"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkControllerModel: the plan's predictions (ALB and target group names,
// rules) come from lbctl's model of the controller. When the controller
// writes its own model of each group (the IngressPlanAnnotation feature
// gate's dry-run-plan annotation), lbctl's model of today's groups must
// equal it field by field; a difference means the predictions cannot be
// trusted (a flag lbctl was not told, a behaviour it does not model).
func checkControllerModel(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "controller model"}
	m := render.Render(b.t, render.Options{DefaultTags: b.t.Defaults.DefaultTags})
	checked, mismatches := render.CompareWithController(b.t, m)
	if len(checked) == 0 {
		c.Status = CheckNotChecked
		c.Message = "the controller wrote no model of any group (" + lbc.PlanAnnotation + ")"
		c.Needs = "the controller running with --feature-gates=" + lbc.PlanFeatureGate + "=true"
		return c, nil
	}
	if len(mismatches) == 0 {
		c.Status = CheckPass
		c.Message = fmt.Sprintf("lbctl's model equals the controller's for all %d group(s) it wrote", len(checked))
		return c, nil
	}
	var objs []topology.ObjectRef
	seen := map[string]bool{}
	var shown []string
	for i, mm := range mismatches {
		if i < 5 {
			shown = append(shown, render.Escape(mm.String()))
		}
		if !seen[mm.Group] {
			seen[mm.Group] = true
			for _, g := range m.Groups {
				if g.ID == mm.Group && len(g.Members) > 0 {
					ns, name, _ := strings.Cut(g.Members[0], "/")
					objs = append(objs, topology.ObjectRef{Kind: "Ingress", Namespace: ns, Name: name})
				}
			}
		}
	}
	if len(mismatches) > len(shown) {
		shown = append(shown, fmt.Sprintf("and %d more", len(mismatches)-len(shown)))
	}
	c.Status = CheckFail
	c.Message = fmt.Sprintf("lbctl's model differs from the controller's in %d field(s) of %d group(s), so the plan's names and waits cannot be trusted: %s (give plan the controller's flags with --controller-args, or report it)",
		len(mismatches), len(seen), strings.Join(shown, "; "))
	return c, objs
}
