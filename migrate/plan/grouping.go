package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
	"github.com/lbctl/lbctl/migrate/scan"
)

// signature is what members of one ALB must share: the scheme and IP address
// type in effect, and every other exclusive ALB-level value they declare.
// Declaring a value and omitting it differ too, because the omitting member
// would silently get the declarer's value (say, its security groups or its
// ssl-redirect). load-balancer-name is left out: a copy on a new ALB drops it.
type signature struct {
	scheme, ipType string
	other          string
}

// String is the signature's comparable form (and the partition key).
func (s signature) String() string {
	out := s.scheme + "," + s.ipType
	if s.other != "" {
		out += "," + s.other
	}
	return out
}

func sigOf(in *topology.Ingress, inherit map[string]string) signature {
	s := signature{scheme: in.Config.Scheme, ipType: in.Config.IPAddressType}
	if v, ok := inherit[lbc.SuffixScheme]; ok {
		s.scheme = v
	}
	if v, ok := inherit[lbc.SuffixIPAddressType]; ok {
		s.ipType = v
	}
	var parts []string
	for _, suffix := range lbc.ExclusiveALBAnnotations() {
		switch suffix {
		case lbc.SuffixScheme, lbc.SuffixIPAddressType, lbc.SuffixLoadBalancerName:
			continue
		}
		v, ok := in.Config.Exclusive[suffix]
		if !ok {
			v, ok = inherit[suffix]
		}
		if ok {
			parts = append(parts, suffix+"="+canonical(suffix, v))
		}
	}
	s.other = strings.Join(parts, ";")
	return s
}

