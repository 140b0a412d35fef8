package dataplane

import (
	"net"
	"sort"
	"strings"
)

// Record is one DNS answer for a host name: an alias to a load balancer's
// DNS name, with a Route53 routing weight when SetID is set (weighted
// record) or none (simple record).
type Record struct {
	Target string
	SetID  string
	Weight int
}

// SetRecords replaces the sandbox's DNS zone: host name → records, as
// ExternalDNS writes them to Route53. DialContext resolves the host names
// through it, choosing one weighted record per connection in proportion to
// its weight (all of them evenly when every weight is 0, as Route53 does).
func (p *Plane) SetRecords(zone map[string][]Record) {
	z := make(map[string][]Record, len(zone))
	for h, rs := range zone {
		rs = append([]Record(nil), rs...)
		sort.Slice(rs, func(i, j int) bool { return rs[i].SetID+rs[i].Target < rs[j].SetID+rs[j].Target })
		z[strings.ToLower(h)] = rs
	}
	p.records.Store(&z)
}

// Records returns a copy of the zone SetRecords installed.
func (p *Plane) Records() map[string][]Record {
	z := p.records.Load()
	out := map[string][]Record{}
	if z == nil {
		return out
	}
	for h, rs := range *z {
		out[h] = append([]Record(nil), rs...)
	}
	return out
}

// resolve answers a host:port from the zone with a load balancer's
// DNS name:port; ok is false when the host has no record.
func (p *Plane) resolve(addr string) (string, bool) {
	z := p.records.Load()
	if z == nil {
		return "", false
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", false
	}
	rs := (*z)[strings.ToLower(host)]
	if len(rs) == 0 {
		return "", false
	}
	total := 0
	for _, r := range rs {
		total += r.Weight
	}
	pick := rs[0]
	switch {
	case len(rs) == 1:
	case total == 0:
		pick = rs[p.rnd.IntN(len(rs))]
	default:
		n := p.rnd.IntN(total)
		for _, r := range rs {
			if n < r.Weight {
				pick = r
				break
			}
			n -= r.Weight
		}
	}
	return net.JoinHostPort(pick.Target, port), true
}
