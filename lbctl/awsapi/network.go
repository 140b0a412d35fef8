package awsapi

import (
	"context"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// Route53API is the part of the Route53 client the reader calls: the hosted
// zones that hold the hosts a migration moves by DNS.
type Route53API interface {
	ListHostedZones(context.Context, *route53.ListHostedZonesInput, ...func(*route53.Options)) (*route53.ListHostedZonesOutput, error)
}

var _ Route53API = (*route53.Client)(nil)

// instancesPerCall bounds the instance IDs of one DescribeInstances call.
const instancesPerCall = 200

// InstanceIDFromProviderID takes the EC2 instance ID from a node's
// spec.providerID (aws:///us-west-2a/i-0123…); ok is false for other
// providers (Fargate's is aws:///zone/fargate-ip-…).
func InstanceIDFromProviderID(providerID string) (string, bool) {
	rest, ok := strings.CutPrefix(providerID, "aws://")
	if !ok {
		return "", false
	}
	id := rest[strings.LastIndex(rest, "/")+1:]
	return id, strings.HasPrefix(id, "i-")
}

// ENIHolding finds the network interface of the instance that holds ip, as
// the controller does for a pod's address: one of its private addresses, or
// inside one of its prefixes (prefix delegation).
func (s *State) ENIHolding(instanceID, ip string) (*ENI, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, false
	}
	for i := range s.Instances {
		in := &s.Instances[i]
		if in.ID != instanceID {
			continue
		}
		for j := range in.ENIs {
			e := &in.ENIs[j]
			if slices.Contains(e.PrivateIPs, ip) {
				return e, true
			}
			for _, p := range e.Prefixes {
				if pf, err := netip.ParsePrefix(p); err == nil && pf.Contains(addr) {
					return e, true
				}
			}
		}
	}
	return nil, false
}

// BranchENI finds a branch interface read by ID.
func (s *State) BranchENI(id string) (*ENI, bool) {
	for i := range s.BranchENIs {
		if s.BranchENIs[i].ID == id {
			return &s.BranchENIs[i], true
		}
	}
	return nil, false
}

// HasInstance says whether the instance was read.
func (s *State) HasInstance(id string) bool {
	return slices.ContainsFunc(s.Instances, func(in Instance) bool { return in.ID == id })
}

// SecurityGroup finds a security group by ID, or by name when ref is not an
// ID (an Ingress's security-groups annotation takes either).
func (s *State) SecurityGroup(ref string) *SecurityGroup {
	for i := range s.SecurityGroups {
		g := &s.SecurityGroups[i]
		if g.ID == ref || (!strings.HasPrefix(ref, "sg-") && g.Name == ref) {
			return g
		}
	}
	return nil
}

func (r *Reader) instances(ctx context.Context) ([]Instance, error) {
	return byID(r.InstanceIDs, func(in Instance) string { return in.ID }, func(chunk []string) (out []Instance, err error) {
		p := ec2.NewDescribeInstancesPaginator(r.EC2, &ec2.DescribeInstancesInput{InstanceIds: chunk})
		_, err = pages(ctx, r, "DescribeInstances", strings.Join(chunk, ","), p.HasMorePages,
			func(ctx context.Context) (*ec2.DescribeInstancesOutput, error) { return p.NextPage(ctx) },
			func(page *ec2.DescribeInstancesOutput) {
				for _, res := range page.Reservations {
					for _, in := range res.Instances {
						out = append(out, convertInstance(in))
					}
				}
			})
		return out, err
	})
}

// branchENIs reads the interfaces BranchENIIDs names (EC2
// DescribeNetworkInterfaces by ID, as the controller does for a pod's
// annotation).
func (r *Reader) branchENIs(ctx context.Context) ([]ENI, error) {
	return byID(r.BranchENIIDs, func(e ENI) string { return e.ID }, func(chunk []string) (out []ENI, err error) {
		p := ec2.NewDescribeNetworkInterfacesPaginator(r.EC2, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: chunk})
		_, err = pages(ctx, r, "DescribeNetworkInterfaces", strings.Join(chunk, ","), p.HasMorePages,
			func(ctx context.Context) (*ec2.DescribeNetworkInterfacesOutput, error) { return p.NextPage(ctx) },
			func(page *ec2.DescribeNetworkInterfacesOutput) {
				for _, ni := range page.NetworkInterfaces {
					out = append(out, convertENI(asInstanceENI(ni)))
				}
			})
		return out, err
	})
}

