package preflight

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/permissions"
)

// IdentityAPI is the part of the STS client Gather calls: who the caller is.
type IdentityAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// GatherOptions say where and how Gather reads.
type GatherOptions struct {
	// Kube reads the cluster.
	Kube kubernetes.Interface
	// Namespace is the namespace planned ("" all): the access reviews of
	// migrate's verbs are made there.
	Namespace string
	// JournalNamespace is where migrate keeps its journal's ConfigMap and
	// its Lease (its --journal-namespace): their verbs are reviewed there.
	JournalNamespace string
	// STS and IAM simulate the phases' AWS permissions; nil leaves IAM
	// unsimulated (no AWS), and IAMErr, when set, says why.
	STS    IdentityAPI
	IAM    IAMAPI
	IAMErr string
	// EKS and Cluster find the controller's role from its EKS Pod Identity
	// association when its ServiceAccount has no IRSA annotation; without
	// them that role is reported as not found.
	EKS     EKSAPI
	Cluster string
	// Each bounds one call (nil: no bound of its own).
	Each func(context.Context) (context.Context, context.CancelFunc)
	// Explain words an error for a check's message (nil: err.Error()).
	Explain func(error) string
}

// Gather reads the live facts plan's preflight checks judge, the same reads
// doctor makes: the controller's Deployment and webhook, ExternalDNS, an
// access review of every verb migrate uses (its journal's in the journal
// namespace), and the IAM simulation of the phases for the caller and the
// controller's role. A read that is refused is noted in the facts, and its
// check says so; only a cancelled ctx is an error.
func Gather(ctx context.Context, o GatherOptions) (*Live, error) {
	if o.Explain == nil {
		o.Explain = func(err error) string { return err.Error() }
	}
	text := func(err error) string {
		if err == nil {
			return ""
		}
		return o.Explain(err)
	}
	call := func(fn func(context.Context) error) error {
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if o.Each != nil {
			cctx, cancel = o.Each(ctx)
		}
		defer cancel()
		return fn(cctx)
	}
	kc := o.Kube
	live := &Live{RBACScope: "in all namespaces"}
	if o.Namespace != "" {
		live.RBACScope = "in namespace " + o.Namespace
	}
	err := call(func(ctx context.Context) (err error) {
		live.Controllers, err = ControllerDeployments(ctx, kc)
		return err
	})
	live.ControllersOK, live.ControllerErr = err == nil, text(err)
	err = call(func(ctx context.Context) error {
		wh, err := ReadWebhook(ctx, kc)
		live.WebhookFound, live.PodWebhook = wh.Found, wh.PodWebhook
		live.PodWebhookFailurePolicy, live.PodWebhookObjectSelector = wh.FailurePolicy, wh.ObjectSelector
		return err
	})
	live.WebhookOK, live.WebhookErr = err == nil, text(err)
	err = call(func(ctx context.Context) (err error) {
		live.ExternalDNS, err = ExternalDNSDeployments(ctx, kc)
		return err
	})
	live.ExternalDNSOK = err == nil

	// The journal's ConfigMap and Lease live in migrate's journal namespace,
	// not in the namespaces migrated: review them there.
	var rules, journal []permissions.KubeRule
	for _, k := range permissions.KubeRules([]permissions.Command{permissions.Migrate}) {
		if isJournalRule(k) {
			journal = append(journal, k)
		} else {
			rules = append(rules, k)
		}
	}
	jns := o.JournalNamespace
	if jns == "" {
		return nil, fmt.Errorf("preflight: no journal namespace to review migrate's journal verbs in")
	}
	live.RBACScope += " (the journal's ConfigMap and Lease in " + jns + ")"
	live.RBACChecked = true
	review := func(rules []permissions.KubeRule, ns, suffix string) {
		for k, a := range AccessReviews(ctx, kc, rules, ns, o.Each) {
			switch {
			case a.Err != nil:
				live.RBACChecked, live.RBACErr = false, text(a.Err)
			case !a.Allowed:
				live.RBACMissing = append(live.RBACMissing, KubectlVerb(k)+suffix)
			}
		}
	}
	review(rules, o.Namespace, "")
	review(journal, jns, " -n "+jns)
	sort.Strings(live.RBACMissing)

	switch {
	case o.IAMErr != "":
		live.IAM = []IAMProbe{{Who: "lbctl", Err: o.IAMErr}, {Who: "the controller", Err: o.IAMErr}}
	case o.STS != nil && o.IAM != nil:
		live.IAM = simulateIAM(kc, o, live.Controllers, call, text)
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return live, nil
}

// isJournalRule says whether migrate needs the rule for its journal (a
// ConfigMap and a Lease in the journal namespace).
func isJournalRule(k permissions.KubeRule) bool {
	return (k.Group == "" && k.Resource == "configmaps") || (k.Group == "coordination.k8s.io" && k.Resource == "leases")
}

// simulateIAM simulates (IAM SimulatePrincipalPolicy) the AWS actions of
// the phases: migrate's own, for the caller, and the controller's, for the
// role its ServiceAccount names (IRSA) or, without that annotation, the
// role of its EKS Pod Identity association.
func simulateIAM(kc kubernetes.Interface, o GatherOptions, controllers []appsv1.Deployment,
	call func(func(context.Context) error) error, text func(error) string) []IAMProbe {
	iamc := o.IAM
	migrateActions := permissions.AWSActions([]permissions.Command{permissions.Migrate})
	me := IAMProbe{Who: "lbctl", Actions: len(migrateActions)}
	ctl := IAMProbe{Who: "the controller", Actions: len(ControllerIPModeActions)}
	err := call(func(ctx context.Context) error {
		id, err := o.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return err
		}
		if me.ARN, err = PrincipalARN(ctx, iamc, aws.ToString(id.Arn)); err != nil {
			return err
		}
		me.Denied, err = DeniedActions(ctx, iamc, me.ARN, migrateActions)
		return err
	})
	me.Err = text(err)
	if len(controllers) == 0 {
		ctl.Err = "no controller Deployment found"
		return []IAMProbe{me, ctl}
	}
	dep := &controllers[0]
	err = call(func(ctx context.Context) (err error) {
		ctl.ARN, err = ControllerRoleARN(ctx, kc, dep)
		return err
	})
	if err == nil && ctl.ARN == "" {
		err = controllerPodIdentity(o, dep, &ctl, call)
	}
	switch {
	case err != nil:
		ctl.Err = text(err)
	case ctl.Err != "":
	default:
		err = call(func(ctx context.Context) (err error) {
			ctl.Denied, err = DeniedActions(ctx, iamc, ctl.ARN, ControllerIPModeActions)
			return err
		})
		ctl.Err = text(err)
	}
	return []IAMProbe{me, ctl}
}

