package cmd

import (
	"context"
	"fmt"
	"math"

	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/lbctl/world"
)

// topologyFlags are the flags of every command that reads the topology.
type topologyFlags struct {
	Filenames []string
	Kustomize string
	// IngressClasses are --ingress-class NAME=CONTROLLER values.
	IngressClasses []string
	AllNamespaces  bool
	Selector       string
	NoAWS          bool
	ClusterName    string
	AWSRate        float64
	// ControllerArgs are --controller-args: the controller's flags, over
	// those its Deployment lists.
	ControllerArgs string
	// noteController says on stderr when the controller's Deployment could
	// not be read (render and diff, whose output is the model itself).
	noteController bool
	// preflight (plan's) also reads the nodes' instances, the security
	// groups and the Route53 hosted zones.
	preflight bool
	// noKustomizeShorthand leaves -k to the command (loadtest's --insecure,
	// as curl's); --kustomize stays.
	noKustomizeShorthand bool
}

// fromFiles says whether the flags read manifests (-f or --kustomize)
// rather than the cluster.
func (f *topologyFlags) fromFiles() bool { return len(f.Filenames) > 0 || f.Kustomize != "" }

func (f *topologyFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringSliceVarP(&f.Filenames, "filename", "f", nil, "read manifests from files, directories or - (stdin) instead of the cluster")
	short := "k"
	if f.noKustomizeShorthand {
		short = ""
	}
	fl.StringVarP(&f.Kustomize, "kustomize", short, "", "read the kustomization in DIR (built as kubectl -k builds it) instead of the cluster; not with -f")
	fl.StringArrayVar(&f.IngressClasses, "ingress-class", nil, "with -f or -k: which controller serves an IngressClass the manifests name but do not hold (NAME=CONTROLLER, e.g. alb=ingress.k8s.aws/alb; repeatable); wins over the cluster's and the controller chart's default")
	fl.BoolVarP(&f.AllNamespaces, "all-namespaces", "A", false, "read every namespace")
	fl.StringVarP(&f.Selector, "selector", "l", "", "label selector for Ingresses (the objects they use are read whole)")
	fl.BoolVar(&f.NoAWS, "no-aws", false, "do not read AWS (names are predicted, health unknown)")
	fl.StringVar(&f.ClusterName, "cluster-name", "", "the controller's --cluster-name (default: "+world.EnvClusterName+", the kubeconfig's EKS cluster ARN, or the ALBs' tags)")
	fl.Float64Var(&f.AWSRate, "aws-rate", 20, "AWS API calls per second at most (0: unpaced)")
	fl.StringVar(&f.ControllerArgs, "controller-args", "", "the AWS Load Balancer Controller's flags, space-separated (e.g. \"--default-target-type=ip\"), over those read from its Deployment; they change names, schemes and target types")
}

// worldClients hands the world reader the factory's lazily built clients.
func (r *Root) worldClients() world.Clients {
	return world.Clients{
		Kube:    func() (kubernetes.Interface, error) { return r.Factory.KubeClient() },
		Dynamic: func() (dynamic.Interface, error) { return r.Factory.DynamicClient() },
		AWS:     r.Factory.AWSClients,
	}
}

// scope resolves what the flags read: manifests (files or a
// kustomization), or the cluster in every namespace or in one (-n, else the
// kubeconfig context's), once. Objects in manifests without a namespace
// take -n, else the context's namespace, else default, as kubectl does;
// the IngressClasses they name but do not hold come from --ingress-class,
// else the cluster's when a kubeconfig names one, else the chart's default.
func (r *Root) scope(f *topologyFlags) (world.Scope, error) {
	s := world.Scope{Files: f.Filenames, Kustomize: f.Kustomize, Stdin: r.Streams.In, AllNamespaces: f.AllNamespaces, Selector: f.Selector}
	if f.AWSRate < 0 || math.IsNaN(f.AWSRate) || math.IsInf(f.AWSRate, 0) {
		return world.Scope{}, usageError(fmt.Sprintf("--aws-rate %v is not a number of calls per second", f.AWSRate), "pass a positive rate such as --aws-rate 20, or 0 for no pacing")
	}
	if len(f.Filenames) > 0 && f.Kustomize != "" {
		return world.Scope{}, usageError("-f and --kustomize both name manifests", "pass one of them (a kustomization can list the files as resources)")
	}
	if len(f.IngressClasses) > 0 && !s.FromFiles() {
		return world.Scope{}, usageError("--ingress-class states classes for manifests", "add -f or --kustomize, or drop --ingress-class (the cluster's IngressClasses are read)")
	}
	classes, err := world.ParseIngressClasses(f.IngressClasses)
	if err != nil {
		return world.Scope{}, err
	}
	s.IngressClasses = classes
	if s.FromFiles() {
		s.Namespace = deref(r.Factory.ConfigFlags.Namespace)
		if s.Namespace == "" {
			if ns, err := r.Factory.Namespace(); err == nil {
				s.Namespace = ns
			}
		}
		if s.Namespace == "" {
			s.Namespace = "default"
		}
		s.ClassesFromCluster = r.Factory.checkKubeconfig() == nil && r.contextName() != ""
		return s, nil
	}
	if s.AllNamespaces {
		return s, nil
	}
	ns, err := r.Factory.Namespace()
	if err != nil {
		return world.Scope{}, err
	}
	s.Namespace = ns
	return s, nil
}

