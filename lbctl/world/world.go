// Package world reads the world lbctl works on — Kubernetes objects from a
// cluster or from manifests, and the AWS load balancers the controller made —
// and joins them into a topology. Every command and the demo read through
// it: one order for the scope, the cluster name and what AWS is read, and one
// health poller that keeps a topology current.
package world

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// Clients hands the reader its clients, built lazily by the caller (cmd's
// Factory, the demo's sandbox): a read that never reaches AWS never needs
// credentials.
type Clients struct {
	Kube    func() (kubernetes.Interface, error)
	Dynamic func() (dynamic.Interface, error)
	// AWS returns the AWS clients with the region they talk to; an error
	// when AWS is not configured (no region, no credentials).
	AWS func(ctx context.Context) (*AWS, error)
}

// AWS are the AWS clients the reader calls. EC2, ACM and Route53 may be nil:
// what they read is then left out.
type AWS struct {
	Region string
	// Endpoint is the endpoint the clients were pointed at (an
	// AWS_ENDPOINT_URL), "" for AWS's own per service and region.
	Endpoint string
	ELB      awsapi.ELBv2API
	EC2      awsapi.EC2API
	ACM      awsapi.ACMAPI
	Route53  awsapi.Route53API
}

// Scope is what to read: manifests (Files or Kustomize) or the cluster, in
// one namespace or all, Ingresses by label.
type Scope struct {
	// Files are manifests (files, directories, "-" for Stdin) read instead
	// of the cluster.
	Files []string
	Stdin io.Reader
	// Kustomize is a kustomization directory read instead of the cluster,
	// built as kubectl -k builds it; not with Files.
	Kustomize string
	// Namespace is the one namespace read from a cluster; ignored with
	// AllNamespaces. With manifests it is the namespace objects without
	// metadata.namespace take, as kubectl does ("" is "default"). The
	// caller resolves it (-n, else the kubeconfig context's).
	Namespace     string
	AllNamespaces bool
	// Selector filters Ingresses by label; what they use is read whole.
	Selector string
	// IngressClasses state which controller serves an IngressClass the
	// manifests name but do not hold (class name → spec.controller, e.g.
	// alb → ingress.k8s.aws/alb); they win over the cluster's classes and
	// the chart's default (ParseIngressClasses reads them).
	IngressClasses map[string]string
	// ClassesFromCluster has ReadKube read, for manifests that name an
	// IngressClass or IngressClassParams they do not hold, the cluster's
	// through Clients. When that fails, a note says why and what the
	// manifests lack is assumed as without a cluster: the controller Helm
	// chart's class alb.
	ClassesFromCluster bool
}

// FromFiles says whether the scope reads manifests rather than a cluster.
func (s Scope) FromFiles() bool { return len(s.Files) > 0 || s.Kustomize != "" }

// Kube is the scope as the Kubernetes reader takes it.
func (s Scope) Kube() kube.Scope {
	k := kube.Scope{AllNamespaces: s.AllNamespaces, IngressSelector: s.Selector}
	if !s.AllNamespaces {
		k.Namespace = s.Namespace
	}
	return k
}

// Topology is the scope as the topology records it, so scan and plan can
// tell a read of the whole cluster (where an ALB no Ingress names is an
// orphan) from a partial one. Manifests never show the whole cluster.
func (s Scope) Topology() topology.Scope {
	if s.FromFiles() {
		return topology.Scope{Files: true}
	}
	ts := topology.Scope{AllNamespaces: s.AllNamespaces, Selector: s.Selector}
	if !s.AllNamespaces {
		ts.Namespace = s.Namespace
	}
	return ts
}

