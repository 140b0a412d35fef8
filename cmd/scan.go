package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// topologyFlags are the flags of every command that reads the topology.
type topologyFlags struct {
	Filenames     []string
	AllNamespaces bool
	Selector      string
	NoAWS         bool
	ClusterName   string
	AWSRate       float64
	// preflight (plan's) also reads the nodes' instances, the security
	// groups and the Route53 hosted zones.
	preflight bool
}

func (f *topologyFlags) add(c *cobra.Command) {
	fl := c.Flags()
	fl.StringSliceVarP(&f.Filenames, "filename", "f", nil, "read manifests from files, directories or - (stdin) instead of the cluster")
	fl.BoolVarP(&f.AllNamespaces, "all-namespaces", "A", false, "read every namespace")
	fl.StringVarP(&f.Selector, "selector", "l", "", "label selector for Ingresses (the objects they use are read whole)")
	fl.BoolVar(&f.NoAWS, "no-aws", false, "do not read AWS (names are predicted, health unknown)")
	fl.StringVar(&f.ClusterName, "cluster-name", "", "the controller's --cluster-name (default: from the kubeconfig's EKS cluster ARN or the ALBs' tags)")
	fl.Float64Var(&f.AWSRate, "aws-rate", 20, "AWS API calls per second at most")
}

// readTopology reads Kubernetes (cluster or files) and, unless told not to,
// AWS, and joins them.
func (r *Root) readTopology(ctx context.Context, f *topologyFlags) (*topology.Topology, error) {
	var objs *kube.Objects
	var err error
	fromFiles := len(f.Filenames) > 0
	if fromFiles {
		objs, err = kube.ReadFiles(f.Filenames, r.Streams.In)
		if err != nil {
			return nil, err
		}
	} else {
		scope := kube.Scope{AllNamespaces: f.AllNamespaces, IngressSelector: f.Selector}
		if !f.AllNamespaces {
			ns, err := r.Factory.Namespace()
			if err != nil {
				return nil, err
			}
			scope.Namespace = ns
		}
		kc, err := r.Factory.KubeClient()
		if err != nil {
			return nil, err
		}
		dc, err := r.Factory.DynamicClient()
		if err != nil {
			return nil, err
		}
		objs, err = kube.ReadCluster(ctx, kc, dc, scope)
		if err != nil {
			return nil, err
		}
	}
	cluster := f.ClusterName
	if cluster == "" && !fromFiles {
		cluster = r.clusterFromKubeconfig()
	}
	var st *awsapi.State
	if !f.NoAWS {
		st, err = r.readAWS(ctx, f, fromFiles, objs.Nodes)
		if err != nil {
			return nil, err
		}
		if st != nil && cluster == "" {
			var clusters []string
			cluster, clusters = topology.InferCluster(st)
			if cluster == "" && len(clusters) > 1 {
				objs.Notes = append(objs.Notes, kube.Note{Source: "aws", Message: fmt.Sprintf("ALBs of several clusters found (%s); pass --cluster-name to tell orphans apart", strings.Join(clusters, ", "))})
			}
		}
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = cluster
	return topology.Build(objs, st, topology.Options{Defaults: d}), nil
}

// readAWS reads the AWS side. With file input, AWS that is not configured
// is skipped; with a cluster it is an error (use --no-aws).
func (r *Root) readAWS(ctx context.Context, f *topologyFlags, optional bool, nodes []corev1.Node) (*awsapi.State, error) {
	cfg, err := r.Factory.AWSConfig(ctx)
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		_, err = cfg.Credentials.Retrieve(cctx)
		cancel()
		if err != nil {
			err = exitcode.New(exitcode.Usage, "no AWS credentials found", "set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; or pass --no-aws", err)
		}
	}
	if err != nil {
		if optional {
			fmt.Fprintln(r.Streams.ErrOut, "note: AWS not read ("+firstLineOf(err)+")")
			return nil, nil
		}
		return nil, err
	}
	elb, err := r.Factory.ELBv2(ctx)
	if err != nil {
		return nil, err
	}
	ec2c, err := r.Factory.EC2(ctx)
	if err != nil {
		return nil, err
	}
	acmc, err := r.Factory.ACM(ctx)
	if err != nil {
		return nil, err
	}
	rd := &awsapi.Reader{ELB: elb, EC2: ec2c, ACM: acmc, Keep: func(tags map[string]string) bool { _, ok := tags[lbc.TagCluster]; return ok }}
	if f.preflight {
		if rd.Route53, err = r.Factory.Route53(ctx); err != nil {
			return nil, err
		}
		rd.Network = true
		for _, n := range nodes {
			if id, ok := awsapi.InstanceIDFromProviderID(n.Spec.ProviderID); ok {
				rd.InstanceIDs = append(rd.InstanceIDs, id)
			}
		}
	}
	if f.AWSRate > 0 {
		rd.Limiter = rate.NewLimiter(rate.Limit(f.AWSRate), int(f.AWSRate)+1)
	}
	st, err := rd.Read(ctx)
	if err != nil {
		return nil, err
	}
	st.Region = cfg.Region
	return st, nil
}