// clusterName takes the controller's cluster name in lbctl's one order:
// --cluster-name, LBCTL_CLUSTER_NAME, the kubeconfig's EKS cluster ARN
// (not for manifests, which may be meant for any cluster); "" leaves it to
// the ALBs' tags.
func (r *Root) clusterName(flag string, fromFiles bool) string {
	contextCluster := ""
	if !fromFiles {
		contextCluster = r.Factory.KubeconfigCluster()
	}
	name, _, _ := world.ClusterName(flag, r.Streams.getenv(world.EnvClusterName), contextCluster)
	return name
}

// worldOptions are how the flags read AWS.
func (r *Root) worldOptions(f *topologyFlags, s world.Scope) world.Options {
	return world.Options{
		NoAWS:   f.NoAWS,
		Cluster: r.clusterName(f.ClusterName, s.FromFiles()),
		Rate:    f.AWSRate,
		Network: f.preflight,
		Note:    func(msg string) { fmt.Fprintln(r.Streams.ErrOut, "note: "+msg) },
		Warn:    func(msg string) { fmt.Fprintln(r.Streams.ErrOut, "warning: "+msg) },
		Explain: firstLineOf,
	}
}

// readOptions are worldOptions with the controller's settings: its
// Deployment's flags when the flags read a cluster, then --controller-args.
func (r *Root) readOptions(ctx context.Context, f *topologyFlags, s world.Scope) (world.Options, error) {
	wo := r.worldOptions(f, s)
	d := lbc.DefaultDefaults()
	if !s.FromFiles() {
		cd, note, err := world.ControllerSettings(ctx, r.worldClients())
		if err != nil {
			return wo, err
		}
		d = cd
		if note != "" && f.ControllerArgs == "" && f.noteController {
			fmt.Fprintln(r.Streams.ErrOut, "note: "+note)
		}
	}
	d, err := lbc.ApplyControllerArgs(d, lbc.SplitControllerArgs(f.ControllerArgs))
	if err != nil {
		return wo, usageError("--controller-args: "+err.Error(), "fix the flag's value as the controller would take it")
	}
	if f.ClusterName == "" && d.ClusterName != "" {
		wo.Cluster = d.ClusterName
	}
	wo.Controller = &d
	return wo, nil
}

// readTopology reads what the flags select through the world reader.
func (r *Root) readTopology(ctx context.Context, f *topologyFlags) (*topology.Topology, error) {
	s, err := r.scope(f)
	if err != nil {
		return nil, err
	}
	wo, err := r.readOptions(ctx, f, s)
	if err != nil {
		return nil, err
	}
	return world.Read(ctx, r.worldClients(), s, wo)
}

// noIngresses is what a command says on stderr when its scope holds no
// Ingress, in kubectl's words ("No resources found in shop namespace."): an
// empty answer, not an error.
func (r *Root) noIngresses(f *topologyFlags) string {
	switch {
	case f.fromFiles():
		return "No Ingresses found in the manifests read."
	case f.AllNamespaces:
		return "No Ingresses found."
	}
	if ns, err := r.Factory.Namespace(); err == nil && ns != "" {
		return "No Ingresses found in " + ns + " namespace."
	}
	return "No Ingresses found."
}

func firstLineOf(err error) string {
	_, msg := Explain(err)
	return msg
}
