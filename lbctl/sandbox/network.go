package sandbox

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	route53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/lbctl/sandbox/kubelet"
)

// The sandbox's EKS-like network, as the controller resolves a pod's
// security group from it: the cluster security group (the one tagged
// kubernetes.io/cluster/NAME), a node security group, and per node an
// instance whose network interfaces hold the pods' addresses as /28
// prefixes (the VPC CNI's prefix delegation).
const (
	ClusterSecurityGroupID = "sg-0c1a5e7e000000001"
	NodeSecurityGroupID    = "sg-0c1a5e7e000000002"
	// HostedZoneID is the public zone of the scenarios' hosts (example.com).
	HostedZoneID = "Z0SANDBOX00000000001"
	// enisPerNode is how many network interfaces each node has; they share
	// the kubelet's blocks of pod addresses.
	enisPerNode = 3
)

func putNetwork(state *awsendpoint.State, vpc string, subnets map[string]string, nodes []kubelet.Node) error {
	tag := func(k, v string) ec2types.Tag { return ec2types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	all := []ec2types.IpPermission{{IpProtocol: aws.String("-1"), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(ClusterSecurityGroupID)}, {GroupId: aws.String(NodeSecurityGroupID)}}}}
	for _, sg := range []ec2types.SecurityGroup{
		{GroupId: aws.String(ClusterSecurityGroupID), GroupName: aws.String("eks-cluster-sg-" + ClusterName), VpcId: aws.String(vpc), OwnerId: aws.String(AccountID),
			Description: aws.String("EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads."),
			Tags:        []ec2types.Tag{tag("kubernetes.io/cluster/"+ClusterName, "owned"), tag("aws:eks:cluster-name", ClusterName)}, IpPermissions: all},
		{GroupId: aws.String(NodeSecurityGroupID), GroupName: aws.String(ClusterName + "-node"), VpcId: aws.String(vpc), OwnerId: aws.String(AccountID),
			Description: aws.String("the nodes' security group"), Tags: []ec2types.Tag{tag("Name", ClusterName+"-node")}, IpPermissions: all},
	} {
		if err := state.PutSecurityGroup(sg); err != nil {
			return err
		}
	}
	groups := []ec2types.GroupIdentifier{
		{GroupId: aws.String(ClusterSecurityGroupID), GroupName: aws.String("eks-cluster-sg-" + ClusterName)},
		{GroupId: aws.String(NodeSecurityGroupID), GroupName: aws.String(ClusterName + "-node")},
	}
	for i, n := range nodes {
		in := ec2types.Instance{InstanceId: aws.String(n.InstanceID), InstanceType: ec2types.InstanceTypeM5Large, VpcId: aws.String(vpc),
			SubnetId: aws.String(subnets[n.Zone]), PrivateIpAddress: aws.String(n.IP), Placement: &ec2types.Placement{AvailabilityZone: aws.String(n.Zone)},
			State: &ec2types.InstanceState{Code: aws.Int32(16), Name: ec2types.InstanceStateNameRunning}, SecurityGroups: groups,
			Tags: []ec2types.Tag{tag("Name", n.Name), tag("kubernetes.io/cluster/"+ClusterName, "owned")}}
		for e := range enisPerNode {
			ni := ec2types.InstanceNetworkInterface{NetworkInterfaceId: aws.String(fmt.Sprintf("eni-0e1a5e7e%02d%07d", i+1, e)),
				SubnetId: aws.String(subnets[n.Zone]), VpcId: aws.String(vpc), OwnerId: aws.String(AccountID), Status: ec2types.NetworkInterfaceStatusInUse,
				Attachment: &ec2types.InstanceNetworkInterfaceAttachment{DeviceIndex: aws.Int32(int32(e)), Status: ec2types.AttachmentStatusAttached},
				Groups:     groups, InterfaceType: aws.String("interface")}
			if e == 0 {
				ni.PrivateIpAddress = aws.String(n.IP)
				ni.PrivateIpAddresses = []ec2types.InstancePrivateIpAddress{{PrivateIpAddress: aws.String(n.IP), Primary: aws.Bool(true)}}
			}
			// The kubelet gives pods 10.0.Z.20–249 in the zone's subnet,
			// then 10.0.Z+8.*, … (kubelet.PodAddressBlocks blocks): /28 prefixes .16 to
			// .240 of every block hold them, the blocks dealt round the
			// interfaces.
			for b := e; b < kubelet.PodAddressBlocks; b += enisPerNode {
				third := i + 1 + 8*b
				if third > 250 {
					break
				}
				for p := 16; p < 256; p += 16 {
					ni.Ipv4Prefixes = append(ni.Ipv4Prefixes, ec2types.InstanceIpv4Prefix{Ipv4Prefix: aws.String(fmt.Sprintf("10.0.%d.%d/28", third, p))})
				}
			}
			in.NetworkInterfaces = append(in.NetworkInterfaces, ni)
		}
		if err := state.PutInstance(in); err != nil {
			return err
		}
	}
	return state.PutHostedZone(route53types.HostedZone{Id: aws.String(HostedZoneID), Name: aws.String("example.com."),
		Config: &route53types.HostedZoneConfig{Comment: aws.String("the scenarios' hosts")}, ResourceRecordSetCount: aws.Int64(2)})
}
