package cmd

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
)

// completionTimeout bounds the API calls a completion makes: a shell waits
// for it at every TAB.
const completionTimeout = 5 * time.Second

// addCompletions registers the dynamic completions of the whole tree, as
// kubectl completes its own flags: -n from the cluster's namespaces,
// --context, --cluster and --user from the kubeconfig, each command's -o
// values from its help, --ingress from the cluster's Ingresses and
// --scenario from the sandbox's scenarios. The kubectl shim passes
// __complete through, so `kubectl lbctl <TAB>` gets the same.
func (r *Root) addCompletions() {
	c := r.Cmd
	register := func(cmd *cobra.Command, flag string, fn cobra.CompletionFunc) {
		// The flags are defined above; an error would be a programming error
		// that TestCompletions catches by the missing suggestion.
		_ = cmd.RegisterFlagCompletionFunc(flag, fn)
	}
	register(c, "namespace", r.completeNamespaces)
	register(c, "context", r.completeKubeconfig(func(k clientcmdapi.Config) []string { return slices.Sorted(maps.Keys(k.Contexts)) }))
	register(c, "cluster", r.completeKubeconfig(func(k clientcmdapi.Config) []string { return slices.Sorted(maps.Keys(k.Clusters)) }))
	register(c, "user", r.completeKubeconfig(func(k clientcmdapi.Config) []string { return slices.Sorted(maps.Keys(k.AuthInfos)) }))
	register(c, "color", fixedCompletion("auto", "always", "never"))
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			switch f.Name {
			case "output":
				register(cmd, f.Name, fixedCompletion(outputValues(f.Usage)...))
			case "ingress":
				register(cmd, f.Name, r.completeIngresses(true))
			case "scenario":
				register(cmd, f.Name, fixedCompletion(scenarios.Names()...))
			}
		})
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(c)
}

// fixedCompletion offers a fixed list of values, filtered by what is typed.
func fixedCompletion(values ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return withPrefix(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

var (
	parenthesis = regexp.MustCompile(`\([^)]*\)`)
	orSeparator = regexp.MustCompile(`,\s*(or\s+)?|\s+or\s+`)
)

// outputValues reads the values an -o flag takes from its help ("output
// format: table, wide, json or yaml" → table, wide, json, yaml), so the
// completion says what the help says.
func outputValues(usage string) []string {
	if i := strings.LastIndex(usage, ":"); i >= 0 {
		usage = usage[i+1:]
	}
	var out []string
	for _, v := range orSeparator.Split(parenthesis.ReplaceAllString(usage, ""), -1) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// completeKubeconfig offers names from the kubeconfig --kubeconfig or
// KUBECONFIG selects.
func (r *Root) completeKubeconfig(names func(clientcmdapi.Config) []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		raw, err := r.Factory.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return withPrefix(names(raw), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeNamespaces offers the cluster's namespaces, read through the
// factory's client; none when the cluster cannot be read.
func (r *Root) completeNamespaces(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	kc, err := r.Factory.KubeClient()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(completionContext(c), completionTimeout)
	defer cancel()
	list, err := kc.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, 0, len(list.Items))
	for _, ns := range list.Items {
		names = append(names, ns.Name)
	}
	slices.Sort(names)
	return withPrefix(names, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// completeIngresses offers the cluster's Ingresses in -n's namespace (the
// context's without -n), as NAMESPACE/NAME when qualified (--ingress) or
// NAME (health's arguments); with a qualified -A or a typed "NS/" prefix,
// in every namespace or in NS.
func (r *Root) completeIngresses(qualified bool) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		kc, err := r.Factory.KubeClient()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ns := deref(r.Factory.ConfigFlags.Namespace)
		if qualified {
			ns = ""
			if typed, _, ok := strings.Cut(toComplete, "/"); ok {
				ns = typed
			} else if n := deref(r.Factory.ConfigFlags.Namespace); n != "" {
				ns = n
			}
		} else if ns == "" {
			if ns, err = r.Factory.Namespace(); err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
		}
		ctx, cancel := context.WithTimeout(completionContext(c), completionTimeout)
		defer cancel()
		list, err := kc.NetworkingV1().Ingresses(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]string, 0, len(list.Items))
		for _, in := range list.Items {
			if qualified {
				names = append(names, in.Namespace+"/"+in.Name)
			} else {
				names = append(names, in.Name)
			}
		}
		slices.Sort(names)
		return withPrefix(names, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

func completionContext(c *cobra.Command) context.Context {
	if ctx := c.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

func withPrefix(values []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}
