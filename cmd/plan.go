package cmd

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/preflight"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/apply"
	"github.com/lbctl/lbctl/migrate/plan"
)

// planLimitNames maps the short --limits keys to DescribeAccountLimits names;
// the AWS names are accepted too.
func planLimitNames() map[string]string {
	return map[string]string{
		"rules":                    lbc.LimitRulesPerALB,
		"target-groups":            lbc.LimitTargetGroupsPerALB,
		"certificates":             lbc.LimitCertificatesPerALB,
		"targets":                  lbc.LimitTargetsPerALB,
		"targets-per-target-group": lbc.LimitTargetsPerTargetGroup,
		"listeners":                lbc.LimitListenersPerALB,
		"target-groups-per-action": lbc.LimitTargetGroupsPerAction,
		"albs":                     lbc.LimitALBs,
		"target-groups-per-region": lbc.LimitTargetGroups,
	}
}

type planOptions struct {
	topo    topologyFlags
	output  string
	groupBy string
	regroup bool
	limits  []string
	outDir  string
	// outFormat is --out-format: objects, or patches (objects and, beside
	// each step's manifest, a kustomize overlay against the input).
	outFormat string
	price     float64
	dns       string
	steps     []int
	soak      time.Duration
	// live reads the cluster's preflight facts (plan against a cluster;
	// migrate apply checks for itself).
	live bool

	// typed config, set by complete
	opts      plan.Options
	overrides map[string]string
	patches   bool
}

func newPlanCmd(r *Root) *cobra.Command {
	o := &planOptions{live: true}
	c := &cobra.Command{
		Use:   "plan [-n NAMESPACE | -A | -f FILE...]",
		Short: "Plan the move to ip targets on shared ALBs: groups, rewritten manifests, replacements, phases",
		Long: `Read the cluster (or manifests) and AWS into one topology and plan, without changing anything,
the make-before-break move of ALB Ingresses from NodePort instance targets (or an ALB of their
own) to ip targets on shared ALBs: which Ingresses move and into which groups (packed under the
ALB quotas, never mixing schemes or exclusive settings), the rewritten manifests, what the
controller will create and delete, and the phases with each step's wait condition and undo.

Exit codes: 0 planned; 1 an error finding blocks part of the migration (the rest is planned);
2 bad flags or input; 3 the cluster or AWS could not be read.`,
		Example: `  # plan the current namespace, as a table
  kubectl lbctl plan
  # every namespace, one shared ALB per team label, manifests for review
  kubectl lbctl plan -A --group-by label=team --out-dir ./migration
  # manifests, without AWS, as JSON
  kubectl lbctl plan -f ./manifests --no-aws -o json
  # a kustomization, each step also as a kustomize overlay against it (GitOps pull requests)
  kubectl lbctl plan -k ./deploy/prod --out-dir ./migrations/prod --out-format patches`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.complete(); err != nil {
				return err
			}
			return o.run(c.Context(), r)
		},
	}
	o.topo.add(c)
	fl := c.Flags()
	fl.StringVarP(&o.output, "output", "o", "table", "output format: table, wide, json or yaml")
	fl.StringVar(&o.outDir, "out-dir", "", "write the manifests per phase and plan.json into this directory (lbctl replaces only the files it wrote and keeps the rest)")
	fl.StringVar(&o.outFormat, "out-format", "objects", "what --out-dir holds per step: objects (whole manifests) or patches (also a kustomize overlay against the -f files or -k kustomization)")
	_ = c.RegisterFlagCompletionFunc("out-format", cobra.FixedCompletions([]string{"objects", "patches"}, cobra.ShellCompDirectiveNoFileComp))
	o.addShapeFlags(fl)
	return c
}

// addShapeFlags registers the flags that shape a plan (plan and migrate
// apply share them).
func (o *planOptions) addShapeFlags(fl *pflag.FlagSet) {
	fl.StringVar(&o.groupBy, "group-by", "namespace", "which Ingresses share an ALB: namespace, cluster, label=KEY or none")
	fl.BoolVar(&o.regroup, "regroup", false, "dissolve existing explicit groups that hold Ingresses to move, instead of changing them in place")
	fl.StringSliceVar(&o.limits, "limits", nil, "override ALB quotas, e.g. rules=200,targets=2000 (keys: "+strings.Join(sortedLimitKeys(), ", ")+", or DescribeAccountLimits names)")
	fl.Float64Var(&o.price, "price-per-hour", plan.DefaultPricePerHour, "ALB price per hour in USD, for the cost estimate")
	fl.StringVar(&o.dns, "dns", string(plan.DNSExternalDNS), "how traffic moves to a new ALB: externaldns (weighted records by annotations) or route53")
	fl.IntSliceVar(&o.steps, "steps", plan.DefaultSteps(), "percent of traffic on the new targets after each shift step")
	fl.DurationVar(&o.soak, "soak", plan.DefaultSoak, "how long to watch each shift step before the next")
}