// Options say how to read AWS.
type Options struct {
	// NoAWS reads Kubernetes only (names predicted, health unknown).
	NoAWS bool
	// RequireAWS makes AWS that is not configured an error with manifests
	// too, for a verdict that is nothing without AWS (health): an empty
	// read must not pass.
	RequireAWS bool
	// Cluster is the controller's cluster name as ClusterName resolved it;
	// "" takes the one the ALBs' tags name.
	Cluster string
	// Rate is AWS calls per second at most (0: unpaced).
	Rate float64
	// Network also reads the nodes' EC2 instances, the security groups and
	// the Route53 hosted zones (plan's preflight).
	Network bool
	// Note receives what the user should be told about the read (AWS not
	// read from manifests, ALBs of several clusters); nil drops it.
	Note func(string)
	// Warn receives what the input holds that it likely did not mean (a
	// key a manifest's mapping holds twice), "FILE: OBJECT: what"; nil
	// drops it.
	Warn func(string)
	// Explain words an error in one line for a note (nil: its first line).
	Explain func(error) string
	// Controller holds the controller's settings (its flags) when known;
	// nil means its defaults.
	Controller *lbc.Defaults

	// branchENIs are the branch interfaces of the pods read (Read sets
	// them), read with Network.
	branchENIs []string
}

// defaults are the controller settings the topology is built under:
// Controller (else the controller's defaults), with Cluster when set.
func (o Options) defaults() lbc.Defaults {
	d := lbc.DefaultDefaults()
	if o.Controller != nil {
		d = *o.Controller
	}
	if o.Cluster != "" {
		d.ClusterName = o.Cluster
	}
	return d
}

func (o Options) note(msg string) {
	if o.Note != nil {
		o.Note(msg)
	}
}

// warn passes the input's warnings to Warn.
func (o Options) warn(objs *kube.Objects) {
	if o.Warn == nil {
		return
	}
	for _, w := range objs.Warnings {
		o.Warn(w.Source + ": " + w.Message)
	}
}

