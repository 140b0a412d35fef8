package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/permissions"
)

// parseFor turns --for values (repeatable, comma-separated) into commands;
// none means every command.
func parseFor(values []string) ([]permissions.Command, error) {
	var cmds []permissions.Command
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			c, err := permissions.ParseCommand(strings.TrimSpace(s))
			if err != nil {
				return nil, usageError("--for "+err.Error(), "")
			}
			cmds = append(cmds, c)
		}
	}
	return cmds, nil
}

// forFlagHelp is the --for flag's help for iam-policy and rbac.
func forFlagHelp() string {
	names := make([]string, 0, len(permissions.Commands()))
	for _, c := range permissions.Commands() {
		names = append(names, string(c))
	}
	return "only what these commands need: " + strings.Join(names, ", ") + " (repeatable or comma-separated; default: all)"
}

type iamPolicyOptions struct {
	forCmds []string
	dns     string

	// set by complete
	cmds     []permissions.Command
	features []permissions.Feature
}

func newIAMPolicyCmd(r *Root) *cobra.Command {
	o := &iamPolicyOptions{}
	c := &cobra.Command{
		Use:   "iam-policy",
		Short: "Print the least-privilege IAM policy lbctl needs",
		Long: `Print the IAM policy JSON that allows exactly the AWS actions lbctl calls: read-only
Describe calls for scan and health. The list comes from lbctl's permissions registry, which a
test keeps equal to the calls in the code. Route53 actions appear only with --dns route53.`,
		Example: `  kubectl lbctl iam-policy --for scan > lbctl-scan.json
  aws iam create-policy --policy-name lbctl-scan --policy-document file://lbctl-scan.json`,
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
	c.Flags().StringSliceVar(&o.forCmds, "for", nil, forFlagHelp())
	c.Flags().StringVar(&o.dns, "dns", "", "include the DNS provider's actions: route53")
	_ = c.RegisterFlagCompletionFunc("for", completeFor)
	_ = c.RegisterFlagCompletionFunc("dns", cobra.FixedCompletions([]string{"route53"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// complete turns --for into commands and --dns into the features it adds.
func (o *iamPolicyOptions) complete() error {
	cmds, err := parseFor(o.forCmds)
	if err != nil {
		return err
	}
	o.cmds = cmds
	if o.dns == "route53" {
		o.features = append(o.features, permissions.FeatureRoute53)
	}
	return nil
}

func (o *iamPolicyOptions) validate() error {
	switch o.dns {
	case "", "route53":
		return nil
	}
	return usageError(fmt.Sprintf("--dns %q is not route53", o.dns), "")
}

func (o *iamPolicyOptions) run(_ context.Context, r *Root) error {
	if len(o.features) > 0 && !hasService(permissions.AWSActions(o.cmds, o.features...), "route53") {
		fmt.Fprintln(r.Streams.ErrOut, "note: lbctl makes no Route53 call yet, so the policy has no route53 statement")
	}
	b, err := permissions.Policy(o.cmds, o.features...).JSON()
	if err != nil {
		return err
	}
	_, err = r.Streams.Out.Write(b)
	return err
}

func completeFor(_ *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	var names []string
	for _, c := range permissions.Commands() {
		names = append(names, string(c))
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// hasService reports whether any action belongs to the IAM service prefix svc.
func hasService(actions []string, svc string) bool {
	for _, a := range actions {
		if strings.HasPrefix(a, svc+":") {
			return true
		}
	}
	return false
}
