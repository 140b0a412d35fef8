package plan

import (
	"fmt"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkWebhook reads the controller's MutatingWebhookConfiguration when the
// cluster was read live; otherwise it looks for proof that the pod webhook
// injects readiness gates: a pod that carries one. A labelled namespace
// whose pods behind ip target groups carry none points to a missing webhook.
func checkWebhook(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "readiness-gate webhook"}
	if live := b.o.Live; live != nil && live.WebhookOK {
		ref := []topology.ObjectRef{{Kind: "MutatingWebhookConfiguration", Name: lbc.WebhookConfigName}}
		switch {
		case !live.WebhookFound:
			c.Status, c.Message = CheckFail, fmt.Sprintf("no MutatingWebhookConfiguration %s: new pods get no readiness gates, so rollouts in ip mode can drop requests; reinstall the controller with its webhook", lbc.WebhookConfigName)
			return c, nil
		case live.PodWebhook == "":
			c.Status, c.Message = CheckWarn, fmt.Sprintf("%s has no webhook on pods: readiness gates will not be injected", lbc.WebhookConfigName)
		default:
			c.Status, c.Message = CheckPass, fmt.Sprintf("%s present; %s injects readiness gates into pods", lbc.WebhookConfigName, live.PodWebhook)
		}
		return c, ref
	}
	suspect := map[string]bool{}
	for i := range b.t.Objects.Pods {
		p := &b.t.Objects.Pods[i]
		for _, g := range p.Spec.ReadinessGates {
			if strings.HasPrefix(string(g.ConditionType), lbc.ReadinessGateConditionPrefix) {
				c.Status = CheckPass
				c.Message = fmt.Sprintf("pod %s/%s carries readiness gate %s: the webhook injects gates", p.Namespace, p.Name, g.ConditionType)
				return c, []topology.ObjectRef{{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}}
			}
		}
	}
	for _, in := range b.t.ALBIngresses() {
		n := b.t.Namespace(in.Object.Namespace)
		if n == nil || n.Labels[lbc.LabelReadinessGateInject] != lbc.ReadinessGateInjectEnabled {
			continue
		}
		for _, be := range in.Backends {
			if be.Config.TargetType == "ip" && be.Binding != nil && len(be.Pods) > 0 {
				suspect[in.Object.Namespace] = true
			}
		}
	}
	c.Needs = "MutatingWebhookConfiguration aws-load-balancer-webhook (kubectl get mutatingwebhookconfiguration aws-load-balancer-webhook)"
	if live := b.o.Live; live != nil {
		c.Needs = "get MutatingWebhookConfiguration " + lbc.WebhookConfigName + ", which was refused: " + live.WebhookErr
	}
	if len(suspect) > 0 {
		c.Status = CheckWarn
		c.Message = fmt.Sprintf("namespace(s) %s are labelled and have pods behind ip target groups, yet no pod carries a readiness gate: the webhook may be missing or failing open", strings.Join(sortedSet(suspect), ", "))
		return c, nil
	}
	c.Status = CheckNotChecked
	c.Message = "no pod carries a readiness gate yet, so nothing shows whether the webhook injects them"
	return c, nil
}
