package preflight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"al.essio.dev/pkg/shellescape"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/permissions"
)

// DoctorStatus is the verdict of one doctor check.
type DoctorStatus string

// The verdicts, from good to bad; only fail makes doctor exit 1.
const (
	DoctorOK         DoctorStatus = "ok"
	DoctorNotChecked DoctorStatus = "not-checked"
	DoctorWarn       DoctorStatus = "warn"
	DoctorFail       DoctorStatus = "fail"
)

// DoctorCheck is one line of doctor's report: what was checked, the verdict,
// what was found or is missing, and how to fix it.
type DoctorCheck struct {
	// Check names the check as area/subject ("rbac/scan", "iam/elasticloadbalancing:DescribeRules").
	Check   string       `json:"check"`
	Status  DoctorStatus `json:"status"`
	Message string       `json:"message"`
	Fix     string       `json:"fix,omitempty"`
}

// DoctorReport is doctor's -o json document.
type DoctorReport struct {
	Checks []DoctorCheck        `json:"checks"`
	Counts map[DoctorStatus]int `json:"counts"`
}

// Failed reports whether any check failed.
func (r DoctorReport) Failed() bool { return r.Counts[DoctorFail] > 0 }

// NewDoctorReport counts the checks' verdicts.
func NewDoctorReport(checks []DoctorCheck) DoctorReport {
	rep := DoctorReport{Checks: checks, Counts: map[DoctorStatus]int{DoctorOK: 0, DoctorWarn: 0, DoctorFail: 0, DoctorNotChecked: 0}}
	if rep.Checks == nil {
		rep.Checks = []DoctorCheck{}
	}
	for _, c := range checks {
		rep.Counts[c.Status]++
	}
	return rep
}

