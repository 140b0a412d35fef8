package plan

import (
	"fmt"
	"strings"

	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// checkDNS: traffic moves to a new ALB by DNS, so someone must own the
// hosts' records. ExternalDNS is found by its Deployment (found live by its
// label, or read from files) or its annotations on the Ingresses; the
// Route53 hosted zones (read by plan with AWS) say where the records live:
// every host needs a zone (a public one for an internet-facing ALB), and
// with --dns route53 that is where the weighted records go.
func checkDNS(b *builder) (Check, []topology.ObjectRef) {
	c := Check{Name: "DNS ownership"}
	hosts := map[string]bool{}
	public := map[string]bool{}
	var objs []topology.ObjectRef
	externalDNS := false
	for _, m := range b.moves {
		if m.inPlace || !m.liveALB || len(m.load.hosts) == 0 {
			continue
		}
		for _, h := range m.load.hosts {
			hosts[h] = true
			if m.in.Config.Scheme == lbc.SchemeInternetFacing {
				public[h] = true
			}
		}
		objs = append(objs, m.ref())
		for k := range m.in.Object.Annotations {
			if strings.HasPrefix(k, "external-dns.alpha.kubernetes.io/") {
				externalDNS = true
			}
		}
	}
	if len(hosts) == 0 {
		c.Status, c.Message = CheckPass, "no host moves to a new ALB: no DNS change"
		return c, nil
	}
	var where string
	for _, d := range b.t.Objects.Deployments {
		for _, ctr := range d.Spec.Template.Spec.Containers {
			if strings.Contains(ctr.Image, "external-dns") {
				externalDNS = true
				where = fmt.Sprintf("Deployment %s/%s", d.Namespace, d.Name)
			}
		}
	}
	liveRead := false
	if live := b.o.Live; live != nil && live.ExternalDNSOK {
		liveRead = true
		if len(live.ExternalDNS) > 0 {
			externalDNS = true
			where = fmt.Sprintf("Deployment %s/%s", live.ExternalDNS[0].Namespace, live.ExternalDNS[0].Name)
		}
	}
	list := joinShort(sortedSet(hosts))

	// Where the records live, when the zones were read.
	zonesRead := b.t.AWS != nil && b.t.AWS.HostedZonesRead
	zones := map[string]bool{}
	var missing []string
	if zonesRead {
		for _, h := range sortedSet(hosts) {
			z, ok := b.t.AWS.ZoneFor(h, public[h])
			if !ok {
				kind := "hosted zone"
				if public[h] {
					kind = "public hosted zone"
				}
				missing = append(missing, h+" (no "+kind+")")
				continue
			}
			zones[fmt.Sprintf("%s (%s)", strings.TrimSuffix(z.Name, "."), z.ID)] = true
		}
	}
	inZones := ""
	if len(zones) > 0 {
		inZones = " in Route53 zone(s) " + joinShort(sortedSet(zones))
	}

	switch {
	case b.o.DNS == DNSRoute53 && !zonesRead:
		c.Status = CheckNotChecked
		c.Message = fmt.Sprintf("%d host(s) (%s) get weighted Route53 records", len(hosts), list)
		c.Needs = "Route53 ListHostedZones (read by plan against a cluster with AWS) to find the hosts' zones"
	case b.o.DNS == DNSRoute53 && len(missing) > 0:
		c.Status = CheckFail
		c.Message = fmt.Sprintf("--dns route53 sets weighted records, but no Route53 zone of this account holds %s: create the zone, or move these hosts by hand", joinShort(missing))
	case b.o.DNS == DNSRoute53:
		c.Status = CheckPass
		c.Message = fmt.Sprintf("%d host(s) (%s) get weighted records%s", len(hosts), list, inZones)
	case externalDNS && len(missing) > 0:
		c.Status = CheckWarn
		c.Message = fmt.Sprintf("ExternalDNS manages the hosts, but no Route53 zone of this account holds %s: its weighted records need Route53 (another provider, or another account, must be changed by hand)", joinShort(missing))
	case externalDNS:
		c.Status = CheckPass
		if where == "" {
			where = "external-dns annotations on the Ingresses"
		}
		c.Message = fmt.Sprintf("ExternalDNS (%s) manages %d host(s) (%s)%s; it must own their records (its TXT registry) to turn them into weighted records", where, len(hosts), list, inZones)
	case liveRead:
		c.Status = CheckWarn
		c.Message = fmt.Sprintf("%d host(s) (%s) move to new ALBs by DNS weights and the plan writes ExternalDNS annotations, but no Deployment labelled app.kubernetes.io/name=external-dns runs in the cluster: use --dns route53, or change the records by hand at each step", len(hosts), list)
		c.Message += zoneNote(missing, inZones)
	default:
		c.Status = CheckNotChecked
		c.Message = fmt.Sprintf("%d host(s) (%s) move to new ALBs by DNS weights; the plan writes ExternalDNS annotations", len(hosts), list) + zoneNote(missing, inZones)
		c.Needs = "the ExternalDNS Deployment (passed with -f) or Route53 zones, to confirm who owns the records; without ExternalDNS use --dns route53 or change the records by hand"
		if zonesRead {
			c.Needs = "the ExternalDNS Deployment (passed with -f), to confirm who owns the records; without ExternalDNS use --dns route53 or change the records by hand"
		}
	}
	return c, objs
}

// zoneNote says where the hosts' records live, for the checks that do not
// hinge on it.
func zoneNote(missing []string, inZones string) string {
	switch {
	case len(missing) > 0:
		return "; no Route53 zone holds " + joinShort(missing)
	case inZones != "":
		return "; the hosts are" + inZones + ", where --dns route53 can weight them"
	}
	return ""
}
