package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/lbctl/world"
)

type renderOptions struct {
	topo         topologyFlags
	output       string
	certificates string
	certs        []awsapi.Certificate
}

func newRenderCmd(r *Root) *cobra.Command {
	o := &renderOptions{topo: topologyFlags{noteController: true}}
	c := &cobra.Command{
		Use:   "render [-n NAMESPACE | -A | -f FILE...]",
		Short: "Show the model the AWS Load Balancer Controller will build for each ingress group",
		Long: `Build, for every ingress group in scope, the model the AWS Load Balancer Controller
(v3.5.0) builds from it: the ALB, its listeners, rules by priority with their conditions and
actions, target groups with health checks, TargetGroupBindings and the managed security
group, or the error that stops the whole group. -o json writes the controller's own JSON (the
stack its marshaller writes, the same as the alb.ingress.kubernetes.io/dry-run-plan annotation),
one envelope for all groups.

The controller's flags change the model: against a cluster they are read from its Deployment;
with -f, or to override, pass them in --controller-args. With --no-aws, certificate discovery
uses --certificates (a JSON list of {"arn", "domains"}), else it is not predicted.`,
		Example: `  # what the controller builds from manifests, before they are applied
  kubectl lbctl render -f ./manifests --no-aws --cluster-name prod
  # the same, as the controller's JSON, under its flags
  kubectl lbctl render -f ./manifests --no-aws --cluster-name prod \
    --controller-args "--default-target-type=ip --default-load-balancer-scheme=internet-facing" -o json
  # every group of the cluster
  kubectl lbctl render -A`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	o.topo.add(c)
	c.Flags().StringVarP(&o.output, "output", "o", "table", "output format: table, json or yaml")
	c.Flags().StringVar(&o.certificates, "certificates", "", "a JSON file listing the issued ACM certificates discovery may pick ([{\"arn\": …, \"domains\": […]}]); implies ACM is not read")
	return c
}

func (o *renderOptions) complete() error {
	if o.certificates == "" {
		return nil
	}
	data, err := os.ReadFile(o.certificates)
	if err != nil {
		return usageError(fmt.Sprintf("--certificates: %v", err), "name a readable JSON file")
	}
	if err := json.Unmarshal(data, &o.certs); err != nil {
		return usageError(fmt.Sprintf("--certificates %s: %v", o.certificates, err), `write a JSON list of {"arn": "...", "domains": ["..."]}`)
	}
	for i, c := range o.certs {
		if c.ARN == "" {
			return usageError(fmt.Sprintf("--certificates %s: entry %d has no arn", o.certificates, i+1), `give every certificate its "arn"`)
		}
	}
	if o.certs == nil {
		o.certs = []awsapi.Certificate{}
	}
	return nil
}

func (o *renderOptions) validate() error {
	switch o.output {
	case "table", "json", "yaml":
	default:
		return usageError(fmt.Sprintf("unknown output format %q", o.output), "use -o table, json or yaml")
	}
	if _, err := lbc.ApplyControllerArgs(lbc.DefaultDefaults(), lbc.SplitControllerArgs(o.topo.ControllerArgs)); err != nil {
		return usageError("--controller-args: "+err.Error(), "fix the flag's value as the controller would take it")
	}
	return nil
}

func (o *renderOptions) run(ctx context.Context, r *Root) error {
	t, err := renderTopology(ctx, r, &o.topo, o.certs)
	if err != nil {
		return err
	}
	m := render.Render(t, render.Options{DefaultTags: t.Defaults.DefaultTags})
	for _, w := range m.Warnings {
		fmt.Fprintln(r.Streams.ErrOut, "warning: "+render.Escape(w))
	}
	switch o.output {
	case "json", "yaml":
		return printStructured(r.Streams.Out, o.output, m)
	}
	return render.WriteView(r.Streams.Out, m)
}

// renderTopology reads the topology under the controller's settings
// (readOptions); with certs, discovery picks from them instead of ACM.
func renderTopology(ctx context.Context, r *Root, f *topologyFlags, certs []awsapi.Certificate) (*topology.Topology, error) {
	s, err := r.scope(f)
	if err != nil {
		return nil, err
	}
	wo, err := r.readOptions(ctx, f, s)
	if err != nil {
		return nil, err
	}
	if certs == nil {
		return world.Read(ctx, r.worldClients(), s, wo)
	}
	objs, err := world.ReadKube(ctx, r.worldClients(), s)
	if err != nil {
		return nil, err
	}
	var st *awsapi.State
	if !f.NoAWS {
		if st, err = world.ReadAWS(ctx, r.worldClients(), wo, objs.Nodes, s.FromFiles()); err != nil {
			return nil, err
		}
	}
	if st == nil {
		st = &awsapi.State{}
	}
	st.Certificates, st.CertificatesRead = certs, true
	d := *wo.Controller
	if wo.Cluster != "" {
		d.ClusterName = wo.Cluster
	}
	return world.JoinWith(objs, st, d, s), nil
}