// WriteDoctorJSON writes the report as doctor -o json does.
func WriteDoctorJSON(w io.Writer, rep DoctorReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteDoctorText prints one line per check: verdict, check, message and,
// when there is one, the fix; then a count.
func WriteDoctorText(w io.Writer, rep DoctorReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range rep.Checks {
		line := c.Message
		if c.Fix != "" {
			line += " — fix: " + c.Fix
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Status, c.Check, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d ok, %d warn, %d fail, %d not checked\n",
		rep.Counts[DoctorOK], rep.Counts[DoctorWarn], rep.Counts[DoctorFail], rep.Counts[DoctorNotChecked])
	return err
}

// DoctorInput is what doctor checks with: clients built by the caller (an
// error building one is reported as the check that needed it) and where
// they point.
type DoctorInput struct {
	Kube func() (kubernetes.Interface, error)
	// Host is the API server's address and Context the kubeconfig
	// context's name, for the kube/context line ("" to leave out).
	Host    string
	Context string
	// Namespace, when set, is where namespaced RBAC is checked; empty
	// means across all namespaces.
	Namespace string
	// NoAWS skips the AWS checks.
	NoAWS bool
	// AWSConfig loads the AWS configuration (region, credentials);
	// AWS builds the clients from it.
	AWSConfig func(context.Context) (aws.Config, error)
	AWS       func(context.Context) (*DoctorAWS, error)
	// Explain words an error in one line (nil: its text).
	Explain func(error) string
	// CompareModel compares lbctl's model of every group with the one the
	// controller wrote in its dry-run-plan annotation (when it runs with
	// the IngressPlanAnnotation gate): the groups compared and each
	// difference in words. nil skips the check.
	CompareModel func(context.Context) (checked []string, differences []string, err error)
}

// doctorCallTimeout bounds each API call doctor makes.
const doctorCallTimeout = 15 * time.Second

// doctor runs the checks in order and collects their lines.
type doctor struct {
	in DoctorInput
	// namespace, when set, is where namespaced RBAC is checked; empty
	// means across all namespaces.
	namespace string
	// noAWS skips the AWS checks.
	noAWS bool
	// identity is the AWS caller's ARN once STS has answered.
	identity string
	checks   []DoctorCheck
}

func (d *doctor) add(check string, st DoctorStatus, msg, fix string) {
	d.checks = append(d.checks, DoctorCheck{Check: check, Status: st, Message: msg, Fix: fix})
}

// Doctor runs doctor's checks in order — the kube context, each command's
// RBAC, the controller (Deployment, version against each feature, webhook,
// IngressClass, CRDs), the AWS region, credentials, identity and each IAM
// action lbctl calls — and returns their lines.
func Doctor(ctx context.Context, in DoctorInput) []DoctorCheck {
	if in.Explain == nil {
		in.Explain = func(err error) string { return err.Error() }
	}
	d := &doctor{in: in, namespace: in.Namespace, noAWS: in.NoAWS}
	return d.run(ctx)
}

func (d *doctor) run(ctx context.Context) []DoctorCheck {
	if kc := d.checkContext(ctx); kc != nil {
		d.checkRBAC(ctx, kc)
		d.checkController(ctx, kc)
		d.checkCRDs(kc)
	} else {
		d.add("rbac", DoctorNotChecked, "the cluster was not reached", "")
		d.add("controller", DoctorNotChecked, "the cluster was not reached", "")
	}
	if d.noAWS {
		d.add("aws", DoctorNotChecked, "skipped (--no-aws)", "")
	} else if cfg, ok := d.checkAWSConfig(ctx); ok {
		d.checkAWS(ctx, cfg)
	}
	return d.checks
}

// checkContext reaches the API server and reads its version.
func (d *doctor) checkContext(ctx context.Context) kubernetes.Interface {
	const check = "kube/context"
	kc, err := d.in.Kube()
	if err != nil {
		d.add(check, DoctorFail, d.in.Explain(err), "")
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
	defer cancel()
	v, err := discovery.ToDiscoveryInterfaceWithContext(kc.Discovery()).ServerVersionWithContext(cctx)
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "unable to parse the server version"):
		d.add(check, DoctorFail, "the API server's /version is not a version: "+err.Error(), "check --context/--kubeconfig point at a Kubernetes API server")
		return nil
	case err != nil:
		d.add(check, DoctorFail, d.in.Explain(err), "")
		return nil
	}
	where := ""
	if d.in.Host != "" {
		where = " at " + d.in.Host
	}
	name := d.in.Context
	if name != "" {
		name = "context " + name + ": "
	}
	d.add(check, DoctorOK, fmt.Sprintf("%sKubernetes %s%s", name, v.GitVersion, where), "")
	return kc
}

// checkRBAC asks the API server, per command, whether the user may do each
// verb the registry lists for it: one SelfSubjectAccessReview per distinct
// rule.
func (d *doctor) checkRBAC(ctx context.Context, kc kubernetes.Interface) {
	answers := AccessReviews(ctx, kc, permissions.KubeRules(permissions.Commands()), d.namespace, Bounded)
	for _, c := range permissions.Commands() {
		check := "rbac/" + string(c)
		rules := permissions.KubeRules([]permissions.Command{c})
		var missing []string
		var failed error
		for _, k := range rules {
			a := answers[k]
			switch {
			case a.Err != nil:
				failed = a.Err
			case !a.Allowed:
				missing = append(missing, KubectlVerb(k))
			}
		}
		scope := "across all namespaces"
		if d.namespace != "" {
			scope = "in namespace " + d.namespace
		}
		fix := buildinfo.Command() + " rbac --for " + string(c)
		if d.namespace != "" {
			fix += " -n " + d.namespace
		}
		fix += " | kubectl apply -f -, then bind it to your user or group"
		switch {
		case failed != nil:
			d.add(check, DoctorWarn, "cannot ask the API server: "+d.in.Explain(failed), "")
		case len(missing) > 0:
			d.add(check, DoctorFail, fmt.Sprintf("missing %d of %d verbs %s: %s", len(missing), len(rules), scope, strings.Join(missing, ", ")), fix)
		default:
			d.add(check, DoctorOK, fmt.Sprintf("all %d verbs allowed %s", len(rules), scope), "")
		}
	}
}

// Bounded bounds one API call of doctor's or of the preflight reads.
func Bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, doctorCallTimeout)
}

