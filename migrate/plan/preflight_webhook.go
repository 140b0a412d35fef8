package plan

import (
	"fmt"
	"sort"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkWebhook reads the controller's MutatingWebhookConfiguration when the
// cluster was read live: its pod webhook, that webhook's objectSelector
// (the moved Ingresses' pods it excludes get no gate) and failurePolicy
// (Ignore: pods created while the controller is down get none); otherwise it looks for proof that the pod webhook
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
			excluded, msg := b.webhookExcludes(live)
			if len(excluded) > 0 {
				c.Status, c.Message = CheckWarn, c.Message+"; "+msg
				ref = append(ref, excluded...)
			}
			if live.PodWebhookFailurePolicy == string(admissionregistrationv1.Ignore) {
				c.Message += "; its failurePolicy is Ignore: a pod created while the controller cannot answer (down, restarting, its webhook Service unreachable) is admitted without a readiness gate. migrate's restart step runs once the controller is healthy and so gives the moved workloads' new pods their gates; a pod created during a later controller outage needs another restart"
			}
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

// webhookExcludes finds the pods behind the moved Ingresses whose labels
// the pod webhook's objectSelector does not match: the API server never
// sends them to the webhook, so they get no readiness gate however often
// they are restarted (the chart excludes the controller's own pods, and a
// user may add e.g. elbv2.k8s.aws/pod-readiness-gate-inject: disabled).
func (b *builder) webhookExcludes(live *Live) ([]topology.ObjectRef, string) {
	if live.PodWebhookObjectSelector == nil {
		return nil, ""
	}
	sel, err := metav1.LabelSelectorAsSelector(live.PodWebhookObjectSelector)
	if err != nil {
		return nil, ""
	}
	seen := map[string]bool{}
	var names []string
	var refs []topology.ObjectRef
	for _, m := range b.moves {
		for _, be := range m.in.Backends {
			for _, p := range be.Pods {
				key := p.Namespace + "/" + p.Name
				if seen[key] || sel.Matches(labels.Set(p.Labels)) {
					continue
				}
				seen[key] = true
				names = append(names, key)
				refs = append(refs, topology.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name})
			}
		}
	}
	if len(names) == 0 {
		return nil, ""
	}
	sort.Strings(names)
	sort.Slice(refs, func(i, j int) bool { return refs[i].Namespace+"/"+refs[i].Name < refs[j].Namespace+"/"+refs[j].Name })
	return refs, fmt.Sprintf("its objectSelector (%s) excludes %d pod(s) behind the moved Ingresses, which get no readiness gate even when restarted: %s; change their labels (or the selector) so it matches them before phase 2",
		metav1.FormatLabelSelector(live.PodWebhookObjectSelector), len(names), joinShort(names))
}