// inherited are the exclusive ALB-level values an Ingress leaving an explicit
// group gets today from the members that declare them: a copy in a new group
// must declare them itself to keep its ALB's behaviour (scheme, security
// groups, ssl-redirect…). Where members disagree (a conflicted group), the
// live ALB's scheme is kept when known, and nothing else is inherited.
func inherited(in *topology.Ingress) map[string]string {
	g := in.Group
	if g == nil || !g.ID.IsExplicit() {
		return nil
	}
	out := map[string]string{}
	for _, suffix := range lbc.ExclusiveALBAnnotations() {
		if suffix == lbc.SuffixLoadBalancerName {
			continue
		}
		if _, own := in.Config.Exclusive[suffix]; own {
			continue
		}
		vals := map[string]bool{}
		var last string
		for _, other := range g.Ingresses {
			if v, ok := other.Config.Exclusive[suffix]; ok {
				vals[canonical(suffix, v)] = true
				last = v
			}
		}
		switch {
		case len(vals) == 1:
			out[suffix] = last
		case len(vals) > 1 && suffix == lbc.SuffixScheme && g.LoadBalancer != nil && g.LoadBalancer.Scheme != "":
			out[suffix] = g.LoadBalancer.Scheme
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// canonical makes order-free list values compare equal (subnets, inbound
// CIDRs); security groups keep their order, as the controller compares them.
func canonical(suffix, v string) string {
	switch suffix {
	case lbc.SuffixSubnets, lbc.SuffixInboundCIDRs:
		l := lbc.ParseStringList(v)
		sort.Strings(l)
		return strings.Join(l, ",")
	case lbc.SuffixSecurityGroups:
		return strings.Join(lbc.ParseStringList(v), ",")
	}
	return v
}

// keyOf is the --group-by bucket of an Ingress and the group name it suggests.
func (b *builder) keyOf(in *topology.Ingress) (string, string) {
	ns := in.Object.Namespace
	switch b.o.GroupBy.Mode {
	case GroupByCluster:
		name := b.t.Cluster
		if name == "" {
			name = "shared"
		}
		return "cluster", sanitizeGroupName(name)
	case GroupByLabel:
		k := b.o.GroupBy.Label
		v, ok := in.Object.Labels[k]
		if !ok {
			if n := b.t.Namespace(ns); n != nil {
				v, ok = n.Labels[k]
			}
		}
		if ok && v != "" {
			return "label:" + v, sanitizeGroupName(v)
		}
		b.add(finding(scan.Info, CodeLabelFallback,
			fmt.Sprintf("Ingress %s and its namespace have no label %s: it is grouped by namespace", in.Key(), k),
			fmt.Sprintf("label the Ingress or namespace %s=VALUE to choose its group", k), in.Ref()))
		return "ns:" + ns, sanitizeGroupName(ns)
	case GroupByNone:
		return "ingress:" + in.Key(), ""
	}
	return "ns:" + ns, sanitizeGroupName(ns)
}

// sanitizeGroupName turns a namespace, label value or cluster name into a
// valid group.name (lower-case alphanumerics, '-', '.'), short enough for
// the suffixes the plan may add.
func sanitizeGroupName(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			sb.WriteRune(r)
		default:
			sb.WriteRune('-')
		}
	}
	out := sb.String()
	if len(out) > 40 {
		out = out[:40]
	}
	out = strings.Trim(out, "-.")
	if out == "" {
		out = "group"
	}
	return out
}

// partition is the members of one bucket that share a signature.
type partition struct {
	key, name string
	sig       signature
	moves     []*move
}

// formGroups builds the bins: one per kept explicit group (the copies join
// it in place), and for everything else buckets by --group-by, split by
// signature, packed under the quotas.
func (b *builder) formGroups() {
	inPlace := map[*topology.Group][]*move{}
	buckets := map[string]map[string]*partition{}
	for _, m := range b.moves {
		if m.inPlace {
			inPlace[m.in.Group] = append(inPlace[m.in.Group], m)
			continue
		}
		m.key, m.keyName = b.keyOf(m.in)
		m.inherit = inherited(m.in)
		m.sig = sigOf(m.in, m.inherit)
		if buckets[m.key] == nil {
			buckets[m.key] = map[string]*partition{}
		}
		p := buckets[m.key][m.sig.String()]
		if p == nil {
			p = &partition{key: m.key, name: m.keyName, sig: m.sig}
			buckets[m.key][m.sig.String()] = p
		}
		p.moves = append(p.moves, m)
	}
	for _, m := range b.moves {
		m.load = b.loadOf(m)
	}

	reserved := map[string]bool{}
	for _, g := range b.t.Groups {
		if g.ID.IsExplicit() {
			reserved[g.ID.Name] = true
		}
	}
	for _, g := range b.t.Groups {
		if ms := inPlace[g]; len(ms) > 0 {
			b.inPlaceBin(g, ms)
		}
	}
	keys := make([]string, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts := orderPartitions(buckets[k])
		parts = b.dropPointless(parts)
		if len(parts) == 0 {
			continue
		}
		b.namePartitions(parts)
		for _, p := range parts {
			b.pack(p, reserved)
		}
	}
	b.reportSharedHosts()
	// Moves that ended up blocked (a unit over a quota) leave the plan.
	kept := b.moves[:0]
	for _, m := range b.moves {
		if m.bin != nil {
			kept = append(kept, m)
		} else {
			delete(b.moveOf, m.in)
		}
	}
	b.moves = kept
	sort.SliceStable(b.bins, func(i, j int) bool { return b.bins[i].displayName() < b.bins[j].displayName() })
}

// orderPartitions puts the main partition (most members, then signature
// order) first; it keeps the bucket's name.
func orderPartitions(m map[string]*partition) []*partition {
	out := make([]*partition, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].moves) != len(out[j].moves) {
			return len(out[i].moves) > len(out[j].moves)
		}
		return out[i].sig.String() < out[j].sig.String()
	})
	return out
}

// dropPointless removes a partition made of one Ingress that is already in
// ip mode: moving it to a group of its own would only change its ALB.
func (b *builder) dropPointless(parts []*partition) []*partition {
	out := parts[:0]
	for _, p := range parts {
		if len(p.moves) == 1 && !hasInstance(p.moves[0].in) {
			m := p.moves[0]
			m.bin = nil
			continue
		}
		out = append(out, p)
	}
	return out
}

