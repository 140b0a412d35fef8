package plan

import (
	"fmt"
	"sort"

	"al.essio.dev/pkg/shellescape"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// builder carries one Build: the inputs, the decisions taken so far and the
// findings. Each concern (candidates, grouping, packing, order, rewrite,
// prediction, phases, …) is a method in its own file.
type builder struct {
	t *topology.Topology
	o Options

	// scanned are the scan's findings over the same topology; the plan takes
	// the ones it shares (other controllers, subnets, AWS access) from them.
	scanned  []scan.Finding
	findings []scan.Finding

	moves     []*move
	bins      []*bin
	moveOf    map[*topology.Ingress]*move
	regroup   map[*topology.Group]bool
	names     map[string]bool // "ns/name" of every Ingress, existing or planned
	anyStatus bool            // some Ingress in the input has a status address
	workloads *workloadIndex

	// after is the topology once the phase-2 manifests are applied.
	after    *topology.Topology
	services []*serviceChange
	labelNS  []string
	restarts []*restart
	phaser   *phaser

	plan *Plan
}

// move is one Ingress that gets a parallel ip-mode copy.
type move struct {
	in      *topology.Ingress
	newName string
	inPlace bool
	bin     *bin
	order   int32
	// key and keyName are the --group-by bucket and the group name it suggests.
	key, keyName string
	sig          signature
	// inherit are exclusive values the Ingress gets from its current
	// explicit group; its copy declares them (new groups only).
	inherit map[string]string
	load    load
	// annotations are set on the copy (health check, named-port fixes), and
	// notes are the findings about them, reported if the move is kept.
	annotations map[string]string
	notes       []scan.Finding
	// className replaces the legacy class annotation when set.
	className string
	// copy is the phase-2 Ingress; final the in-place copy's form after
	// cut-over (nil for new-ALB moves, whose copy is already final).
	copy, final *networkingv1.Ingress
	// liveALB is false when the old Ingress never got an ALB (nothing to
	// shift traffic away from).
	liveALB bool
	// backends are the copy's backends in the predicted topology.
	backends []*topology.Backend
}

func (m *move) ref() topology.ObjectRef { return m.in.Ref() }
func (m *move) newRef() topology.ObjectRef {
	return topology.ObjectRef{Kind: "Ingress", Namespace: m.in.Object.Namespace, Name: m.newName}
}

// Build makes the plan. It never fails: what cannot be planned becomes an
// error finding and the rest is still planned.
func Build(t *topology.Topology, o Options) *Plan {
	o = o.withDefaults(t)
	b := &builder{t: t, o: o, moveOf: map[*topology.Ingress]*move{}, regroup: map[*topology.Group]bool{}, names: map[string]bool{}}
	b.scanned = scan.Findings(t, scan.Options{Limits: o.Limits})
	b.workloads = indexWorkloads(t)
	b.classify()
	b.formGroups()
	b.assignOrders()
	b.rewrite()
	b.predict()
	b.planServices()
	b.plan = &Plan{
		APIVersion:   APIVersion,
		Kind:         Kind,
		Cluster:      t.Cluster,
		Settings:     b.settings(),
		Groups:       b.groups(),
		Replacements: b.replacements(),
	}
	b.namespaceless()
	b.healthAndRollout()
	b.plan.Phases = b.phases()
	b.plan.Inputs = b.inputs()
	b.plan.Estimates = b.estimates()
	b.findings = append(b.findings, b.shared()...)
	for i := range b.findings {
		if b.findings[i].Objects == nil {
			b.findings[i].Objects = []topology.ObjectRef{}
		}
	}
	scan.SortFindings(b.findings)
	b.plan.Findings = dedupeFindings(b.findings)
	if b.plan.Findings == nil {
		b.plan.Findings = []scan.Finding{}
	}
	b.plan.render = b.files
	b.plan.overlays = b.overlays
	return b.plan
}

func (b *builder) add(f scan.Finding) { b.findings = append(b.findings, f) }

func (b *builder) settings() Settings {
	l := b.o.Limits
	return Settings{
		GroupBy: b.o.GroupBy.String(), Regroup: b.o.Regroup, DNS: string(b.o.DNS), Steps: b.o.Steps,
		Soak: b.o.Soak.String(), Suffix: b.o.Suffix,
		Limits: LimitSet{RulesPerALB: l.RulesPerALB, TargetGroupsPerALB: l.TargetGroupsPerALB, CertificatesPerALB: l.CertificatesPerALB,
			TargetsPerALB: l.TargetsPerALB, TargetsPerTargetGroup: l.TargetsPerTargetGroup, ListenersPerALB: l.ListenersPerALB, TargetGroupsPerAction: l.TargetGroupsPerAction, ALBsPerRegion: l.ALBsPerRegion},
	}
}

// shared are the scan findings the plan repeats as they are: other
// controllers' Ingresses it leaves alone, orphans that predate it (or, after a
// partial read, how many ALBs outside the scope were not judged), and what
// it assumed about IngressClasses the manifests do not hold (an error among
// those blocks the Ingress, and the plan says so itself).
func (b *builder) shared() []scan.Finding {
	var out []scan.Finding
	for _, f := range b.scanned {
		switch f.Code {
		case scan.CodeOtherController, scan.CodeOrphanALB, scan.CodeOrphanTargetGroup, scan.CodeOrphansNotJudged:
			out = append(out, f)
		case scan.CodeClassAssumed, scan.CodeClassMissing, scan.CodeParamsMissing:
			if f.Severity != scan.Error {
				out = append(out, f)
			}
		}
	}
	return out
}

// namespaceless sets Plan.Namespace when the input left objects without
// metadata.namespace, and says how their manifests are applied.
func (b *builder) namespaceless() {
	nn := b.t.Objects.NoNamespace
	if len(nn) == 0 {
		return
	}
	ns := nn[0].Namespace
	b.plan.Namespace = ns
	refs := make([]topology.ObjectRef, 0, len(nn))
	for _, k := range nn {
		refs = append(refs, topology.ObjectRef{Kind: k.Kind, Namespace: k.Namespace, Name: k.Name})
	}
	b.add(finding(scan.Info, CodeNamespaceOmitted,
		fmt.Sprintf("%s had no metadata.namespace in the input and took namespace %s; the plan's manifests leave it out for them and their copies, as the repository keeps them", plural(len(nn), "object", "objects"), ns),
		fmt.Sprintf("apply the manifests in %s: migrate apply does; with kubectl, pass %s (or let the kustomization or GitOps application they belong to set it)", ns, shellescape.QuoteCommand([]string{"-n", ns})), refs...))
}

func (b *builder) groups() []Group {
	out := make([]Group, 0, len(b.bins))
	for _, bn := range b.bins {
		g := Group{Name: bn.displayName(), Scheme: bn.scheme, IPAddressType: bn.ipType, Mode: ModeNewALB,
			Why: bn.why, Split: bn.split, Members: []Member{}}
		if bn.inPlace {
			g.Mode = ModeInPlace
		}
		if bn.after != nil {
			g.LoadBalancer = bn.after.LoadBalancerName
		}
		u := bn.usage()
		g.Rules, g.TargetGroups, g.Certificates, g.Targets, g.Listeners = u.rules, u.tgs, u.certs, u.targets, u.listeners
		for _, m := range bn.moves {
			g.Members = append(g.Members, Member{Namespace: m.in.Object.Namespace, Name: m.in.Object.Name, Ingress: m.newName, Order: m.order, From: m.in.Group.ID.String()})
		}
		for _, in := range bn.stays {
			order := in.Config.Order
			if o, ok := bn.renumber[in]; ok {
				order = o
			}
			g.Members = append(g.Members, Member{Namespace: in.Object.Namespace, Name: in.Object.Name, Order: order})
		}
		sort.SliceStable(g.Members, func(i, j int) bool {
			if g.Members[i].Order != g.Members[j].Order {
				return g.Members[i].Order < g.Members[j].Order
			}
			return g.Members[i].Namespace+"/"+g.Members[i].Name < g.Members[j].Namespace+"/"+g.Members[j].Name
		})
		out = append(out, g)
	}
	return out
}

func dedupeFindings(fs []scan.Finding) []scan.Finding {
	seen := map[string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := string(f.Severity) + "\x00" + f.Code + "\x00" + f.Message
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// Files renders the manifests per phase, the backups and plan.json, sorted
// by path, for --out-dir. It is computed on first use: most callers print
// the plan and never need the YAML.
func (p *Plan) Files() []File {
	if p.files == nil && p.render != nil {
		p.files = p.render()
	}
	return p.files
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func ingressKey(ns, name string) string { return ns + "/" + name }