// checkController finds the controller's Deployment, reads its version
// against the features a migration needs, and checks its webhook and the
// IngressClass alb.
func (d *doctor) checkController(ctx context.Context, kc kubernetes.Interface) {
	cctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
	defer cancel()
	installFix := "install the AWS Load Balancer Controller (helm install aws-load-balancer-controller eks/aws-load-balancer-controller -n kube-system --set clusterName=<cluster>)"
	deps, err := ControllerDeployments(cctx, kc)
	switch {
	case err != nil:
		d.add("controller/deployment", forbiddenOrFail(err), "cannot list Deployments: "+d.in.Explain(err), buildinfo.Command()+" rbac --for doctor | kubectl apply -f -")
		d.add("controller/features", DoctorNotChecked, "the controller's version was not read", "")
	case len(deps) == 0:
		d.add("controller/deployment", DoctorFail, "no Deployment labelled "+ControllerSelector+" in any namespace", installFix)
		d.add("controller/features", DoctorNotChecked, "no controller, no version to check", "")
	default:
		d.checkControllerDeployment(deps)
		d.checkModel(ctx, deps[0])
	}

	wh, err := ReadWebhook(cctx, kc)
	switch {
	case err != nil:
		d.add("controller/webhook", forbiddenOrFail(err), "cannot read MutatingWebhookConfiguration "+lbc.WebhookConfigName+": "+d.in.Explain(err), buildinfo.Command()+" rbac --for doctor | kubectl apply -f -")
	case !wh.Found:
		d.add("controller/webhook", DoctorFail, "no MutatingWebhookConfiguration "+lbc.WebhookConfigName+": pods get no readiness gates, so rollouts in ip mode can drop requests", "reinstall the controller with its webhook (the Helm chart creates it) and check its Service and certificate")
	case wh.PodWebhook == "":
		d.add("controller/webhook", DoctorWarn, lbc.WebhookConfigName+" has no webhook on pods: readiness gates will not be injected", "reinstall the controller so its pod webhook (mpod.elbv2.k8s.aws) is configured")
	default:
		d.add("controller/webhook", DoctorOK, fmt.Sprintf("%s present; %s injects readiness gates into pods", lbc.WebhookConfigName, wh.PodWebhook), "")
	}

	ic, err := kc.NetworkingV1().IngressClasses().Get(cctx, lbc.IngressClassALB, metav1.GetOptions{})
	classFix := "create IngressClass " + lbc.IngressClassALB + " with spec.controller " + lbc.ControllerName + " (the Helm chart does with createIngressClassResource=true)"
	switch {
	case apierrors.IsNotFound(err):
		d.add("controller/ingressclass", DoctorFail, "no IngressClass "+lbc.IngressClassALB, classFix)
	case err != nil:
		d.add("controller/ingressclass", forbiddenOrFail(err), "cannot read IngressClass "+lbc.IngressClassALB+": "+d.in.Explain(err), buildinfo.Command()+" rbac --for doctor | kubectl apply -f -")
	case ic.Spec.Controller != lbc.ControllerName:
		d.add("controller/ingressclass", DoctorFail, fmt.Sprintf("IngressClass %s belongs to controller %q, not %s", lbc.IngressClassALB, ic.Spec.Controller, lbc.ControllerName), classFix)
	default:
		d.add("controller/ingressclass", DoctorOK, fmt.Sprintf("IngressClass %s → %s", lbc.IngressClassALB, lbc.ControllerName), "")
	}
}

// checkModel compares lbctl's model of each group with the controller's
// own, when the controller writes it (IngressPlanAnnotation).
func (d *doctor) checkModel(ctx context.Context, dep appsv1.Deployment) {
	const check = "controller/model"
	var args []string
	for _, c := range dep.Spec.Template.Spec.Containers {
		args = append(append(args, c.Command...), c.Args...)
	}
	settings, err := lbc.ApplyControllerArgs(lbc.DefaultDefaults(), args)
	switch {
	case err != nil:
		d.add(check, DoctorWarn, "cannot read the controller's flags: "+err.Error(), "")
		return
	case !settings.FeatureGates[lbc.PlanFeatureGate]:
		d.add(check, DoctorNotChecked, "the controller does not write its model (no "+lbc.PlanFeatureGate+" feature gate), so lbctl's predictions are not compared with it",
			"run the controller with --feature-gates="+lbc.PlanFeatureGate+"=true to have doctor and plan compare them")
		return
	case d.in.CompareModel == nil:
		d.add(check, DoctorNotChecked, "not compared", "")
		return
	}
	checked, diffs, err := d.in.CompareModel(ctx)
	switch {
	case err != nil:
		d.add(check, DoctorWarn, "cannot compare with the controller's model: "+d.in.Explain(err), "")
	case len(checked) == 0:
		d.add(check, DoctorNotChecked, "no group carries the controller's "+lbc.PlanAnnotation+" annotation yet", "")
	case len(diffs) > 0:
		shown := diffs
		if len(shown) > 10 {
			shown = append(append([]string{}, shown[:10]...), fmt.Sprintf("and %d more", len(diffs)-10))
		}
		d.add(check, DoctorFail, fmt.Sprintf("lbctl's model differs from the controller's in %d field(s) over %d group(s): %s", len(diffs), len(checked), strings.Join(shown, "; ")),
			"give lbctl the controller's flags (render reads them from its Deployment; --controller-args overrides) or report the difference to lbctl: plans built on a wrong model wait for resources the controller never makes")
	default:
		d.add(check, DoctorOK, fmt.Sprintf("lbctl's model agrees with the controller's on all %d group(s) it wrote", len(checked)), "")
	}
}

