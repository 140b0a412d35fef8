package cmd

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/permissions"
)

func newRBACCmd(r *Root) *cobra.Command {
	var forCmds []string
	var name string
	var workers bool
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
			cmds, err := parseFor(forCmds)
			if err != nil {
				return err
			}
			o := permissions.RBACOptions{Name: name}
			if workers {
				o.Features = append(o.Features, permissions.FeatureWorkers)
			}
			if o.Name == "" {
				o.Name = "lbctl"
				for _, c := range cmds {
					o.Name += "-" + string(c)
				}
			}
			if f := c.Flags().Lookup("namespace"); f != nil && f.Changed {
				o.Namespace = strings.TrimSpace(f.Value.String())
			}
			_, err = io.WriteString(r.Streams.Out, permissions.RBACYAML(cmds, o))
			return err
		},
	}
	c.Flags().StringSliceVar(&forCmds, "for", nil, forFlagHelp())
	c.Flags().StringVar(&name, "name", "", "name of the ClusterRole and Role (default: lbctl, or lbctl-<commands> with --for)")
	c.Flags().BoolVar(&workers, "workers", false, "add what `loadtest run --workers` needs: create and delete a Job, watch its pods, read their logs")
	_ = c.RegisterFlagCompletionFunc("for", completeFor)
	return c
}
