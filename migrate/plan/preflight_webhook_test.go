package plan

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

func TestPreflightWebhook(t *testing.T) {
	// The scan estate's grafana pods carry a readiness gate.
	p := Build(topoFiles(t, "", "../scan/testdata/estate"), Options{})
	if c := preflightResult(t, p, "readiness-gate webhook"); c.Status != CheckPass {
		t.Errorf("estate: %+v", c)
	}
	p = Build(topoYAML(t, oneApp()), Options{})
	if c := preflightResult(t, p, "readiness-gate webhook"); c.Status != CheckNotChecked || c.Needs == "" {
		t.Errorf("no pods: %+v", c)
	}
}

// TestPreflightWebhookLive reads the pod webhook's objectSelector and
// failurePolicy: the moved Ingresses' pods the selector excludes are named
// (they never get a gate), and Ignore says that pods created while the
// controller is down get none until restarted.
func TestPreflightWebhookLive(t *testing.T) {
	chart := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "app.kubernetes.io/name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"aws-load-balancer-controller"}},
		{Key: lbc.LabelReadinessGateInject, Operator: metav1.LabelSelectorOpNotIn, Values: []string{"disabled"}},
	}}
	live := func(policy string, sel *metav1.LabelSelector) *Live {
		return &Live{WebhookOK: true, WebhookFound: true, PodWebhook: lbc.PodWebhookName, PodWebhookFailurePolicy: policy, PodWebhookObjectSelector: sel}
	}
	disabled := strings.Replace(podsOnNode, "metadata: {name: web-2, namespace: a, labels: {app: web}}",
		"metadata: {name: web-2, namespace: a, labels: {app: web, elbv2.k8s.aws/pod-readiness-gate-inject: disabled}}", 1)
	for _, tc := range []struct {
		name    string
		y       string
		live    *Live
		status  string
		says    []string
		notSays string
		pods    []string
	}{
		{"chart selector, pods match", oneApp(podsOnNode), live("Fail", chart), CheckPass, []string{"mpod.elbv2.k8s.aws injects readiness gates"}, "excludes", nil},
		{"a pod opted out", oneApp(disabled), live("Fail", chart), CheckWarn,
			[]string{"its objectSelector (app.kubernetes.io/name notin (aws-load-balancer-controller),elbv2.k8s.aws/pod-readiness-gate-inject notin (disabled)) excludes 1 pod(s) behind the moved Ingresses, which get no readiness gate even when restarted: a/web-2"}, "Ignore", []string{"a/web-2"}},
		{"failurePolicy Ignore", oneApp(podsOnNode), live("Ignore", nil), CheckPass,
			[]string{"failurePolicy is Ignore: a pod created while the controller cannot answer", "migrate's restart step runs once the controller is healthy"}, "excludes", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Check
			var objs []topology.ObjectRef
			for _, st := range Build(topoWith(t, tc.y, nil), Options{Live: tc.live}).Phases[0].Steps {
				if st.Check != nil && st.Check.Name == "readiness-gate webhook" {
					c, objs = *st.Check, st.Objects
				}
			}
			checkSays(t, c, tc.status, tc.says, tc.notSays)
			var pods []string
			for _, o := range objs {
				if o.Kind == "Pod" {
					pods = append(pods, o.Namespace+"/"+o.Name)
				}
			}
			if strings.Join(pods, ",") != strings.Join(tc.pods, ",") {
				t.Errorf("pods named %v, want %v", pods, tc.pods)
			}
		})
	}
}