// checkControllerDeployment reports the first controller Deployment (deps
// are sorted by namespace/name) and its version against each feature.
func (d *doctor) checkControllerDeployment(deps []appsv1.Deployment) {
	dep := deps[0]
	ref := dep.Namespace + "/" + dep.Name
	image := ControllerImage(&dep)
	want := int32(1)
	if dep.Spec.Replicas != nil {
		want = *dep.Spec.Replicas
	}
	tag := lbc.ImageTag(image)
	msg := fmt.Sprintf("%s runs %s (%d/%d replicas available)", ref, image, dep.Status.AvailableReplicas, want)
	if len(deps) > 1 {
		msg += fmt.Sprintf("; %d more controller Deployments found", len(deps)-1)
	}
	if dep.Status.AvailableReplicas == 0 {
		d.add("controller/deployment", DoctorWarn, msg, shellescape.QuoteCommand([]string{"kubectl", "-n", dep.Namespace, "describe", "deployment", dep.Name})+" and its pods' events")
	} else {
		d.add("controller/deployment", DoctorOK, msg, "")
	}
	var older []string
	for _, f := range lbc.Behaviours() {
		if ok, known := lbc.VersionAtLeast(tag, f.Since); known && !ok {
			older = append(older, f.Name+" ("+f.Since+")")
		}
	}
	if ok, known := lbc.VersionAtLeast(tag, lbc.ModelVersion); !known {
		d.add("controller/model-version", DoctorWarn, fmt.Sprintf("version of image %s cannot be read; lbctl models the controller %s", image, lbc.ModelVersion), "run a release tag (vX.Y.Z) of the controller image")
	} else if !ok && len(older) > 0 {
		d.add("controller/model-version", DoctorWarn, fmt.Sprintf("%s is older than %s, which lbctl models: where these matter its predictions differ from what this controller builds: %s", tag, lbc.ModelVersion, strings.Join(older, "; ")),
			"upgrade the controller to "+lbc.ModelVersion+", or check plan's predictions against the controller's own model (--feature-gates=IngressPlanAnnotation=true)")
	} else {
		d.add("controller/model-version", DoctorOK, fmt.Sprintf("%s: lbctl models %s", tag, lbc.ModelVersion), "")
	}
	for _, f := range lbc.Features() {
		check := "controller/" + strings.ReplaceAll(strings.ToLower(f.Name), " ", "-")
		ok, known := lbc.VersionAtLeast(tag, f.Since)
		switch {
		case !known:
			d.add(check, DoctorWarn, fmt.Sprintf("version of image %s cannot be read; %s needs %s or newer", image, f.Name, f.Since), "run a release tag (vX.Y.Z) of the controller image")
		case !ok:
			d.add(check, DoctorFail, fmt.Sprintf("%s is older than %s, which %s needs", tag, f.Since, f.Name), "upgrade the controller to "+f.Since+" or newer (helm upgrade aws-load-balancer-controller eks/aws-load-balancer-controller)")
		default:
			d.add(check, DoctorOK, fmt.Sprintf("%s ≥ %s", tag, f.Since), "")
		}
	}
}