// controllerPodIdentity fills the controller's probe from the EKS Pod
// Identity association of its ServiceAccount, or says why it cannot.
func controllerPodIdentity(o GatherOptions, dep *appsv1.Deployment, ctl *IAMProbe, call func(func(context.Context) error) error) error {
	sa := dep.Namespace + "/" + ServiceAccountName(dep)
	noIRSA := "its ServiceAccount " + sa + " has no " + RoleARNAnnotation + " annotation"
	switch {
	case o.EKS == nil:
		ctl.Err = noIRSA + " and EKS was not asked for its Pod Identity association"
		return nil
	case o.Cluster == "":
		ctl.Err = noIRSA + " and the cluster name is unknown, so its EKS Pod Identity association cannot be looked up: pass --cluster-name"
		return nil
	}
	var pi PodIdentity
	var found bool
	err := call(func(ctx context.Context) (err error) {
		pi, found, err = PodIdentityRole(ctx, o.EKS, o.Cluster, dep.Namespace, ServiceAccountName(dep))
		return err
	})
	switch {
	case err != nil:
		return err
	case !found:
		ctl.Err = noIRSA + " nor an EKS Pod Identity association in cluster " + o.Cluster + " (the node's instance role, which lbctl cannot see, may serve it)"
		return nil
	}
	ctl.ARN = pi.RoleARN
	ctl.Via = "EKS Pod Identity association " + pi.AssociationID
	if pi.SessionPolicy {
		ctl.Via += ", whose own policy may narrow it further (not simulated)"
	}
	return nil
}
