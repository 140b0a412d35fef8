package awsendpoint

import (
	"slices"
	"strconv"
	"strings"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const (
	ec2MinResults = 5
	ec2MaxResults = 1000
)

// ec2Page reads MaxResults/NextToken and writes one page as listName plus
// nextToken. Without MaxResults everything from NextToken on is returned, as
// EC2 does; MaxResults cannot be combined with explicit IDs.
func ec2Page[T any](p params, w *xmlWriter, listName string, entries []entry[T], explicitIDs bool) *apiError {
	n, ok, err := p.integer("MaxResults")
	switch {
	case err != nil:
		return clientError("InvalidParameterValue", "Invalid value '%s' for maxResults", p.str("MaxResults"))
	case ok && explicitIDs:
		return clientError("InvalidParameterCombination", "The parameter IDs cannot be used with the parameter maxResults")
	case ok && (n < ec2MinResults || n > ec2MaxResults):
		return clientError("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Parameter must be between %d and %d.", n, ec2MinResults, ec2MaxResults)
	}
	page, next, valid := paginate(entries, p.str("NextToken"), n)
	if !valid {
		return clientError("InvalidPaginationToken", "Invalid pagination token: %s", p.str("NextToken"))
	}
	if err := w.list(listName, page); err != nil {
		return internalError(err)
	}
	w.optText("nextToken", next)
	return nil
}

// attrFunc returns the values of a resource attribute named by an EC2 filter,
// and whether the filter name is supported.
type attrFunc[T any] func(v T, filterName string) ([]string, bool)

// match reports whether v passes every filter: AND across filters, OR across
// a filter's values, each value a glob with * and ?.
func match[T any](v T, filters []filter, attrs attrFunc[T]) bool {
	for _, f := range filters {
		have, _ := attrs(v, f.name)
		ok := false
		for _, want := range f.values {
			for _, h := range have {
				if glob(want, h) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// checkFilters rejects filter names attrs does not know, as EC2 does.
func checkFilters[T any](filters []filter, attrs attrFunc[T]) *apiError {
	var zero T
	for _, f := range filters {
		if _, ok := attrs(zero, f.name); !ok {
			return clientError("InvalidParameterValue", "The filter '%s' is invalid", f.name)
		}
	}
	return nil
}

// glob matches s against an EC2 filter pattern where * is any run of
// characters and ? any one character.
func glob(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// tagAttr answers the tag:KEY, tag-key and tag-value filters.
func tagAttr(tags []ec2types.Tag, name string) ([]string, bool) {
	if key, ok := strings.CutPrefix(name, "tag:"); ok {
		var out []string
		for _, t := range tags {
			if deref(t.Key) == key {
				out = append(out, deref(t.Value))
			}
		}
		return out, true
	}
	var out []string
	switch name {
	case "tag-key":
		for _, t := range tags {
			out = append(out, deref(t.Key))
		}
	case "tag-value":
		for _, t := range tags {
			out = append(out, deref(t.Value))
		}
	default:
		return nil, false
	}
	return out, true
}

func one(p *string) []string {
	if p == nil {
		return nil
	}
	return []string{*p}
}

func boolAttr(p *bool) []string {
	if p == nil {
		return nil
	}
	return []string{strconv.FormatBool(*p)}
}

// subnetAttr maps DescribeSubnets filter names to subnet attributes.
func subnetAttr(s ec2types.Subnet, name string) ([]string, bool) {
	switch name {
	case "vpc-id":
		return one(s.VpcId), true
	case "subnet-id":
		return one(s.SubnetId), true
	case "availability-zone", "availabilityZone":
		return one(s.AvailabilityZone), true
	case "availability-zone-id", "availabilityZoneId":
		return one(s.AvailabilityZoneId), true
	case "cidr-block", "cidr", "cidrBlock":
		return one(s.CidrBlock), true
	case "default-for-az", "defaultForAz":
		return boolAttr(s.DefaultForAz), true
	case "map-public-ip-on-launch":
		return boolAttr(s.MapPublicIpOnLaunch), true
	case "owner-id":
		return one(s.OwnerId), true
	case "state":
		return []string{string(s.State)}, true
	case "subnet-arn":
		return one(s.SubnetArn), true
	}
	return tagAttr(s.Tags, name)
}

// securityGroupAttr maps DescribeSecurityGroups filter names to group
// attributes.
func securityGroupAttr(g ec2types.SecurityGroup, name string) ([]string, bool) {
	switch name {
	case "vpc-id":
		return one(g.VpcId), true
	case "group-id":
		return one(g.GroupId), true
	case "group-name":
		return one(g.GroupName), true
	case "description":
		return one(g.Description), true
	case "owner-id":
		return one(g.OwnerId), true
	}
	return tagAttr(g.Tags, name)
}

func (h *Handler) describeSubnets(p params, w *xmlWriter) *apiError {
	ids, filters := p.list("SubnetId"), p.filters()
	if apiErr := checkFilters(filters, subnetAttr); apiErr != nil {
		return apiErr
	}
	var entries []entry[ec2types.Subnet]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		for _, id := range ids {
			if !s.subnets.has(id) {
				apiErr = clientError("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
				return
			}
		}
		entries = s.subnets.ordered(func(k string, sn ec2types.Subnet) bool {
			return (len(ids) == 0 || slices.Contains(ids, k)) && match(sn, filters, subnetAttr)
		})
	})
	if apiErr != nil {
		return apiErr
	}
	return ec2Page(p, w, "subnetSet", entries, len(ids) > 0)
}

func (h *Handler) describeSecurityGroups(p params, w *xmlWriter) *apiError {
	ids, names, filters := p.list("GroupId"), p.list("GroupName"), p.filters()
	if apiErr := checkFilters(filters, securityGroupAttr); apiErr != nil {
		return apiErr
	}
	var entries []entry[ec2types.SecurityGroup]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		for _, id := range ids {
			if !s.sgs.has(id) {
				apiErr = clientError("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
				return
			}
		}
		entries = s.sgs.ordered(func(k string, g ec2types.SecurityGroup) bool {
			return (len(ids) == 0 || slices.Contains(ids, k)) &&
				(len(names) == 0 || slices.Contains(names, deref(g.GroupName))) &&
				match(g, filters, securityGroupAttr)
		})
		for _, n := range names {
			if len(s.sgs.ordered(func(_ string, g ec2types.SecurityGroup) bool { return deref(g.GroupName) == n })) == 0 {
				apiErr = clientError("InvalidGroup.NotFound", "The security group '%s' does not exist", n)
				return
			}
		}
	})
	if apiErr != nil {
		return apiErr
	}
	return ec2Page(p, w, "securityGroupInfo", entries, len(ids) > 0 || len(names) > 0)
}