// byID reads ids, each once and instancesPerCall a call, with read, and
// sorts what it returns by ID.
func byID[T any](ids []string, id func(T) string, read func(chunk []string) ([]T, error)) ([]T, error) {
	ids = slices.Clone(ids)
	sort.Strings(ids)
	ids = slices.Compact(ids)
	var out []T
	for chunk := range slices.Chunk(ids, instancesPerCall) {
		got, err := read(chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	sort.Slice(out, func(i, j int) bool { return id(out[i]) < id(out[j]) })
	return out, nil
}

// asInstanceENI is a described interface as an instance lists it: the
// fields convertENI reads.
func asInstanceENI(ni ec2types.NetworkInterface) ec2types.InstanceNetworkInterface {
	out := ec2types.InstanceNetworkInterface{NetworkInterfaceId: ni.NetworkInterfaceId, PrivateIpAddress: ni.PrivateIpAddress, Groups: ni.Groups}
	if ni.Attachment != nil {
		out.Attachment = &ec2types.InstanceNetworkInterfaceAttachment{DeviceIndex: ni.Attachment.DeviceIndex}
	}
	for _, a := range ni.PrivateIpAddresses {
		out.PrivateIpAddresses = append(out.PrivateIpAddresses, ec2types.InstancePrivateIpAddress{PrivateIpAddress: a.PrivateIpAddress})
	}
	for _, p := range ni.Ipv4Prefixes {
		out.Ipv4Prefixes = append(out.Ipv4Prefixes, ec2types.InstanceIpv4Prefix{Ipv4Prefix: p.Ipv4Prefix})
	}
	return out
}

// convertENI keeps what the controller resolves a pod's interface by: its
// addresses (the primary one when none are listed), prefixes and groups.
func convertENI(ni ec2types.InstanceNetworkInterface) ENI {
	e := ENI{ID: aws.ToString(ni.NetworkInterfaceId), SecurityGroups: []string{}}
	if ni.Attachment != nil {
		e.DeviceIndex = aws.ToInt32(ni.Attachment.DeviceIndex)
	}
	for _, a := range ni.PrivateIpAddresses {
		e.PrivateIPs = append(e.PrivateIPs, aws.ToString(a.PrivateIpAddress))
	}
	if len(e.PrivateIPs) == 0 && ni.PrivateIpAddress != nil {
		e.PrivateIPs = append(e.PrivateIPs, aws.ToString(ni.PrivateIpAddress))
	}
	for _, p := range ni.Ipv4Prefixes {
		e.Prefixes = append(e.Prefixes, aws.ToString(p.Ipv4Prefix))
	}
	for _, g := range ni.Groups {
		e.SecurityGroups = append(e.SecurityGroups, aws.ToString(g.GroupId))
	}
	return e
}

func convertInstance(in ec2types.Instance) Instance {
	inst := Instance{ID: aws.ToString(in.InstanceId), VpcID: aws.ToString(in.VpcId)}
	if in.Placement != nil {
		inst.Zone = aws.ToString(in.Placement.AvailabilityZone)
	}
	for _, ni := range in.NetworkInterfaces {
		inst.ENIs = append(inst.ENIs, convertENI(ni))
	}
	sort.Slice(inst.ENIs, func(i, j int) bool { return inst.ENIs[i].DeviceIndex < inst.ENIs[j].DeviceIndex })
	return inst
}

func (r *Reader) securityGroups(ctx context.Context, vpcs []string) ([]SecurityGroup, error) {
	if len(vpcs) == 0 {
		return nil, nil
	}
	var out []SecurityGroup
	p := ec2.NewDescribeSecurityGroupsPaginator(r.EC2, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: vpcs}},
	}, func(o *ec2.DescribeSecurityGroupsPaginatorOptions) { o.Limit = 1000 })
	_, err := pages(ctx, r, "DescribeSecurityGroups", strings.Join(vpcs, ","), p.HasMorePages,
		func(ctx context.Context) (*ec2.DescribeSecurityGroupsOutput, error) { return p.NextPage(ctx) },
		func(page *ec2.DescribeSecurityGroupsOutput) {
			for _, g := range page.SecurityGroups {
				sg := SecurityGroup{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName), VpcID: aws.ToString(g.VpcId), Tags: ec2Tags(g.Tags)}
				for _, perm := range g.IpPermissions {
					pm := Permission{Protocol: aws.ToString(perm.IpProtocol), FromPort: aws.ToInt32(perm.FromPort), ToPort: aws.ToInt32(perm.ToPort)}
					for _, pair := range perm.UserIdGroupPairs {
						pm.Groups = append(pm.Groups, aws.ToString(pair.GroupId))
					}
					for _, rg := range perm.IpRanges {
						pm.CIDRs = append(pm.CIDRs, aws.ToString(rg.CidrIp))
					}
					sg.Ingress = append(sg.Ingress, pm)
				}
				out = append(out, sg)
			}
		})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// hostedZones lists every hosted zone of the account; ok is false when
