package plan

import (
	"fmt"
	"strings"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// checkPermissions checks what the phases need. AWS access problems met while
// reading are reported; Kubernetes RBAC is judged from the access reviews
// read live (Options.Live, one SelfSubjectAccessReview per verb migrate
// uses); without them (manifests) it lists the `kubectl auth can-i` lines to
// run instead.
func checkPermissions(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "RBAC and IAM permissions"}
	var denied []string
	for _, f := range b.scanned {
		if f.Code == scan.CodeAWSAccess {
			denied = append(denied, f.Message)
		}
	}
	nss := map[string]bool{}
	for _, m := range b.moves {
		nss[m.in.Object.Namespace] = true
	}
	var cans []string
	for _, ns := range sortedSet(nss) {
		for _, v := range [][2]string{{"create", "ingresses.networking.k8s.io"}, {"delete", "ingresses.networking.k8s.io"}, {"patch", "deployments.apps"}, {"patch", "services"}} {
			cans = append(cans, kubectl("auth", "can-i", v[0], v[1], "-n", ns))
		}
	}
	if len(b.labelNS) > 0 {
		cans = append(cans, "kubectl auth can-i patch namespaces")
	}
	iam, iamDenied := iamVerdict(b.o.Live)
	if b.o.DNS == DNSRoute53 {
		iam += "; --dns route53 needs route53:ChangeResourceRecordSets and route53:ListResourceRecordSets on the hosts' zones"
	}
	c.Needs = "SelfSubjectAccessReviews: " + joinShort(cans)
	if live := b.o.Live; live != nil && live.RBACChecked && len(cans) > 0 {
		switch {
		case len(live.RBACMissing) > 0:
			c.Status = CheckFail
			c.Message = fmt.Sprintf("the phases need %d verb(s) RBAC denies %s: %s; grant them (%s rbac --for migrate | kubectl apply -f -)", len(live.RBACMissing), live.RBACScope, strings.Join(live.RBACMissing, ", "), buildinfo.Command())
			if iamDenied {
				c.Message += "; " + iam
			}
			c.Needs = ""
			return c, nil
		case iamDenied:
			c.Status, c.Message, c.Needs = CheckFail, fmt.Sprintf("RBAC allows every verb the phases use %s, but %s", live.RBACScope, iam), ""
			return c, nil
		}
		c.Needs = ""
		c.Status, c.Message = CheckPass, fmt.Sprintf("RBAC allows every verb the phases use %s; %s", live.RBACScope, iam)
		if len(denied) > 0 {
			c.Status, c.Message = CheckWarn, fmt.Sprintf("RBAC allows every verb the phases use %s; AWS refused some reads, so parts of the plan lack live data: %s; %s", live.RBACScope, strings.Join(denied, "; "), iam)
		}
		return c, nil
	}
	if live := b.o.Live; live != nil && live.RBACErr != "" {
		c.Needs += " (the access reviews failed: " + live.RBACErr + ")"
	}
	switch {
	case len(denied) > 0:
		c.Status = CheckWarn
		c.Message = "AWS refused some reads, so parts of the plan lack live data: " + strings.Join(denied, "; ") + "; " + iam
	case len(cans) == 0:
		c.Status, c.Message, c.Needs = CheckPass, "nothing to change", ""
	default:
		c.Status = CheckNotChecked
		label := ""
		if len(b.labelNS) > 0 {
			label = " and label namespaces"
		}
		c.Message = fmt.Sprintf("the phases create, patch and delete Ingresses, Deployments and Services in %d namespace(s)%s; %s", len(nss), label, iam)
	}
	return c, nil
}

// iamVerdict words the IAM simulations of the live facts, and says whether
// one found a denied action. Without them, what the controller's role
// needs is stated, not checked.
func iamVerdict(live *Live) (string, bool) {
	if live == nil || len(live.IAM) == 0 {
		return "the controller's IAM role already creates and deletes ALBs and target groups for instance mode; ip mode needs no new AWS permission", false
	}
	var ok, denied, unknown []string
	for _, p := range live.IAM {
		if p.Via != "" {
			p.Who += ", by " + p.Via
		}
		switch {
		case p.Err != "":
			unknown = append(unknown, fmt.Sprintf("%s's not simulated (%s)", p.Who, p.Err))
		case len(p.Denied) > 0:
			fix := "grant them (" + buildinfo.Command() + " iam-policy --for migrate)"
			if strings.HasPrefix(p.Who, "the controller") {
				fix = "attach the controller's full IAM policy to it"
			}
			denied = append(denied, fmt.Sprintf("IAM denies %s (%s) %d of the %d actions the phases need: %s; %s", p.ARN, p.Who, len(p.Denied), p.Actions, strings.Join(p.Denied, ", "), fix))
		default:
			ok = append(ok, fmt.Sprintf("%s (%s) all %d", p.ARN, p.Who, p.Actions))
		}
	}
	var parts []string
	if len(denied) > 0 {
		parts = append(parts, strings.Join(denied, "; "))
	}
	if len(ok) > 0 {
		parts = append(parts, "IAM allows "+strings.Join(ok, " and ")+" actions the phases need (SimulatePrincipalPolicy)")
	}
	if len(unknown) > 0 {
		parts = append(parts, "IAM: "+strings.Join(unknown, "; "))
	}
	return strings.Join(parts, "; "), len(denied) > 0
}
