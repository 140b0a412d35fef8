// Package permissions is the registry of every AWS API action and Kubernetes
// (group, resource, verb) lbctl calls, by the function that makes the call and
// the commands that reach it. The iam-policy and rbac commands print
// least-privilege policies from it, and its test parses lbctl's sources to
// check the registry lists exactly the calls the code makes: nothing missing,
// nothing extra.
package permissions

import (
	"fmt"
	"sort"
	"strings"
)

// Command is an lbctl command whose permissions are listed.
type Command string

// The commands that talk to a user's cluster or AWS account.
const (
	Scan     Command = "scan"
	Render   Command = "render"
	Health   Command = "health"
	Plan     Command = "plan"
	Loadtest Command = "loadtest"
	Migrate  Command = "migrate"
	// Doctor checks what the others need: it asks the API server what the
	// user may do and makes one cheap call per AWS action.
	Doctor Command = "doctor"
	// Sandbox talks only to the API server and AWS emulator it starts
	// itself: it needs no permission on a real cluster or account.
	Sandbox Command = "sandbox"
)

// Commands returns the commands that need permissions, in help order.
func Commands() []Command {
	return []Command{Scan, Render, Health, Plan, Loadtest, Migrate, Doctor}
}

// ParseCommand returns the command named s, or an error naming the choices.
func ParseCommand(s string) (Command, error) {
	for _, c := range Commands() {
		if string(c) == s {
			return c, nil
		}
	}
	names := make([]string, 0, len(Commands()))
	for _, c := range Commands() {
		names = append(names, string(c))
	}
	return "", fmt.Errorf("%q is not one of %s", s, strings.Join(names, ", "))
}

// Feature names an optional part of a command that needs more permissions.
type Feature string

// FeatureRoute53 is --dns route53: weighted DNS records during a migration.
const FeatureRoute53 Feature = "dns-route53"

// FeatureWorkers is loadtest --workers: the load from the pods of a Job.
const FeatureWorkers Feature = "loadtest-workers"

// KubeRule is one Kubernetes verb on one resource ("ingresses/status" for a
// subresource). Group "" is the core group.
type KubeRule struct {
	Group    string
	Resource string
	Verb     string
}

func (k KubeRule) String() string {
	g := k.Group
	if g == "" {
		g = "core"
	}
	return g + "/" + k.Resource + ":" + k.Verb
}

// Source is one function that calls Kubernetes or AWS, with what it calls.
type Source struct {
	// Func is the calling function as "dir.Func" or "dir.(Type).Method",
	// dir relative to the module root (closures count as their enclosing
	// function).
	Func string
	// Commands are the commands whose runs reach Func.
	Commands []Command
	// Local is true when Func only talks to lbctl's own sandbox (local API
	// server, AWS emulator), never to a user's cluster or account.
	Local bool
	// Feature, when set, limits Func's calls to runs with that feature on.
	Feature Feature
	// AWS actions as IAM spells them ("elasticloadbalancing:DescribeRules").
	AWS []string
	// Kube rules Func needs.
	Kube []KubeRule
}

const (
	elb = "elasticloadbalancing:"
	ec2 = "ec2:"
)