// checkCRDs asks discovery whether the controller's resources are served;
// unlike reading CustomResourceDefinitions, discovery needs no grant.
func (d *doctor) checkCRDs(kc kubernetes.Interface) {
	gv := v1beta1.SchemeGroupVersion.String()
	served := map[string]bool{}
	list, err := kc.Discovery().ServerResourcesForGroupVersion(gv)
	if err != nil && !apierrors.IsNotFound(err) {
		d.add("controller/crds", DoctorWarn, "cannot read API discovery for "+gv+": "+d.in.Explain(err), "")
		return
	}
	if list != nil {
		for _, r := range list.APIResources {
			served[r.Name] = true
		}
	}
	fix := `kubectl apply -k "github.com/aws/eks-charts/stable/aws-load-balancer-controller/crds?ref=master"`
	for _, r := range []string{v1beta1.TargetGroupBindingsResource.Resource, v1beta1.IngressClassParamsResource.Resource} {
		check := "controller/crd-" + r
		if served[r] {
			d.add(check, DoctorOK, r+"."+v1beta1.SchemeGroupVersion.Group+" served at "+gv, "")
		} else {
			d.add(check, DoctorFail, "the API server does not serve "+r+"."+v1beta1.SchemeGroupVersion.Group+" ("+gv+"): the controller's CRD is not installed", fix)
		}
	}
}

// forbiddenOrFail is warn for a check doctor could not make because RBAC
// forbids it (the rbac/doctor line says what to grant), fail otherwise.
func forbiddenOrFail(err error) DoctorStatus {
	if apierrors.IsForbidden(err) {
		return DoctorWarn
	}
	return DoctorFail
}

// checkAWSConfig loads the AWS configuration: a region is required.
func (d *doctor) checkAWSConfig(ctx context.Context) (aws.Config, bool) {
	cfg, err := d.in.AWSConfig(ctx)
	if err != nil {
		d.add("aws/region", DoctorFail, d.in.Explain(err), "")
		d.add("aws", DoctorNotChecked, "credentials, identity and IAM actions need a region", "")
		return aws.Config{}, false
	}
	msg := cfg.Region
	if cfg.BaseEndpoint != nil {
		msg += ", endpoint " + *cfg.BaseEndpoint
	}
	d.add("aws/region", DoctorOK, msg, "")
	return cfg, true
}

// checkAWS checks credentials, identity and every IAM action lbctl calls.
func (d *doctor) checkAWS(ctx context.Context, cfg aws.Config) {
	cctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
	creds, err := cfg.Credentials.Retrieve(cctx)
	cancel()
	if err != nil {
		d.add("aws/credentials", DoctorFail, "no AWS credentials found", "set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (aws sso login for SSO profiles)")
		d.add("aws", DoctorNotChecked, "identity and IAM actions need credentials", "")
		return
	}
	msg := "from " + creds.Source
	if creds.CanExpire {
		msg += fmt.Sprintf(", expiring %s", creds.Expires.UTC().Format(time.RFC3339))
	}
	d.add("aws/credentials", DoctorOK, msg, "")

	c, err := d.in.AWS(ctx)
	if err != nil {
		d.add("aws/identity", DoctorFail, d.in.Explain(err), "")
		d.add("iam", DoctorFail, d.in.Explain(err), "")
		return
	}
	results := map[string]error{"sts:GetCallerIdentity": d.checkIdentity(ctx, c.STS)}
	if err := results["sts:GetCallerIdentity"]; awsapi.Unanswered(err) {
		// AWS gave no answer at all: trying each action would only wait
		// out the same timeout again, once per action.
		d.add("iam", DoctorNotChecked, "AWS did not answer: "+d.in.Explain(err), "check AWS_ENDPOINT_URL, the proxy (HTTPS_PROXY) and the network path to AWS")
		return
	}
	skipped := map[string]string{}
	d.probeAWS(ctx, c, results, skipped)
	for _, action := range permissions.AWSActions(nil) {
		check := "iam/" + action
		users := actionUsers(action)
		if reason, ok := skipped[action]; ok {
			d.add(check, DoctorNotChecked, reason+" (needed by "+users+")", "")
			continue
		}
		err, probed := results[action]
		switch {
		case !probed:
			d.add(check, DoctorNotChecked, "no harmless call to try it with (needed by "+users+")", "make sure the policy from `"+buildinfo.Command()+" iam-policy` is attached")
		case err == nil:
			d.add(check, DoctorOK, "allowed (needed by "+users+")", "")
		case awsapi.Classify(err) == awsapi.AccessDenied:
			d.add(check, DoctorFail, "denied (needed by "+users+")", "attach the policy from `"+buildinfo.Command()+" iam-policy` to "+d.principal())
		default:
			d.add(check, DoctorWarn, "could not be tried: "+d.in.Explain(err), "")
		}
	}
}