// namePartitions names every partition after the main one by how its
// signature differs: -internal / -internet-facing, the IP address type, or a
// short hash of the other exclusive values; and reports the split.
func (b *builder) namePartitions(parts []*partition) {
	if parts[0].name == "" { // --group-by none: implicit groups
		return
	}
	main := parts[0]
	for _, p := range parts[1:] {
		var suffix []string
		if p.sig.scheme != main.sig.scheme {
			suffix = append(suffix, p.sig.scheme)
		}
		if p.sig.ipType != main.sig.ipType {
			suffix = append(suffix, p.sig.ipType)
		}
		// A hash only where scheme and IP address type do not tell the
		// partition apart from another one of the bucket.
		ambiguous := len(suffix) == 0
		for _, q := range parts {
			if q != p && q.sig.scheme == p.sig.scheme && q.sig.ipType == p.sig.ipType && q != main {
				ambiguous = true
			}
		}
		if ambiguous {
			suffix = append(suffix, shortHash(p.sig.String()))
		}
		p.name = main.name + "-" + strings.Join(suffix, "-")
	}
	if len(parts) < 2 {
		return
	}
	var desc []string
	var objs []topology.ObjectRef
	for _, p := range parts {
		var keys []string
		for _, m := range p.moves {
			keys = append(keys, m.in.Key())
			objs = append(objs, m.ref())
		}
		desc = append(desc, fmt.Sprintf("%s (%s: %s)", p.name, describeSig(p.sig), joinShort(keys)))
	}
	b.add(finding(scan.Info, CodeGroupPartition,
		fmt.Sprintf("%s cannot share one ALB: its Ingresses differ in ALB-level settings (scheme, IP address type or exclusive annotations), so it becomes %d groups: %s", bucketLabel(main.key), len(parts), strings.Join(desc, "; ")),
		"to share one ALB, give the Ingresses the same scheme, ip-address-type and exclusive annotations, then plan again", objs...))
}

func describeSig(s signature) string {
	out := s.scheme + ", " + s.ipType
	if s.other != "" {
		out += ", " + strings.ReplaceAll(s.other, ";", ", ")
	}
	return out
}

func bucketLabel(key string) string {
	kind, v, _ := strings.Cut(key, ":")
	switch kind {
	case "ns":
		return "namespace " + v
	case "label":
		return "label value " + v
	case "cluster":
		return "the cluster"
	}
	return key
}

func joinShort(keys []string) string {
	if len(keys) > 4 {
		return strings.Join(keys[:4], ", ") + fmt.Sprintf(" and %d more", len(keys)-4)
	}
	return strings.Join(keys, ", ")
}

// reportSharedHosts warns when Ingresses that serve the same host land on
// different ALBs: DNS can send the host to one of them only.
func (b *builder) reportSharedHosts() {
	type use struct {
		bins map[*bin]bool
		refs []topology.ObjectRef
	}
	hosts := map[string]*use{}
	for _, m := range b.moves {
		if m.bin == nil {
			continue
		}
		for _, h := range m.load.hosts {
			u := hosts[h]
			if u == nil {
				u = &use{bins: map[*bin]bool{}}
				hosts[h] = u
			}
			u.bins[m.bin] = true
			u.refs = append(u.refs, m.ref())
		}
	}
	names := make([]string, 0, len(hosts))
	for h, u := range hosts {
		if len(u.bins) > 1 {
			names = append(names, h)
		}
	}
	sort.Strings(names)
	for _, h := range names {
		u := hosts[h]
		var groups []string
		for bn := range u.bins {
			groups = append(groups, bn.displayName())
		}
		sort.Strings(groups)
		b.add(finding(scan.Warning, CodeSharedHost,
			fmt.Sprintf("host %s is served by Ingresses that land in different groups (%s): DNS can send it to one ALB only", h, strings.Join(groups, ", ")),
			"give those Ingresses the same ALB-level settings so they share a group, or split the host", u.refs...))
	}
}
