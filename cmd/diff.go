package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/render"
	"github.com/lbctl/lbctl/lbctl/world"
)

type diffOptions struct {
	render  renderOptions
	from    []string
	allow   []string
	allowed map[render.ChangeKind]bool
}

func newDiffCmd(r *Root) *cobra.Command {
	o := &diffOptions{render: renderOptions{topo: topologyFlags{noteController: true}}}
	c := &cobra.Command{
		Use:   "diff -f NEW [--from OLD]",
		Short: "What a change to manifests does to the controller's ALBs, target groups and rules; exit 1 on replacements and failures",
		Long: `Render the controller's model before and after a change, group by group, and report what
changes on AWS: ALBs replaced (a new DNS name), target groups replaced (targets registered
again), rules and listeners added, removed or changed, groups that will fail to build,
Ingresses the controller will not load, and quotas crossed.

Before is the cluster (NEW is laid over what it holds, as an apply would) or, with --from,
other manifests (a directory of the base branch); after is NEW. Exit 1 when a blocking change
would happen (alb-replaced, alb-deleted, target-group-replaced, group-fails,
ingress-rejected, quota-exceeded) unless --allow names its kind. In GitHub Actions each
change is also written as a workflow annotation, and a Markdown summary goes to
$GITHUB_STEP_SUMMARY.`,
		Example: `  # a pull request's manifests against the cluster they are synced to
  kubectl lbctl diff -f ./deploy -A
  # two checkouts, offline, in CI
  kubectl lbctl diff --from base/deploy -f head/deploy --no-aws --cluster-name prod
  # a planned move to new target groups is expected
  kubectl lbctl diff --from base/deploy -f head/deploy --no-aws --allow target-group-replaced`,
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
	o.render.topo.add(c)
	fl := c.Flags()
	fl.StringVarP(&o.render.output, "output", "o", "table", "output format: table, json or yaml")
	fl.StringVar(&o.render.certificates, "certificates", "", "a JSON file listing the issued ACM certificates discovery may pick ([{\"arn\": …, \"domains\": […]}])")
	fl.StringSliceVar(&o.from, "from", nil, "the manifests before the change (files, directories); default: the cluster")
	fl.StringSliceVar(&o.allow, "allow", nil, "kinds of change that do not fail the check: "+kindNames(true))
	return c
}

func kindNames(blockingOnly bool) string {
	var names []string
	for _, k := range render.ChangeKinds() {
		if !blockingOnly || k.Blocking() {
			names = append(names, string(k))
		}
	}
	return strings.Join(names, ", ")
}

func (o *diffOptions) complete() error {
	if err := o.render.complete(); err != nil {
		return err
	}
	o.allowed = map[render.ChangeKind]bool{}
	for _, a := range o.allow {
		k := render.ChangeKind(strings.TrimSpace(a))
		if !k.Blocking() {
			return usageError(fmt.Sprintf("--allow %q is not a kind of change that blocks", a), "use one of "+kindNames(true))
		}
		o.allowed[k] = true
	}
	return nil
}

func (o *diffOptions) validate() error {
	if !o.render.topo.fromFiles() {
		return usageError("diff needs the manifests after the change", "pass them with -f (or --kustomize)")
	}
	return o.render.validate()
}

func (o *diffOptions) run(ctx context.Context, r *Root) error {
	before, after, err := o.models(ctx, r)
	if err != nil {
		return err
	}
	limits := lbc.DefaultLimits()
	rep := render.Diff(before, after, limits, o.allowed)
	out := r.Streams.Out
	switch o.render.output {
	case "json", "yaml":
		if err := printStructured(out, o.render.output, rep); err != nil {
			return err
		}
	default:
		if err := writeDiff(out, rep); err != nil {
			return err
		}
	}
	if err := githubDiff(r, rep); err != nil {
		return err
	}
	if n := rep.Blocking(); n > 0 {
		return fmt.Errorf("%w: %d blocking change(s); allow a kind with --allow if it is intended", exitcode.ErrCheckFailed, n)
	}
	return nil
}

// models renders before (the cluster with the manifests laid over it, or
// --from) and after (the manifests).
func (o *diffOptions) models(ctx context.Context, r *Root) (before, after *render.Model, err error) {
	f := &o.render.topo
	s, err := r.scope(f)
	if err != nil {
		return nil, nil, err
	}
	newObjs, err := world.ReadKube(ctx, r.worldClients(), s)
	if err != nil {
		return nil, nil, err
	}
	var oldObjs *kube.Objects
	var wo world.Options
	if len(o.from) > 0 {
		fs := s
		fs.Files, fs.Kustomize, fs.Stdin = o.from, "", nil
		if oldObjs, err = world.ReadKube(ctx, r.worldClients(), fs); err != nil {
			return nil, nil, err
		}
		if wo, err = r.readOptions(ctx, f, s); err != nil {
			return nil, nil, err
		}
	} else {
		cs := world.Scope{AllNamespaces: true}
		if wo, err = r.readOptions(ctx, f, cs); err != nil { // the controller's flags from its Deployment
			return nil, nil, err
		}
		if oldObjs, err = world.ReadKube(ctx, r.worldClients(), cs); err != nil {
			return nil, nil, err
		}
		newObjs = kube.Overlay(oldObjs, newObjs)
	}
	d := *wo.Controller
	d.ClusterName = wo.Cluster
	var st *awsapi.State
	if !f.NoAWS {
		if st, err = world.ReadAWS(ctx, r.worldClients(), wo, oldObjs.Nodes, len(o.from) > 0); err != nil {
			return nil, nil, err
		}
	}
	if o.render.certs != nil {
		if st == nil {
			st = &awsapi.State{}
		}
		st.Certificates, st.CertificatesRead = o.render.certs, true
	}
	ro := render.Options{DefaultTags: d.DefaultTags}
	before = render.Render(world.JoinWith(oldObjs, st, d, s), ro)
	after = render.Render(world.JoinWith(newObjs, st, d, s), ro)
	if len(o.from) == 0 {
		before, after = touched(before, after)
	}
	return before, after, nil
}

// touched keeps, of a cluster-wide before and after, the groups whose
// models differ: the rest of the cluster is not part of the change.
func touched(before, after *render.Model) (*render.Model, *render.Model) {
	same := func(a, b render.Group) bool {
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(b)
		return string(x) == string(y)
	}
	ag := map[string]render.Group{}
	for _, g := range after.Groups {
		ag[g.ID] = g
	}
	b, a := &render.Model{IngressErrors: before.IngressErrors}, &render.Model{IngressErrors: after.IngressErrors}
	seen := map[string]bool{}
	for _, g := range before.Groups {
		seen[g.ID] = true
		if ng, ok := ag[g.ID]; ok && same(g, ng) {
			continue
		}
		b.Groups = append(b.Groups, g)
		if ng, ok := ag[g.ID]; ok {
			a.Groups = append(a.Groups, ng)
		}
	}
	for _, g := range after.Groups {
		if !seen[g.ID] {
			a.Groups = append(a.Groups, g)
		}
	}
	return b, a
}

func writeDiff(w io.Writer, rep render.DiffReport) error {
	if len(rep.Changes) == 0 {
		_, err := fmt.Fprintf(w, "no change to the controller's model (%d groups compared)\n", rep.Groups)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tKIND\tGROUP\tCHANGE")
	for _, c := range rep.Changes {
		mark := ""
		if c.Blocking {
			mark = "✗"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", mark, c.Kind, render.Escape(c.Group), render.Escape(c.Message))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d change(s), %d blocking, in %d groups\n", len(rep.Changes), rep.Blocking(), rep.Groups)
	return err
}

// githubDiff writes a workflow annotation per change (errors for blocking
// ones) and a Markdown summary, when run in GitHub Actions.
func githubDiff(r *Root, rep render.DiffReport) error {
	if r.Streams.getenv("GITHUB_ACTIONS") != "true" {
		return nil
	}
	for _, c := range rep.Changes {
		level := "notice"
		if c.Blocking {
			level = "error"
		} else if c.Kind.Blocking() {
			level = "warning" // allowed with --allow
		}
		fmt.Fprintf(r.Streams.ErrOut, "::%s title=lbctl diff %s::%s\n", level, workflowProperty(string(c.Kind)), workflowMessage(c.Message))
	}
	path := r.Streams.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write GITHUB_STEP_SUMMARY: %w", err)
	}
	fmt.Fprintf(f, "### lbctl diff: %d change(s), %d blocking\n\n| | kind | group | change |\n|---|---|---|---|\n", len(rep.Changes), rep.Blocking())
	sorted := append([]render.Change{}, rep.Changes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Blocking && !sorted[j].Blocking })
	for _, c := range sorted {
		mark := ""
		if c.Blocking {
			mark = "❌"
		}
		fmt.Fprintf(f, "| %s | `%s` | %s | %s |\n", mark, c.Kind, markdownCell(c.Group), markdownCell(c.Message))
	}
	return f.Close()
}

// workflowMessage escapes a workflow command's message.
func workflowMessage(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(render.Escape(s))
}

// workflowProperty escapes a workflow command's property value.
func workflowProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(render.Escape(s))
}

// markdownCell makes text safe in a Markdown table cell.
func markdownCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "'").Replace(render.Escape(s))
}
