package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/preflight"
	"github.com/lbctl/lbctl/lbctl/render"
)

type doctorOptions struct {
	output    string
	noAWS     bool
	namespace string
}

func newDoctorCmd(r *Root) *cobra.Command {
	o := &doctorOptions{}
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the cluster, the controller and AWS give lbctl what its commands need",
		Long: `Check, one line each, what the other commands need and say how to fix what is missing:
the kube context answers; the RBAC verbs of scan, health, plan, loadtest and migrate (asked of
the API server with SelfSubjectAccessReviews, from the same registry ` + "`rbac`" + ` prints); the AWS
Load Balancer Controller's Deployment, its version and the features a migration relies on
(IngressGroup, pod readiness gates, weighted target groups, IngressClassParams), its pod
webhook, the IngressClass alb and the controller's CRDs; the AWS region, credentials and
identity (STS GetCallerIdentity); and each IAM action lbctl calls, by one cheap Describe call
with the smallest page (an action with no such call is reported as not-checked).

With -n, namespaced RBAC is checked in that namespace (a Role is enough); without, across all
namespaces (what -A needs). --no-aws skips the AWS checks. Exit 0 when no check failed, 1
otherwise.`,
		Example: `  kubectl lbctl doctor
  kubectl lbctl doctor -n shop -o json | jq '.checks[] | select(.status != "ok")'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.complete(c)
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	c.Flags().BoolVar(&o.noAWS, "no-aws", false, "skip the AWS checks (for runs of the other commands with --no-aws)")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// complete takes -n only when given: without it RBAC is checked across
// all namespaces, not in the context's namespace.
func (o *doctorOptions) complete(c *cobra.Command) {
	if f := c.Flags().Lookup("namespace"); f != nil && f.Changed {
		o.namespace = strings.TrimSpace(f.Value.String())
	}
}

func (o *doctorOptions) validate() error {
	switch o.output {
	case "text", "json":
		return nil
	}
	return usageError(fmt.Sprintf("--output %q is not one of text, json", o.output), "")
}

func (o *doctorOptions) run(ctx context.Context, r *Root) error {
	in := preflight.DoctorInput{
		Kube:      func() (kubernetes.Interface, error) { return r.Factory.KubeClient() },
		Context:   r.contextName(),
		Namespace: o.namespace,
		NoAWS:     o.noAWS,
		AWSConfig: r.Factory.AWSConfig,
		AWS:       r.doctorAWS,
		Explain:   explainLine,
	}
	in.CompareModel = func(ctx context.Context) ([]string, []string, error) {
		f := &topologyFlags{AllNamespaces: true, NoAWS: o.noAWS, AWSRate: 20}
		t, err := renderTopology(ctx, r, f, nil)
		if err != nil {
			return nil, nil, err
		}
		checked, mismatches := render.CompareWithController(t, render.Render(t, render.Options{DefaultTags: t.Defaults.DefaultTags}))
		diffs := make([]string, 0, len(mismatches))
		for _, m := range mismatches {
			diffs = append(diffs, render.Escape(m.String()))
		}
		return checked, diffs, nil
	}
	if cfg, err := r.Factory.RESTConfig(); err == nil {
		in.Host = cfg.Host
	}
	rep := preflight.NewDoctorReport(preflight.Doctor(ctx, in))
	var err error
	if o.output == "json" {
		err = preflight.WriteDoctorJSON(r.Streams.Out, rep)
	} else {
		err = preflight.WriteDoctorText(r.Streams.Out, rep)
	}
	if err != nil {
		return err
	}
	if rep.Failed() {
		return exitcode.New(exitcode.CheckFailed, fmt.Sprintf("%d of %d checks failed", rep.Counts[preflight.DoctorFail], len(rep.Checks)),
			"each fail line says what is missing and how to fix it", exitcode.ErrCheckFailed)
	}
	return nil
}

// contextName is the kubeconfig context in use: --context, else the
// current context.
func (r *Root) contextName() string {
	if c := deref(r.Factory.ConfigFlags.Context); c != "" {
		return c
	}
	raw, err := r.Factory.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	return raw.CurrentContext
}

// doctorAWS builds the clients doctor probes with.
func (r *Root) doctorAWS(ctx context.Context) (*preflight.DoctorAWS, error) {
	f := r.Factory
	elb, err := f.ELBv2(ctx)
	if err != nil {
		return nil, err
	}
	ec, err := f.EC2(ctx)
	if err != nil {
		return nil, err
	}
	ac, err := f.ACM(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := f.Route53(ctx)
	if err != nil {
		return nil, err
	}
	ic, err := f.IAM(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := f.STS(ctx)
	if err != nil {
		return nil, err
	}
	ek, err := f.EKS(ctx)
	if err != nil {
		return nil, err
	}
	return &preflight.DoctorAWS{ELB: elb, EC2: ec, ACM: ac, Route53: rc, IAM: ic, STS: sc, EKS: ek, Cluster: r.clusterName("", false)}, nil
}

// explainLine is the one line Explain gives an error.
func explainLine(err error) string {
	_, msg := Explain(err)
	return msg
}
