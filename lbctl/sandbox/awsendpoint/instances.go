package awsendpoint

import (
	"errors"
	"slices"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// PutInstance creates or replaces the instance with the same InstanceId: a
// node, with the network interfaces that hold its pods' addresses.
func (s *State) PutInstance(in ec2types.Instance) error {
	id := deref(in.InstanceId)
	if id == "" {
		return errors.New("put instance: InstanceId is empty")
	}
	in = deepCopy(in)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instances.put(id, in, s.next)
	return nil
}

// DeleteInstance removes an instance and reports whether it existed.
func (s *State) DeleteInstance(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.instances.del(id)
}

// instanceAttr maps DescribeInstances filter names to instance attributes.
func instanceAttr(in ec2types.Instance, name string) ([]string, bool) {
	switch name {
	case "instance-id":
		return one(in.InstanceId), true
	case "vpc-id":
		return one(in.VpcId), true
	case "subnet-id":
		return one(in.SubnetId), true
	case "availability-zone":
		if in.Placement == nil {
			return nil, true
		}
		return one(in.Placement.AvailabilityZone), true
	case "network-interface.network-interface-id":
		var out []string
		for _, ni := range in.NetworkInterfaces {
			out = append(out, deref(ni.NetworkInterfaceId))
		}
		return out, true
	}
	return tagAttr(in.Tags, name)
}

// describeInstances answers with one reservation per instance, as
// instances launched one by one (a node group's) are.
func (h *Handler) describeInstances(p params, w *xmlWriter) *apiError {
	ids, filters := p.list("InstanceId"), p.filters()
	if apiErr := checkFilters(filters, instanceAttr); apiErr != nil {
		return apiErr
	}
	var entries []entry[ec2types.Reservation]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		for _, id := range ids {
			if !s.instances.has(id) {
				apiErr = clientError("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
				return
			}
		}
		for _, e := range s.instances.ordered(func(k string, in ec2types.Instance) bool {
			return (len(ids) == 0 || slices.Contains(ids, k)) && match(in, filters, instanceAttr)
		}) {
			rid := "r-" + deref(e.v.InstanceId)[2:]
			entries = append(entries, entry[ec2types.Reservation]{seq: e.seq, v: ec2types.Reservation{ReservationId: &rid,
				Instances: []ec2types.Instance{e.v}}})
		}
	})
	if apiErr != nil {
		return apiErr
	}
	return ec2Page(p, w, "reservationSet", entries, len(ids) > 0)
}

// PutNetworkInterface creates or replaces the network interface with the
// same NetworkInterfaceId: one that DescribeInstances does not list, such
// as the branch interface the VPC CNI gives a pod with security groups of
// its own (the vpc.amazonaws.com/pod-eni annotation names it).
func (s *State) PutNetworkInterface(ni ec2types.NetworkInterface) error {
	id := deref(ni.NetworkInterfaceId)
	if id == "" {
		return errors.New("put network interface: NetworkInterfaceId is empty")
	}
	ni = deepCopy(ni)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enis.put(id, ni, s.next)
	return nil
}

// networkInterfaceAttr maps DescribeNetworkInterfaces filter names to
// interface attributes.
func networkInterfaceAttr(ni ec2types.NetworkInterface, name string) ([]string, bool) {
	switch name {
	case "network-interface-id":
		return one(ni.NetworkInterfaceId), true
	case "vpc-id":
		return one(ni.VpcId), true
	case "subnet-id":
		return one(ni.SubnetId), true
	case "interface-type":
		return []string{string(ni.InterfaceType)}, true
	case "addresses.private-ip-address":
		var out []string
		for _, a := range ni.PrivateIpAddresses {
			out = append(out, deref(a.PrivateIpAddress))
		}
		return out, true
	case "group-id":
		var out []string
		for _, g := range ni.Groups {
			out = append(out, deref(g.GroupId))
		}
		return out, true
	}
	return tagAttr(ni.TagSet, name)
}

// describeNetworkInterfaces answers from the interfaces put with
// PutNetworkInterface (not the instances' own).
func (h *Handler) describeNetworkInterfaces(p params, w *xmlWriter) *apiError {
	ids, filters := p.list("NetworkInterfaceId"), p.filters()
	if apiErr := checkFilters(filters, networkInterfaceAttr); apiErr != nil {
		return apiErr
	}
	var entries []entry[ec2types.NetworkInterface]
	var apiErr *apiError
	h.state.read(func() {
		s := h.state
		for _, id := range ids {
			if !s.enis.has(id) {
				apiErr = clientError("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
				return
			}
		}
		entries = s.enis.ordered(func(k string, ni ec2types.NetworkInterface) bool {
			return (len(ids) == 0 || slices.Contains(ids, k)) && match(ni, filters, networkInterfaceAttr)
		})
	})
	if apiErr != nil {
		return apiErr
	}
	return ec2Page(p, w, "networkInterfaceSet", entries, len(ids) > 0)
}
