package preflight

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Live is what lbctl read from the running cluster for the preflight checks
// (Gather reads them, shared with doctor). The planner stays pure: the caller
// reads, the checks judge. A nil Live (manifests from files) leaves those
// checks to the objects read and "not-checked"; an Err field says why one
// fact could not be read.
type Live struct {
	// Controllers are the controller's Deployments (by their label).
	Controllers   []appsv1.Deployment
	ControllersOK bool
	ControllerErr string
	// Webhook is the controller's MutatingWebhookConfiguration.
	WebhookFound bool
	// PodWebhook names its webhook on pods ("" none), with that webhook's
	// failurePolicy and objectSelector (Webhook's).
	PodWebhook               string
	PodWebhookFailurePolicy  string
	PodWebhookObjectSelector *metav1.LabelSelector
	WebhookOK                bool
	WebhookErr               string
	// RBAC is the access review of the verbs the phases use (migrate's),
	// in RBACScope ("namespace X" or "all namespaces"): Missing lists the
	// denied ones as `kubectl auth can-i` spells them.
	RBACChecked bool
	RBACScope   string
	RBACMissing []string
	RBACErr     string
	// IAM is the policy simulation (IAM SimulatePrincipalPolicy) of the
	// AWS actions the phases need, for lbctl's caller and for the
	// controller's role; empty when AWS was not read.
	IAM []IAMProbe
	// ExternalDNS are ExternalDNS's Deployments (by their label).
	ExternalDNS   []appsv1.Deployment
	ExternalDNSOK bool
}

// IAMProbe is one principal's simulated permissions.
type IAMProbe struct {
	// Who is what the principal does: "lbctl" (the caller, running
	// migrate) or "the controller".
	Who string
	// ARN is the principal simulated ("" when it could not be found).
	ARN string
	// Via says where the controller's role was found when not by the IRSA
	// annotation of its ServiceAccount: its EKS Pod Identity association.
	Via string
	// Actions is how many actions were simulated; Denied those IAM does
	// not allow.
	Actions int
	Denied  []string
	// Err says why the simulation could not be made.
	Err string
}