// Sources returns the registry. Keep it in step with the code: the package's
// test lists every call site it finds that is missing here, and every entry
// here the code no longer calls.
func Sources() []Source {
	// doctor reads the topology too, to compare lbctl's model with the
	// controller's dry-run-plan annotation.
	all := []Command{Scan, Render, Health, Plan, Loadtest, Migrate, Doctor}
	list := func(group, resource string) KubeRule { return KubeRule{group, resource, "list"} }
	watch := func(group, resource string) KubeRule { return KubeRule{group, resource, "watch"} }
	doctor := []Command{Doctor}
	mig := []Command{Migrate}
	get := func(group, resource string) KubeRule { return KubeRule{group, resource, "get"} }
	return []Source{
		// Reads: scan, render, health, loadtest and plan/migrate read the topology
		// through world.Read → kube.ReadCluster and awsapi.Reader.Read.
		{Func: "lbctl/kube.ReadCluster", Commands: all, Kube: []KubeRule{
			list("networking.k8s.io", "ingresses"),
			list("", "services"),
			list("discovery.k8s.io", "endpointslices"),
			list("", "pods"),
			list("", "nodes"),
			list("", "namespaces"),
		}},
		// The IngressClasses, for ReadCluster and for ReadClasses: manifests
		// (-f, -k) that name a class they do not hold read it from the
		// cluster when one is reachable.
		{Func: "lbctl/kube.ingressClassPages", Commands: all, Kube: []KubeRule{list("networking.k8s.io", "ingressclasses")}},
		{Func: "lbctl/kube.dynamicList", Commands: all, Kube: []KubeRule{
			list("elbv2.k8s.aws", "targetgroupbindings"),
			list("elbv2.k8s.aws", "ingressclassparams"),
		}},
		{Func: "lbctl/awsapi.(Reader).loadBalancers", Commands: all, AWS: []string{elb + "DescribeLoadBalancers"}},
		{Func: "lbctl/awsapi.(Reader).targetGroups", Commands: all, AWS: []string{elb + "DescribeTargetGroups"}},
		{Func: "lbctl/awsapi.(Reader).tags", Commands: all, AWS: []string{elb + "DescribeTags"}},
		{Func: "lbctl/awsapi.(Reader).listeners", Commands: all, AWS: []string{elb + "DescribeListeners"}},
		{Func: "lbctl/awsapi.(Reader).rules", Commands: all, AWS: []string{elb + "DescribeRules"}},
		// TargetHealth serves Read (per target group) and health's polls.
		{Func: "lbctl/awsapi.(Reader).TargetHealth", Commands: all, AWS: []string{elb + "DescribeTargetHealth"}},
		{Func: "lbctl/awsapi.(Reader).limits", Commands: all, AWS: []string{elb + "DescribeAccountLimits"}},
		{Func: "lbctl/awsapi.(Reader).subnets", Commands: all, AWS: []string{ec2 + "DescribeSubnets"}},
		// The certificates the controller discovers by host (HTTPS without
		// certificate-arn), counted against the per-ALB quota.
		{Func: "lbctl/awsapi.(Reader).certificates", Commands: all, AWS: []string{"acm:ListCertificates", "acm:DescribeCertificate"}},
		// plan's preflight: the nodes' interfaces and security groups (the
		// security-group check) and the hosted zones (the DNS check).
		{Func: "lbctl/awsapi.(Reader).instances", Commands: []Command{Plan}, AWS: []string{ec2 + "DescribeInstances"}},
		{Func: "lbctl/awsapi.(Reader).securityGroups", Commands: []Command{Plan}, AWS: []string{ec2 + "DescribeSecurityGroups"}},
		{Func: "lbctl/awsapi.(Reader).branchENIs", Commands: []Command{Plan}, AWS: []string{ec2 + "DescribeNetworkInterfaces"}},
		{Func: "lbctl/awsapi.(Reader).hostedZones", Commands: []Command{Plan}, AWS: []string{"route53:ListHostedZones"}},

		// health: the Kubernetes side from informers (a list, then a watch),
		// AWS reachability at start, a pod's events in the TUI.
		{Func: "lbctl/kube.Watch", Commands: []Command{Health}, Kube: []KubeRule{
			list("networking.k8s.io", "ingresses"), watch("networking.k8s.io", "ingresses"),
			list("", "services"), watch("", "services"),
			list("networking.k8s.io", "ingressclasses"), watch("networking.k8s.io", "ingressclasses"),
			list("discovery.k8s.io", "endpointslices"), watch("discovery.k8s.io", "endpointslices"),
			list("", "pods"), watch("", "pods"),
			list("", "nodes"), watch("", "nodes"),
			list("", "namespaces"), watch("", "namespaces"),
			list("elbv2.k8s.aws", "targetgroupbindings"), watch("elbv2.k8s.aws", "targetgroupbindings"),
			list("elbv2.k8s.aws", "ingressclassparams"), watch("elbv2.k8s.aws", "ingressclassparams"),
		}},
		{Func: "lbctl/world.Probe", Commands: all, AWS: []string{elb + "DescribeLoadBalancers"}},
		{Func: "cmd.podEvents", Commands: []Command{Health}, Kube: []KubeRule{list("", "events")}},
		// Shell completion of -n and --ingress reads what the shell offers.
		{Func: "cmd.(Root).completeNamespaces", Commands: all, Kube: []KubeRule{list("", "namespaces")}},
		{Func: "cmd.(Root).completeIngresses", Commands: all, Kube: []KubeRule{list("networking.k8s.io", "ingresses")}},

		// doctor: access reviews for every rule above, the controller's
		// objects, the caller's identity and one cheap call per action.
		// doctor and plan's preflight share the live reads of lbctl/preflight.
		{Func: "lbctl/preflight.AccessReviews", Commands: []Command{Plan, Doctor}, Kube: []KubeRule{{"authorization.k8s.io", "selfsubjectaccessreviews", "create"}}},
		// The controller's flags change its model: the readers take them from
		// its Deployment (forbidden: its defaults, with a note).
		{Func: "lbctl/world.ControllerSettings", Commands: []Command{Scan, Render, Health, Plan, Loadtest, Doctor}, Kube: []KubeRule{list("apps", "deployments")}},
		{Func: "lbctl/preflight.ControllerDeployments", Commands: []Command{Plan, Doctor}, Kube: []KubeRule{list("apps", "deployments")}},
		{Func: "lbctl/preflight.ReadWebhook", Commands: []Command{Plan, Doctor}, Kube: []KubeRule{{"admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get"}}},
		{Func: "lbctl/preflight.ExternalDNSDeployments", Commands: []Command{Plan}, Kube: []KubeRule{list("apps", "deployments")}},
		// plan's IAM simulation of the phases: the caller and the
		// controller's IRSA role.
		{Func: "lbctl/preflight.simulateIAM", Commands: []Command{Plan}, AWS: []string{"sts:GetCallerIdentity"}},
		{Func: "lbctl/preflight.PrincipalARN", Commands: []Command{Plan, Doctor}, AWS: []string{"iam:GetRole"}},
		{Func: "lbctl/preflight.DeniedActions", Commands: []Command{Plan, Doctor}, AWS: []string{"iam:SimulatePrincipalPolicy"}},
		{Func: "lbctl/preflight.ControllerRoleARN", Commands: []Command{Plan}, Kube: []KubeRule{get("", "serviceaccounts")}},
		// Without the IRSA annotation, the controller's EKS Pod Identity role.
		{Func: "lbctl/preflight.PodIdentityRole", Commands: []Command{Plan}, AWS: []string{"eks:ListPodIdentityAssociations", "eks:DescribePodIdentityAssociation"}},
		{Func: "lbctl/preflight.(doctor).checkController", Commands: doctor, Kube: []KubeRule{
			{"networking.k8s.io", "ingressclasses", "get"},
		}},
		{Func: "lbctl/preflight.(doctor).checkIdentity", Commands: doctor, AWS: []string{"sts:GetCallerIdentity"}},
		{Func: "lbctl/preflight.(doctor).probeAWS", Commands: doctor, AWS: []string{
			elb + "DescribeLoadBalancers", elb + "DescribeTags", elb + "DescribeListeners", elb + "DescribeRules",
			elb + "DescribeTargetGroups", elb + "DescribeTargetHealth", elb + "DescribeAccountLimits",
			ec2 + "DescribeSubnets", "acm:ListCertificates", "acm:DescribeCertificate",
			ec2 + "DescribeInstances", ec2 + "DescribeSecurityGroups", ec2 + "DescribeNetworkInterfaces", "route53:ListHostedZones",
			"eks:ListPodIdentityAssociations", "eks:DescribePodIdentityAssociation",
		}},
		{Func: "lbctl/preflight.(doctor).probeIAM", Commands: doctor, AWS: []string{"iam:GetRole"}},

		// migrate: the plan's checks, the journal and its lease, the waits.
		{Func: "migrate/apply.(Executor).checkInputs", Commands: mig, Kube: []KubeRule{
			get("networking.k8s.io", "ingresses"), get("", "services"), get("", "namespaces"),
		}},
		{Func: "migrate/apply.(Executor).clusterOfALBs", Commands: mig, AWS: []string{elb + "DescribeLoadBalancers", elb + "DescribeTags"}},
		{Func: "migrate/apply.(Executor).waitBindingsGone", Commands: mig, Kube: []KubeRule{get("elbv2.k8s.aws", "targetgroupbindings")}},
		{Func: "migrate/apply.(Executor).checkAccess", Commands: mig, Kube: []KubeRule{{"authorization.k8s.io", "selfsubjectaccessreviews", "create"}}},
		{Func: "migrate/apply.(Store).Load", Commands: mig, Kube: []KubeRule{get("", "configmaps")}},
		{Func: "migrate/apply.(Store).Save", Commands: mig, Kube: []KubeRule{get("", "configmaps"), {"", "configmaps", "create"}, {"", "configmaps", "update"}}},
		{Func: "migrate/apply.(lease).acquire", Commands: mig, Kube: []KubeRule{
			get("coordination.k8s.io", "leases"), {"coordination.k8s.io", "leases", "create"}, {"coordination.k8s.io", "leases", "update"},
		}},
		{Func: "migrate/apply.(lease).release", Commands: mig, Kube: []KubeRule{{"coordination.k8s.io", "leases", "delete"}}},
		// Every write of a plan and its rollback: server-side apply (patch),
		// and rollback's restores.
		{Func: "migrate/apply.(Executor).getObject", Commands: mig, Kube: []KubeRule{
			get("", "namespaces"), get("", "services"), get("networking.k8s.io", "ingresses"), get("apps", "deployments"),
		}},
		{Func: "migrate/apply.(Executor).applyObject", Commands: mig, Kube: []KubeRule{
			{"", "namespaces", "patch"}, {"", "services", "patch"}, {"networking.k8s.io", "ingresses", "patch"}, {"apps", "deployments", "patch"},
		}},
		{Func: "migrate/apply.(Executor).createObject", Commands: mig, Kube: []KubeRule{{"networking.k8s.io", "ingresses", "create"}}},
		{Func: "migrate/apply.(Executor).updateObject", Commands: mig, Kube: []KubeRule{
			{"", "namespaces", "update"}, {"", "services", "update"}, {"networking.k8s.io", "ingresses", "update"}, {"apps", "deployments", "update"},
		}},
		{Func: "migrate/apply.(Executor).removeObject", Commands: mig, Kube: []KubeRule{{"networking.k8s.io", "ingresses", "delete"}}},
		{Func: "migrate/apply.(Executor).waitRollout", Commands: mig, Kube: []KubeRule{get("apps", "deployments")}},
		// The controller's own model of a group, before waiting for a
		// target group it may never make.
		{Func: "migrate/apply.(Executor).controllerContradicts", Commands: mig, Kube: []KubeRule{get("networking.k8s.io", "ingresses")}},
		{Func: "migrate/apply.(Executor).waitIngressAddress", Commands: mig, Kube: []KubeRule{get("networking.k8s.io", "ingresses")}},
		{Func: "migrate/apply.(Executor).verifyMoved", Commands: mig, Kube: []KubeRule{get("networking.k8s.io", "ingresses")}},
		{Func: "migrate/apply.(Executor).newPathUnhealthy", Commands: mig, Kube: []KubeRule{get("networking.k8s.io", "ingresses")}, AWS: []string{elb + "DescribeTargetGroups"}},
		{Func: "migrate/apply.(Executor).loadBalancers", Commands: mig, AWS: []string{elb + "DescribeLoadBalancers"}},
		{Func: "migrate/apply.(Executor).health", Commands: mig, AWS: []string{elb + "DescribeTargetHealth"}},
		{Func: "migrate/apply.(Executor).waitHealthyStep", Commands: mig, AWS: []string{elb + "DescribeTargetGroups"}},
		{Func: "migrate/apply.(Executor).verifyGone", Commands: mig, AWS: []string{elb + "DescribeLoadBalancers", elb + "DescribeTargetGroups"}},

		// loadtest --workers: the workers' Job, their pods and logs.
		{Func: "loadtest/distributed.Run", Commands: []Command{Loadtest}, Feature: FeatureWorkers, Kube: []KubeRule{
			{"batch", "jobs", "create"}, list("", "pods"), watch("", "pods"),
		}},
		{Func: "loadtest/distributed.(collector).log", Commands: []Command{Loadtest}, Feature: FeatureWorkers, Kube: []KubeRule{get("", "pods/log")}},
		// The targets' secret headers (Authorization, …) reach the workers
		// through a Secret the run makes and deletes; lbctl never reads one.
		{Func: "loadtest/distributed.createSecret", Commands: []Command{Loadtest}, Feature: FeatureWorkers, Kube: []KubeRule{{"", "secrets", "create"}}},
		{Func: "loadtest/distributed.deleteSecret", Commands: []Command{Loadtest}, Feature: FeatureWorkers, Kube: []KubeRule{{"", "secrets", "delete"}}},
		{Func: "loadtest/distributed.deleteJob", Commands: []Command{Loadtest}, Feature: FeatureWorkers, Kube: []KubeRule{
			{"batch", "jobs", "delete"}, {"", "pods", "deletecollection"},
		}},

		// Writes into the sandbox's own API server (sandbox, demo, tests).
		{Func: "lbctl/kube.Create", Commands: []Command{Sandbox}, Local: true, Kube: []KubeRule{
			{"", "namespaces", "create"},
			{"", "nodes", "create"},
			{"", "nodes/status", "update"},
			{"networking.k8s.io", "ingressclasses", "create"},
			{"", "services", "get"},
			{"", "services", "create"},
			{"apps", "deployments", "create"},
			{"", "pods", "create"},
			{"", "pods/status", "update"},
			{"discovery.k8s.io", "endpointslices", "create"},
			{"networking.k8s.io", "ingresses", "create"},
			{"networking.k8s.io", "ingresses/status", "update"},
		}},
		{Func: "lbctl/kube.createDynamic", Commands: []Command{Sandbox}, Local: true, Kube: []KubeRule{
			{"elbv2.k8s.aws", "targetgroupbindings", "create"},
			{"elbv2.k8s.aws", "ingressclassparams", "create"},
		}},
	}
}