// Route53 refused.
func (r *Reader) hostedZones(ctx context.Context) (out []HostedZone, ok bool, err error) {
	p := route53.NewListHostedZonesPaginator(r.Route53, &route53.ListHostedZonesInput{})
	refused, err := pages(ctx, r, "ListHostedZones", "", p.HasMorePages,
		func(ctx context.Context) (*route53.ListHostedZonesOutput, error) { return p.NextPage(ctx) },
		func(page *route53.ListHostedZonesOutput) {
			for _, z := range page.HostedZones {
				hz := HostedZone{ID: strings.TrimPrefix(aws.ToString(z.Id), "/hostedzone/"), Name: aws.ToString(z.Name), Records: aws.ToInt64(z.ResourceRecordSetCount)}
				if z.Config != nil {
					hz.Private = z.Config.PrivateZone
				}
				out = append(out, hz)
			}
		})
	if err != nil || refused {
		return nil, false, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].ID < out[j].Name+out[j].ID })
	return out, true, nil
}

// ZoneFor finds the hosted zone that holds host: the one with the longest
// name that is host or a parent of it, public zones before private ones
// when both match (an internet-facing ALB's records must be public).
func (s *State) ZoneFor(host string, wantPublic bool) (*HostedZone, bool) {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimPrefix(host, "*.")), ".")
	var best *HostedZone
	for i := range s.HostedZones {
		z := &s.HostedZones[i]
		if wantPublic && z.Private {
			continue
		}
		name := strings.TrimSuffix(strings.ToLower(z.Name), ".")
		if host != name && !strings.HasSuffix(host, "."+name) {
			continue
		}
		if best == nil || len(name) > len(strings.TrimSuffix(best.Name, ".")) || (len(name) == len(strings.TrimSuffix(best.Name, ".")) && best.Private && !z.Private) {
			best = z
		}
	}
	return best, best != nil
}

// pages reads every page of an SDK paginator (more is its HasMorePages,
// next its NextPage): each call is counted and paced, each page handed to
// each. An API error ends the reading as a recorded problem (refused);
// other errors are returned.
func pages[P any](ctx context.Context, r *Reader, action, resource string, more func() bool, next func(context.Context) (P, error), each func(P)) (refused bool, err error) {
	for more() {
		if err := r.before(ctx, action); err != nil {
			return false, err
		}
		page, err := next(ctx)
		if err != nil {
			return true, r.problem(action, resource, err)
		}
		each(page)
	}
	return false, nil
}

// ec2Tags turns EC2 tags into a map (nil without tags).
func ec2Tags(tags []ec2types.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}