// build reads the topology and makes the plan.
func (o *planOptions) build(ctx context.Context, r *Root) (*plan.Plan, *topology.Topology, error) {
	o.topo.preflight = true
	t, err := r.readTopology(ctx, &o.topo)
	if err != nil {
		return nil, nil, err
	}
	limits := map[string]string{}
	if t.AWS != nil {
		for k, v := range t.AWS.Limits {
			limits[k] = v
		}
	}
	for k, v := range o.overrides {
		limits[k] = v
	}
	opts := o.opts
	opts.Limits = lbc.LimitsFromAWS(limits)
	if o.live && !o.topo.fromFiles() {
		if opts.Live, err = r.livePreflight(ctx, &o.topo, t.Cluster); err != nil {
			return nil, nil, err
		}
	}
	return plan.Build(t, opts), t, nil
}

// livePreflight reads from the cluster and AWS what the plan's preflight
// checks judge (lbctl/preflight.Gather, the reads doctor makes), in the
// namespace read or in all. cluster (the topology's) names the cluster
// whose EKS Pod Identity associations may give the controller its role.
func (r *Root) livePreflight(ctx context.Context, f *topologyFlags, cluster string) (*plan.Live, error) {
	kc, err := r.Factory.KubeClient()
	if err != nil {
		return nil, err
	}
	o := preflight.GatherOptions{Kube: kc, JournalNamespace: apply.DefaultJournalNamespace, Each: preflight.Bounded, Explain: explainLine}
	if !f.AllNamespaces {
		if o.Namespace, err = r.Factory.Namespace(); err != nil {
			return nil, err
		}
	}
	if !f.NoAWS {
		stsc, err := r.Factory.STS(ctx)
		if err == nil {
			var iamc *iam.Client
			if iamc, err = r.Factory.IAM(ctx); err == nil {
				o.STS, o.IAM = stsc, iamc
			}
			if eksc, eerr := r.Factory.EKS(ctx); eerr == nil {
				o.EKS, o.Cluster = eksc, cluster
			}
		}
		o.IAMErr = errText(err)
	}
	return preflight.Gather(ctx, o)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return explainLine(err)
}

func sortedLimitKeys() []string {
	var out []string
	for k := range planLimitNames() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// complete turns the flag strings into typed options.
func (o *planOptions) complete() error {
	switch o.output {
	case "table", "wide", "json", "yaml":
	default:
		return usageError(fmt.Sprintf("unknown output format %q", o.output), "use -o table, wide, json or yaml")
	}
	gb, err := plan.ParseGroupBy(o.groupBy)
	if err != nil {
		return usageError(err.Error(), "")
	}
	o.overrides = map[string]string{}
	names := planLimitNames()
	aws := map[string]bool{}
	for _, n := range names {
		aws[n] = true
	}
	for _, kv := range o.limits {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n <= 0 {
			return usageError(fmt.Sprintf("--limits %q is not KEY=POSITIVE-NUMBER", kv), "e.g. --limits rules=200,targets=2000")
		}
		name, known := names[k]
		if !known {
			if !aws[k] {
				return usageError(fmt.Sprintf("--limits: unknown quota %q", k), "use one of "+strings.Join(sortedLimitKeys(), ", "))
			}
			name = k
		}
		o.overrides[name] = strconv.Itoa(n)
	}
	if o.price <= 0 {
		return usageError(fmt.Sprintf("--price-per-hour %v is not a positive price", o.price), "")
	}
	switch plan.DNSMode(o.dns) {
	case plan.DNSExternalDNS, plan.DNSRoute53:
	default:
		return usageError(fmt.Sprintf("--dns %q is not externaldns or route53", o.dns), "")
	}
	prev := 0
	for _, s := range o.steps {
		if s <= prev || s > 100 {
			return usageError(fmt.Sprintf("--steps %v must rise from 1 to 100", o.steps), "e.g. --steps 10,50,100")
		}
		prev = s
	}
	if o.soak < 0 {
		return usageError("--soak must not be negative", "")
	}
	if err := o.completeOutFormat(); err != nil {
		return err
	}
	if o.outDir != "" {
		if err := plan.CheckDir(o.outDir); err != nil {
			return err
		}
	}
	o.opts = plan.Options{GroupBy: gb, Regroup: o.regroup, PricePerHour: o.price, DNS: plan.DNSMode(o.dns), Steps: o.steps, Soak: o.soak}
	return nil
}

func (o *planOptions) run(ctx context.Context, r *Root) error {
	p, t, err := o.build(ctx, r)
	if err != nil {
		return err
	}
	if len(t.Ingresses) == 0 {
		// Nothing to migrate: no plan to print or write, as kubectl get
		// prints no table for an empty namespace.
		msg := r.noIngresses(&o.topo)
		if o.outDir != "" {
			msg += " No plan written to " + o.outDir + "."
		}
		fmt.Fprintln(r.Streams.ErrOut, msg)
		if o.output == "json" || o.output == "yaml" {
			return printStructured(r.Streams.Out, o.output, p)
		}
		return nil
	}

	if o.outDir != "" {
		files := p.Files()
		if o.patches {
			ov, err := o.overlays(p, t.Objects.Sources)
			if err != nil {
				return err
			}
			files = append(append([]plan.File{}, files...), ov...)
		}
		kept, err := plan.WriteDir(o.outDir, files)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.Streams.ErrOut, "wrote %d files to %s\n", len(files), o.outDir)
		if n := plan.KeptNote(kept); n != "" {
			fmt.Fprintln(r.Streams.ErrOut, "note: "+n)
		}
	}
	out := r.Streams.Out
	switch o.output {
	case "json", "yaml":
		if err := printStructured(out, o.output, p); err != nil {
			return fmt.Errorf("render plan: %w", err)
		}
	default:
		if err := plan.WriteTable(out, p, plan.TableOptions{Wide: o.output == "wide"}); err != nil {
			return err
		}
		for _, n := range t.Objects.Notes {
			fmt.Fprintln(r.Streams.ErrOut, "note: "+n.Source+": "+n.Message)
		}
	}
	if p.HasErrors() {
		n := 0
		for _, f := range p.Findings {
			if f.Severity == "error" {
				n++
			}
		}
		return fmt.Errorf("%w: %d error finding(s) block part of the migration; the rest is planned", exitcode.ErrCheckFailed, n)
	}
	return nil
}