// probeIAM tries the two IAM calls plan's preflight makes: GetRole (an
// assumed role's own, else a role that does not exist: NoSuchEntity proves
// the call is allowed) and a simulation of the caller's policy for one
// action.
func (d *doctor) probeIAM(call func(func(context.Context) error) error, ic IAMAPI, results map[string]error, skipped map[string]string) {
	if d.identity == "" {
		skipped["iam:GetRole"], skipped["iam:SimulatePrincipalPolicy"] = "the caller's identity is unknown", "the caller's identity is unknown"
		return
	}
	var principal string
	results["iam:GetRole"] = call(func(ctx context.Context) (err error) {
		if strings.Contains(d.identity, ":assumed-role/") {
			principal, err = PrincipalARN(ctx, ic, d.identity)
			return err
		}
		principal = d.identity
		_, err = ic.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("lbctl-doctor-probe")})
		if _, missing := errors.AsType[*iamtypes.NoSuchEntityException](err); missing {
			return nil
		}
		return err
	})
	if principal == "" {
		skipped["iam:SimulatePrincipalPolicy"] = "the caller's role could not be read"
		return
	}
	results["iam:SimulatePrincipalPolicy"] = call(func(ctx context.Context) error {
		_, err := DeniedActions(ctx, ic, principal, []string{"sts:GetCallerIdentity"})
		return err
	})
}

// checkIdentity asks STS who the credentials belong to.
func (d *doctor) checkIdentity(ctx context.Context, c IdentityAPI) error {
	cctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
	defer cancel()
	out, err := c.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		d.add("aws/identity", DoctorFail, d.in.Explain(err), "refresh the credentials (aws sso login, or new keys) and check AWS_ENDPOINT_URL")
		return err
	}
	d.identity = aws.ToString(out.Arn)
	d.add("aws/identity", DoctorOK, fmt.Sprintf("%s in account %s", aws.ToString(out.Arn), aws.ToString(out.Account)), "")
	return nil
}

func (d *doctor) principal() string {
	if d.identity != "" {
		return d.identity
	}
	return "the caller's role or user"
}

// DoctorAWS are the AWS clients doctor probes with.
type DoctorAWS struct {
	ELB     awsapi.ELBv2API
	EC2     awsapi.EC2API
	ACM     awsapi.ACMAPI
	Route53 awsapi.Route53API
	IAM     IAMAPI
	STS     IdentityAPI
	// EKS, with the cluster's name, tries the Pod Identity actions; nil
	// (or no cluster name) leaves them not checked.
	EKS     EKSAPI
	Cluster string
}