func firstLineOf(err error) string {
	_, msg := Explain(err)
	return msg
}

// clusterFromKubeconfig takes the cluster name from an EKS cluster ARN in the
// current context (arn:aws:eks:REGION:ACCOUNT:cluster/NAME), as
// `aws eks update-kubeconfig` writes it.
func (r *Root) clusterFromKubeconfig() string {
	raw, err := r.Factory.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	ctxName := raw.CurrentContext
	if r.Factory.ConfigFlags.Context != nil && *r.Factory.ConfigFlags.Context != "" {
		ctxName = *r.Factory.ConfigFlags.Context
	}
	c := raw.Contexts[ctxName]
	if c == nil {
		return ""
	}
	if _, name, ok := strings.Cut(c.Cluster, ":cluster/"); ok && strings.HasPrefix(c.Cluster, "arn:aws") {
		return name
	}
	return ""
}

type scanOptions struct {
	topo   topologyFlags
	output string
	failOn string
	fail   scan.Severity
}

func newScanCmd(r *Root) *cobra.Command {
	o := &scanOptions{}
	c := &cobra.Command{
		Use:   "scan [-n NAMESPACE | -A | -f FILE...]",
		Short: "Find Ingresses on NodePort instance targets, the ALBs they cost, and what blocks ip targets on shared ALBs",
		Long: `Read the cluster (or manifests) and AWS into one topology and report, per Ingress, its
class, group, target type, scheme, ALB, rules, backends and target health, then the findings
that stand between it and ip targets on a shared ALB: each with a severity, a stable code,
the objects involved and a remedy.`,
		Example: `  # the current namespace, joined with AWS
  kubectl lbctl scan
  # every namespace, as JSON for CI, failing on errors
  kubectl lbctl scan -A -o json --fail-on error
  # manifests (kubectl get … -o yaml output works too), without AWS
  kubectl lbctl scan -f ./manifests --no-aws`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	o.topo.add(c)
	c.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table, wide, json or yaml")
	c.Flags().StringVar(&o.failOn, "fail-on", "", "exit 1 when a finding is at least this severe: warning or error")
	return c
}

func (o *scanOptions) validate() error {
	switch o.output {
	case "table", "wide", "json", "yaml":
	default:
		return exitcode.New(exitcode.Usage, fmt.Sprintf("unknown output format %q", o.output), "use -o table, wide, json or yaml", exitcode.ErrUsage)
	}
	if o.failOn != "" {
		s, err := scan.ParseSeverity(o.failOn)
		if err != nil || s == scan.Info {
			return exitcode.New(exitcode.Usage, fmt.Sprintf("--fail-on %q is not warning or error", o.failOn), "", exitcode.ErrUsage)
		}
		o.fail = s
	}
	return nil
}

func (o *scanOptions) run(ctx context.Context, r *Root) error {
	t, err := r.readTopology(ctx, &o.topo)
	if err != nil {
		return err
	}
	opts := scan.Options{Limits: lbc.DefaultLimits()}
	if t.AWS != nil && len(t.AWS.Limits) > 0 {
		opts.Limits = lbc.LimitsFromAWS(t.AWS.Limits)
	}
	rep := scan.Build(t, opts)
	out := r.Streams.Out
	switch o.output {
	case "json":
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(out, string(b)); err != nil {
			return err
		}
	case "yaml":
		b, err := yaml.Marshal(rep)
		if err != nil {
			return err
		}
		if _, err := out.Write(b); err != nil {
			return err
		}
	default:
		if err := scan.WriteTable(out, rep, scan.TableOptions{Wide: o.output == "wide", Color: r.Color()}); err != nil {
			return err
		}
		for _, n := range rep.Notes {
			fmt.Fprintln(r.Streams.ErrOut, "note: "+n)
		}
	}
	if o.fail != "" {
		if w := scan.Worst(rep.Findings); w != "" && w.Rank() >= o.fail.Rank() {
			return fmt.Errorf("%w: findings of severity %s (--fail-on %s)", exitcode.ErrCheckFailed, w, o.failOn)
		}
	}
	return nil
}
