package cmd

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/permissions"
)

type rbacOptions struct {
	forCmds []string
	name    string
	workers bool

	// set by complete
	cmds []permissions.Command
	rbac permissions.RBACOptions
}

func newRBACCmd(r *Root) *cobra.Command {
	o := &rbacOptions{}
	c := &cobra.Command{
		Use:   "rbac",
		Short: "Print the ClusterRole (and Role) lbctl needs",
		Long: `Print the Kubernetes RBAC lbctl needs, as YAML: the verbs per resource that the chosen
commands call, from lbctl's permissions registry (a test keeps it equal to the calls in the
code). lbctl never reads Secrets. With -n, namespaced resources go in a Role in that namespace
and the ClusterRole keeps only cluster-scoped ones (nodes, namespaces, ingress classes).`,
		Example: `  kubectl lbctl rbac --for scan | kubectl apply -f -
  kubectl lbctl rbac --for health -n shop
  kubectl lbctl rbac --for loadtest --workers -n load-tests`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(c); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	c.Flags().StringSliceVar(&o.forCmds, "for", nil, forFlagHelp())
	c.Flags().StringVar(&o.name, "name", "", "name of the ClusterRole and Role (default: lbctl, or lbctl-<commands> with --for)")
	c.Flags().BoolVar(&o.workers, "workers", false, "add what `loadtest run --workers` needs: create and delete a Job, watch its pods, read their logs")
	_ = c.RegisterFlagCompletionFunc("for", completeFor)
	return c
}

// complete turns --for, --name, --workers and -n into the registry's options.
func (o *rbacOptions) complete(c *cobra.Command) error {
	cmds, err := parseFor(o.forCmds)
	if err != nil {
		return err
	}
	o.cmds = cmds
	o.rbac = permissions.RBACOptions{Name: o.name}
	if o.workers {
		o.rbac.Features = append(o.rbac.Features, permissions.FeatureWorkers)
	}
	if o.rbac.Name == "" {
		o.rbac.Name = "lbctl"
		for _, c := range cmds {
			o.rbac.Name += "-" + string(c)
		}
	}
	if f := c.Flags().Lookup("namespace"); f != nil && f.Changed {
		o.rbac.Namespace = strings.TrimSpace(f.Value.String())
	}
	return nil
}

// validate has nothing left to check: complete parsed every flag.
func (o *rbacOptions) validate() error { return nil }

func (o *rbacOptions) run(_ context.Context, r *Root) error {
	_, err := io.WriteString(r.Streams.Out, permissions.RBACYAML(o.cmds, o.rbac))
	return err
}