func (o Options) explain(err error) string {
	if o.Explain != nil {
		return o.Explain(err)
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// Read reads Kubernetes (the cluster or manifests) and, unless NoAWS, AWS,
// and joins them. With manifests, AWS that is not configured is noted and
// skipped (unless RequireAWS); with a cluster it is an error (the caller
// suggests --no-aws).
func Read(ctx context.Context, c Clients, s Scope, o Options) (*topology.Topology, error) {
	objs, err := ReadKube(ctx, c, s)
	if err != nil {
		return nil, err
	}
	o.warn(objs)
	var st *awsapi.State
	if !o.NoAWS {
		o.branchENIs = BranchENIIDs(objs.Pods)
		if st, err = ReadAWS(ctx, c, o, objs.Nodes, s.FromFiles() && !o.RequireAWS); err != nil {
			return nil, err
		}
	}
	return JoinWith(objs, st, o.defaults(), s), nil
}

// ReadKubeFirst reads Kubernetes, then AWS after a quick probe; AWS failing
// is not an error but returned as awsErr beside the Kubernetes-only
// topology, for views that show what they have and keep trying AWS.
func ReadKubeFirst(ctx context.Context, c Clients, s Scope, o Options) (t *topology.Topology, awsErr, err error) {
	objs, err := ReadKube(ctx, c, s)
	if err != nil {
		return nil, nil, err
	}
	o.warn(objs)
	var st *awsapi.State
	if !o.NoAWS {
		if awsErr = Probe(ctx, c); awsErr == nil {
			st, awsErr = ReadAWS(ctx, c, o, nil, false)
		}
	}
	return JoinWith(objs, st, o.defaults(), s), awsErr, nil
}

// ReadKube reads the Kubernetes side of the scope. Manifests get the
// IngressClasses they name but do not hold supplied (ReadManifests).
func ReadKube(ctx context.Context, c Clients, s Scope) (*kube.Objects, error) {
	if s.FromFiles() {
		return ReadManifests(ctx, c, s)
	}
	kc, err := c.Kube()
	if err != nil {
		return nil, err
	}
	dc, err := c.Dynamic()
	if err != nil {
		return nil, err
	}
	return kube.ReadCluster(ctx, kc, dc, s.Kube())
}

// ClassesTimeout bounds reading the cluster's IngressClasses for manifests:
// a kubeconfig that points at a cluster out of reach must not hold up a
// read of files for long.
const ClassesTimeout = 10 * time.Second

// ReadManifests reads the scope's manifests and supplies the IngressClasses
// and IngressClassParams they name but do not hold: the classes stated,
// else (ClassesFromCluster) the cluster's, else the controller Helm chart's
// class alb (kube.Objects.SupplyClasses records which).
func ReadManifests(ctx context.Context, c Clients, s Scope) (*kube.Objects, error) {
	objs, err := kube.ReadManifests(kube.Manifests{Files: s.Files, Stdin: s.Stdin, Kustomize: s.Kustomize, Namespace: s.Namespace})
	if err != nil {
		return nil, err
	}
	supply := kube.ClassSupply{Stated: s.IngressClasses}
	if s.ClassesFromCluster && objs.LacksClasses(s.IngressClasses) {
		cl, err := clusterClasses(ctx, c)
		if err != nil {
			why, _, _ := strings.Cut(err.Error(), "\n")
			objs.Notes = append(objs.Notes, kube.Note{Source: "cluster",
				Message: "IngressClasses not read (" + why + "); what the manifests lack is assumed as without a cluster"})
		} else {
			supply.Cluster = cl
		}
	}
	objs.SupplyClasses(supply)
	return objs, nil
}

// clusterClasses reads the cluster's IngressClasses and IngressClassParams
// within ClassesTimeout.
func clusterClasses(ctx context.Context, c Clients) (*kube.Classes, error) {
	if c.Kube == nil {
		return nil, errors.New("no cluster client")
	}
	kc, err := c.Kube()
	if err != nil {
		return nil, err
	}
	var dc dynamic.Interface
	if c.Dynamic != nil {
		if dc, err = c.Dynamic(); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, ClassesTimeout)
	defer cancel()
	return kube.ReadClasses(ctx, kc, dc)
}

// ParseIngressClasses reads --ingress-class values, NAME=CONTROLLER each
// (alb=ingress.k8s.aws/alb, nginx=k8s.io/ingress-nginx), into the map
// Scope.IngressClasses takes. A value without a name, or with a controller
// that is not a domain-prefixed path as IngressClass spec.controller must
// be, is a usage error; so is one name given two controllers.
func ParseIngressClasses(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(values))
	for _, v := range values {
		name, ctrl, ok := strings.Cut(v, "=")
		name, ctrl = strings.TrimSpace(name), strings.TrimSpace(ctrl)
		if !ok || name == "" || !validController(ctrl) {
			return nil, exitcode.New(exitcode.Usage, fmt.Sprintf("--ingress-class %q is not NAME=CONTROLLER", v),
				"write it as NAME=CONTROLLER, e.g. alb="+lbc.ControllerName, exitcode.ErrUsage)
		}
		if prev, dup := out[name]; dup && prev != ctrl {
			return nil, exitcode.New(exitcode.Usage, fmt.Sprintf("--ingress-class gives class %s two controllers (%s, %s)", name, prev, ctrl),
				"give each class one controller", exitcode.ErrUsage)
		}
		out[name] = ctrl
	}
	return out, nil
}

// validController: an IngressClass spec.controller is a domain-prefixed
// path (example.com/name).
func validController(c string) bool {
	domain, path, ok := strings.Cut(c, "/")
	return ok && domain != "" && path != "" && !strings.ContainsAny(c, " \t=")
}

// ReadAWS reads the load balancers and target groups the controller tagged
// for a cluster (any cluster: Join tells them apart), their listeners,
// rules, target health and certificates, the account's limits and the
// subnets; with Network also nodes' instances, security groups and hosted
// zones. When optional, AWS that is not configured is noted, not an error.
func ReadAWS(ctx context.Context, c Clients, o Options, nodes []corev1.Node, optional bool) (*awsapi.State, error) {
	a, err := c.AWS(ctx)
	if err != nil {
		if optional {
			o.note("AWS not read (" + o.explain(err) + ")")
			return nil, nil
		}
		return nil, err
	}
	// One quick call first: an endpoint that does not answer fails in
	// seconds, naming itself, instead of hanging the whole read.
	if err := Probe(ctx, c); awsapi.Unanswered(err) {
		err = fmt.Errorf("AWS endpoint %s did not answer within %s: %w", EndpointOf(err, a), ProbeTimeout, exitcode.ErrUnreachable)
		if optional {
			o.note("AWS not read: " + err.Error())
			return nil, nil
		}
		return nil, err
	}
	slow := time.AfterFunc(SlowReadAfter, func() { o.note("still reading AWS (region " + a.Region + ")…") })
	defer slow.Stop()
	rd := &awsapi.Reader{ELB: a.ELB, EC2: a.EC2, ACM: a.ACM, Keep: controllerTagged}
	if o.Network {
		rd.Route53, rd.Network = a.Route53, true
		rd.InstanceIDs = InstanceIDs(nodes)
		rd.BranchENIIDs = o.branchENIs
	}
	if o.Rate > 0 {
		rd.Limiter = Limiter(o.Rate)
	}
	st, err := rd.Read(ctx)
	if err != nil {
		return nil, err
	}
	st.Region = a.Region
	return st, nil
}

// controllerTagged keeps what the controller made for some cluster.
func controllerTagged(tags map[string]string) bool { _, ok := tags[lbc.TagCluster]; return ok }

// InstanceIDs are the EC2 instances of the nodes (from spec.providerID).
func InstanceIDs(nodes []corev1.Node) []string {
	var ids []string
	for _, n := range nodes {
		if id, ok := awsapi.InstanceIDFromProviderID(n.Spec.ProviderID); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// BranchENIIDs are the branch network interfaces the pods' pod-eni
// annotations name (security groups for pods).
func BranchENIIDs(pods []corev1.Pod) []string {
	var ids []string
	for i := range pods {
		if id, ok := lbc.PodBranchENI(&pods[i]); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// Limiter paces AWS calls at perSecond, with a burst of one second's calls.
func Limiter(perSecond float64) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(perSecond), int(perSecond)+1)
}

// Join builds the topology of objs and st for cluster under the
// controller's default flags (JoinWith).
func Join(objs *kube.Objects, st *awsapi.State, cluster string, s Scope) *topology.Topology {
	d := lbc.DefaultDefaults()
	d.ClusterName = cluster
	return JoinWith(objs, st, d, s)
}

// JoinWith builds the topology of objs and st as a controller with the
// settings d would, recording the scope objs were read with; without a
// cluster name it takes the one the ALBs' tags name, and notes when they
// name several.
func JoinWith(objs *kube.Objects, st *awsapi.State, d lbc.Defaults, s Scope) *topology.Topology {
	if d.ClusterName == "" && st != nil {
		var clusters []string
		d.ClusterName, clusters = topology.InferCluster(st)
		if d.ClusterName == "" && len(clusters) > 1 {
			n := kube.Note{Source: "aws", Message: fmt.Sprintf("ALBs of several clusters found (%s); pass --cluster-name to tell orphans apart", strings.Join(clusters, ", "))}
			if !slices.Contains(objs.Notes, n) {
				objs.Notes = append(objs.Notes, n)
			}
		}
	}
	return topology.Build(objs, st, topology.Options{Defaults: d, Scope: s.Topology()})
}

// SlowReadAfter is when a read of AWS that has not finished says so.
const SlowReadAfter = 2 * time.Second

// EndpointOf names the endpoint an unanswered call went to: the host of
// the request URL, else the clients' endpoint, else the region's ELBv2 one.
func EndpointOf(err error, a *AWS) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
			return u.Scheme + "://" + u.Host
		}
	}
	if a.Endpoint != "" {
		return a.Endpoint
	}
	return "https://elasticloadbalancing." + a.Region + ".amazonaws.com"
}

// ProbeTimeout bounds Probe.
const ProbeTimeout = 5 * time.Second

// Probe asks AWS one small question without retries and with a short
// deadline, so that an unreachable endpoint is known in seconds rather than
// after the retryer's back-off.
func Probe(ctx context.Context, c Clients) error {
	a, err := c.AWS(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	_, err = a.ELB.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{PageSize: aws.Int32(1)},
		func(o *elasticloadbalancingv2.Options) { o.Retryer = aws.NopRetryer{} })
	return err
}
