package scan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkOwnALB finds namespaces where several Ingresses each have an ALB of
// their own (implicit groups) that one shared group could serve.
func checkOwnALB(t *topology.Topology, _ Options) []Finding {
	type bucket struct {
		ns, scheme string
		refs       []topology.ObjectRef
	}
	buckets := map[string]*bucket{}
	for _, g := range t.Groups {
		if g.ID.IsExplicit() {
			continue
		}
		k := g.ID.Namespace + "\x00" + g.Scheme
		b := buckets[k]
		if b == nil {
			b = &bucket{ns: g.ID.Namespace, scheme: g.Scheme}
			buckets[k] = b
		}
		for _, in := range g.Ingresses {
			b.refs = append(b.refs, in.Ref())
		}
	}
	keys := make([]string, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Finding
	for _, k := range keys {
		b := buckets[k]
		if len(b.refs) < 2 {
			continue
		}
		out = append(out, Finding{Severity: Warning, Code: CodeOwnALB, Objects: b.refs,
			Message: fmt.Sprintf("%d %s Ingresses in namespace %s each have their own ALB; one shared group would need 1", len(b.refs), b.scheme, b.ns),
			Remedy:  "share one ALB with alb.ingress.kubernetes.io/group.name (note: joining a group creates a new ALB with a new DNS name); `" + buildinfo.Command() + " plan` groups them"})
	}
	return out
}

// checkGroupConflicts reports members of one group that disagree on an ALB
// setting: the controller stops reconciling the whole group.
func checkGroupConflicts(t *topology.Topology, _ Options) []Finding {
	var out []Finding
	for _, g := range t.Groups {
		for _, c := range g.Conflicts {
			var parts []string
			var objs []topology.ObjectRef
			vals := make([]string, 0, len(c.Values))
			for v := range c.Values {
				vals = append(vals, v)
			}
			sort.Strings(vals)
			for _, v := range vals {
				parts = append(parts, fmt.Sprintf("%q by %s", v, strings.Join(c.Values[v], ", ")))
				for _, m := range c.Values[v] {
					ns, name, _ := strings.Cut(m, "/")
					objs = append(objs, topology.ObjectRef{Kind: "Ingress", Namespace: ns, Name: name})
				}
			}
			what := c.Annotation
			if c.Key != "" {
				what += " key " + c.Key
			}
			if c.Port != 0 {
				what += fmt.Sprintf(" on port %d", c.Port)
			}
			out = append(out, Finding{Severity: Error, Code: CodeGroupConflict, Objects: objs,
				Message: fmt.Sprintf("group %s: members set %s differently (%s); the controller stops reconciling the whole group", g.ID, what, strings.Join(parts, "; ")),
				Remedy:  fmt.Sprintf("set %s to one value on every member that declares it, or on one member only", lbc.Key(c.Annotation))})
		}
	}
	return out
}

// checkGroupQuotas compares each group's ALB with the per-ALB quotas: the
// controller does not split a group, it hangs on TooManyRules.
func checkGroupQuotas(t *topology.Topology, o Options) []Finding {
	var out []Finding
	for _, g := range t.Groups {
		tgs := map[string]bool{}
		for _, in := range g.Ingresses {
			for _, b := range in.Backends {
				tgs[in.Key()+"|"+b.Ref.Service+":"+b.Ref.Port.String()] = true
			}
		}
		certs := map[string]bool{}
		for _, l := range g.Listeners {
			for _, c := range l.Certificates {
				certs[c] = true
			}
		}
		nCerts := len(certs) - 1
		if nCerts < 0 {
			nCerts = 0
		}
		quotas := []struct {
			code, what string
			used, max  int
		}{
			{CodeGroupRules, "listener rules", len(g.Rules), o.Limits.RulesPerALB},
			{CodeGroupTargetGroups, "target groups", len(tgs), o.Limits.TargetGroupsPerALB},
			{CodeGroupCertificates, "certificates (besides the default)", nCerts, o.Limits.CertificatesPerALB},
			{CodeGroupListeners, "listeners", len(g.Listeners), o.Limits.ListenersPerALB},
		}
		var objs []topology.ObjectRef
		for _, in := range g.Ingresses {
			objs = append(objs, in.Ref())
		}
		for _, q := range quotas {
			if q.max <= 0 {
				continue
			}
			switch {
			case q.used > q.max:
				out = append(out, Finding{Severity: Error, Code: q.code, Objects: objs,
					Message: fmt.Sprintf("group %s needs %d %s on one ALB, over the quota of %d: the controller will hang on it", g.ID, q.used, q.what, q.max),
					Remedy:  "split the group (lbctl plan does it deterministically) or raise the quota"})
			case float64(q.used) >= o.near()*float64(q.max):
				out = append(out, Finding{Severity: Warning, Code: q.code, Objects: objs,
					Message: fmt.Sprintf("group %s uses %d of %d %s on one ALB", g.ID, q.used, q.max, q.what),
					Remedy:  "leave room before adding members, or plan a split"})
			}
		}
	}
	return out
}