// selected returns the non-local sources reached by any of cmds with the
// given features on.
func selected(cmds []Command, features []Feature) []Source {
	if len(cmds) == 0 {
		cmds = Commands()
	}
	var out []Source
	for _, s := range Sources() {
		if s.Local {
			continue
		}
		if s.Feature != "" && !containsFeature(features, s.Feature) {
			continue
		}
		for _, c := range s.Commands {
			if containsCommand(cmds, c) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

func containsCommand(cs []Command, c Command) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

func containsFeature(fs []Feature, f Feature) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// AWSActions returns the sorted, distinct AWS actions cmds (all when empty)
// call with features on.
func AWSActions(cmds []Command, features ...Feature) []string {
	set := map[string]bool{}
	for _, s := range selected(cmds, features) {
		for _, a := range s.AWS {
			set[a] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// KubeRules returns the sorted, distinct Kubernetes rules cmds (all when
// empty) need.
func KubeRules(cmds []Command, features ...Feature) []KubeRule {
	set := map[KubeRule]bool{}
	for _, s := range selected(cmds, append([]Feature{FeatureRoute53}, features...)) {
		for _, k := range s.Kube {
			set[k] = true
		}
	}
	out := make([]KubeRule, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Verb < b.Verb
	})
	return out
}

// Namespaced reports whether resource (without subresource) lives in a namespace.
func Namespaced(resource string) bool {
	base, _, _ := strings.Cut(resource, "/")
	switch base {
	case "nodes", "namespaces", "ingressclasses", "ingressclassparams",
		"customresourcedefinitions", "clusterroles", "clusterrolebindings",
		"selfsubjectaccessreviews", "selfsubjectrulesreviews",
		"validatingwebhookconfigurations", "mutatingwebhookconfigurations":
		return false
	}
	return true
}