// completeOutFormat checks --out-format: patches are overlays against files
// the plan read, so they need -f files (not stdin or a URL) or -k, and
// --out-dir outside the -f directories (a later read of them would take
// the plan's manifests for the team's).
func (o *planOptions) completeOutFormat() error {
	switch o.outFormat {
	case "objects", "": // "": migrate apply, which plans without the flag
		return nil
	case "patches":
	default:
		return usageError(fmt.Sprintf("--out-format %q is not objects or patches", o.outFormat), "use --out-format objects (whole manifests) or patches (kustomize overlays against the input)")
	}
	if o.outDir == "" {
		return usageError("--out-format patches writes into --out-dir", "add --out-dir DIR")
	}
	if !o.topo.fromFiles() {
		return usageError("--out-format patches writes overlays against the manifests the plan reads, and a cluster has none", "read the files the cluster is synced from with -f FILE|DIR or -k DIR")
	}
	out, err := filepath.Abs(o.outDir)
	if err != nil {
		return usageError(fmt.Sprintf("--out-dir %s: %v", o.outDir, err), "")
	}
	for _, f := range o.topo.Filenames {
		if f == "-" || strings.Contains(f, "://") {
			return usageError(fmt.Sprintf("--out-format patches needs files to patch, and -f %s is not one", f), "save the manifests to a file (e.g. helm template … > manifests.yaml) and pass -f manifests.yaml")
		}
		in, err := filepath.Abs(f)
		if err != nil {
			return usageError(fmt.Sprintf("-f %s: %v", f, err), "")
		}
		if rel, err := filepath.Rel(in, out); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return usageError(fmt.Sprintf("--out-dir %s is inside -f %s", o.outDir, f), "write the plan outside the manifests it reads, and outside every path Argo CD or Flux syncs")
		}
	}
	o.patches = true
	return nil
}

// overlays renders the plan's kustomize overlays against the sources it was
// read from, named relative to the plan directory.
func (o *planOptions) overlays(p *plan.Plan, sources []string) ([]plan.File, error) {
	out, err := filepath.Abs(o.outDir)
	if err != nil {
		return nil, fmt.Errorf("--out-dir %s: %w", o.outDir, err)
	}
	input := make([]string, 0, len(sources))
	for _, src := range sources {
		abs, err := filepath.Abs(src)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", src, err)
		}
		rel, err := filepath.Rel(out, abs)
		if err != nil {
			rel = abs
		}
		input = append(input, filepath.ToSlash(rel))
	}
	files, err := p.Overlays(input)
	if err != nil {
		return nil, fmt.Errorf("write the plan as patches: %w", err)
	}
	return files, nil
}