// probeAWS makes one cheap call per action, the smallest page each, and
// records its error by IAM action. Calls that need an ARN use the first
// object the previous call returned; without one the action is skipped.
func (d *doctor) probeAWS(ctx context.Context, c *DoctorAWS, results map[string]error, skipped map[string]string) {
	elb, ec, ac, rc := c.ELB, c.EC2, c.ACM, c.Route53
	const p = "elasticloadbalancing:"
	call := func(f func(context.Context) error) error {
		cctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
		defer cancel()
		return f(cctx)
	}
	var lbARN, listenerARN, tgARN string
	cluster := c.Cluster
	results[p+"DescribeLoadBalancers"] = call(func(ctx context.Context) error {
		out, err := elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(1)})
		if err == nil && len(out.LoadBalancers) > 0 {
			lbARN = aws.ToString(out.LoadBalancers[0].LoadBalancerArn)
		}
		return err
	})
	results[p+"DescribeTargetGroups"] = call(func(ctx context.Context) error {
		out, err := elb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{PageSize: aws.Int32(1)})
		if err == nil && len(out.TargetGroups) > 0 {
			tgARN = aws.ToString(out.TargetGroups[0].TargetGroupArn)
		}
		return err
	})
	results[p+"DescribeAccountLimits"] = call(func(ctx context.Context) error {
		_, err := elb.DescribeAccountLimits(ctx, &elbv2.DescribeAccountLimitsInput{PageSize: aws.Int32(1)})
		return err
	})
	results["ec2:DescribeSubnets"] = call(func(ctx context.Context) error {
		_, err := ec.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(5)})
		return err
	})
	results["ec2:DescribeInstances"] = call(func(ctx context.Context) error {
		_, err := ec.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
		return err
	})
	results["ec2:DescribeSecurityGroups"] = call(func(ctx context.Context) error {
		_, err := ec.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5)})
		return err
	})
	results["ec2:DescribeNetworkInterfaces"] = call(func(ctx context.Context) error {
		_, err := ec.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(5)})
		return err
	})
	results["route53:ListHostedZones"] = call(func(ctx context.Context) error {
		_, err := rc.ListHostedZones(ctx, &route53.ListHostedZonesInput{MaxItems: aws.Int32(1)})
		return err
	})
	d.probeIAM(call, c.IAM, results, skipped)
	var certARN string
	results["acm:ListCertificates"] = call(func(ctx context.Context) error {
		out, err := ac.ListCertificates(ctx, &acm.ListCertificatesInput{MaxItems: aws.Int32(1)})
		if err == nil && len(out.CertificateSummaryList) > 0 {
			certARN = aws.ToString(out.CertificateSummaryList[0].CertificateArn)
		}
		return err
	})
	if certARN == "" {
		skipped["acm:DescribeCertificate"] = "no ACM certificate in the region to try it on"
	} else {
		results["acm:DescribeCertificate"] = call(func(ctx context.Context) error {
			_, err := ac.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(certARN)})
			return err
		})
	}
	noLB := "no load balancer in the region to try it on"
	if lbARN == "" {
		skipped[p+"DescribeTags"], skipped[p+"DescribeListeners"], skipped[p+"DescribeRules"] = noLB, noLB, noLB
	} else {
		results[p+"DescribeTags"] = call(func(ctx context.Context) error {
			out, err := elb.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: []string{lbARN}})
			if err == nil && c.Cluster == "" && len(out.TagDescriptions) > 0 {
				// The controller tags its ALBs with its --cluster-name.
				for _, tag := range out.TagDescriptions[0].Tags {
					if aws.ToString(tag.Key) == lbc.TagCluster {
						cluster = aws.ToString(tag.Value)
					}
				}
			}
			return err
		})
		results[p+"DescribeListeners"] = call(func(ctx context.Context) error {
			out, err := elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN), PageSize: aws.Int32(1)})
			if err == nil && len(out.Listeners) > 0 {
				listenerARN = aws.ToString(out.Listeners[0].ListenerArn)
			}
			return err
		})
		if listenerARN == "" {
			skipped[p+"DescribeRules"] = "no listener on " + lbARN + " to try it on"
		} else {
			results[p+"DescribeRules"] = call(func(ctx context.Context) error {
				_, err := elb.DescribeRules(ctx, &elbv2.DescribeRulesInput{ListenerArn: aws.String(listenerARN), PageSize: aws.Int32(1)})
				return err
			})
		}
	}
	if tgARN == "" {
		skipped[p+"DescribeTargetHealth"] = "no target group in the region to try it on"
	} else {
		results[p+"DescribeTargetHealth"] = call(func(ctx context.Context) error {
			_, err := elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})
			return err
		})
	}
	if c.EKS == nil || cluster == "" {
		skipped["eks:ListPodIdentityAssociations"] = "the cluster's EKS name is not known (--cluster-name)"
		skipped["eks:DescribePodIdentityAssociation"] = "the cluster's EKS name is not known (--cluster-name)"
	} else {
		var assoc string
		results["eks:ListPodIdentityAssociations"] = call(func(ctx context.Context) error {
			out, err := c.EKS.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String(cluster), MaxResults: aws.Int32(1)})
			if err == nil && len(out.Associations) > 0 {
				assoc = aws.ToString(out.Associations[0].AssociationId)
			}
			return err
		})
		if assoc == "" {
			skipped["eks:DescribePodIdentityAssociation"] = "no Pod Identity association in cluster " + cluster + " to try it on"
		} else {
			results["eks:DescribePodIdentityAssociation"] = call(func(ctx context.Context) error {
				_, err := c.EKS.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String(cluster), AssociationId: aws.String(assoc)})
				return err
			})
		}
	}
}

// actionUsers lists the commands that call an IAM action.
func actionUsers(action string) string {
	var names []string
	for _, c := range permissions.Commands() {
		for _, a := range permissions.AWSActions([]permissions.Command{c}) {
			if a == action {
				names = append(names, string(c))
				break
			}
		}
	}
	return strings.Join(names, ", ")
}
