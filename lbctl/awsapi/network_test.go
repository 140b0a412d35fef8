package awsapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	route53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
)

// putNodes adds two nodes' instances: the first holds pods as secondary
// addresses on its second interface, the second as a /28 prefix; and two
// security groups, the first tagged for cluster prod.
func putNodes(t *testing.T, w *world) {
	t.Helper()
	st := w.h.State()
	vpc := "vpc-1"
	for i, sg := range []string{"sg-cluster", "sg-node"} {
		g := ec2types.SecurityGroup{GroupId: aws.String(sg), GroupName: aws.String(strings.TrimPrefix(sg, "sg-") + "-group"), VpcId: aws.String(vpc),
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8090),
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String("sg-alb")}}, IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}}
		if i == 0 {
			g.Tags = []ec2types.Tag{{Key: aws.String("kubernetes.io/cluster/prod"), Value: aws.String("owned")}}
		}
		must(t, st.PutSecurityGroup(g))
	}
	must(t, st.PutSecurityGroup(ec2types.SecurityGroup{GroupId: aws.String("sg-elsewhere"), GroupName: aws.String("other-vpc"), VpcId: aws.String("vpc-2")}))
	groups := []ec2types.GroupIdentifier{{GroupId: aws.String("sg-cluster")}, {GroupId: aws.String("sg-node")}}
	for i := range 2 {
		in := ec2types.Instance{InstanceId: aws.String(fmt.Sprintf("i-%d", i)), VpcId: aws.String(vpc), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-west-2a")}}
		primary := ec2types.InstanceNetworkInterface{NetworkInterfaceId: aws.String(fmt.Sprintf("eni-%d0", i)), Groups: groups,
			Attachment:         &ec2types.InstanceNetworkInterfaceAttachment{DeviceIndex: aws.Int32(0)},
			PrivateIpAddresses: []ec2types.InstancePrivateIpAddress{{PrivateIpAddress: aws.String(fmt.Sprintf("10.0.%d.10", i)), Primary: aws.Bool(true)}}}
		second := ec2types.InstanceNetworkInterface{NetworkInterfaceId: aws.String(fmt.Sprintf("eni-%d1", i)), Groups: groups[1:],
			Attachment: &ec2types.InstanceNetworkInterfaceAttachment{DeviceIndex: aws.Int32(1)}}
		if i == 0 {
			second.PrivateIpAddresses = []ec2types.InstancePrivateIpAddress{{PrivateIpAddress: aws.String("10.0.0.21")}, {PrivateIpAddress: aws.String("10.0.0.22")}}
		} else {
			second.Ipv4Prefixes = []ec2types.InstanceIpv4Prefix{{Ipv4Prefix: aws.String("10.0.1.32/28")}}
		}
		// Listed second first: the reader orders interfaces by device index.
		in.NetworkInterfaces = []ec2types.InstanceNetworkInterface{second, primary}
		must(t, st.PutInstance(in))
	}
	for _, z := range []route53types.HostedZone{
		{Id: aws.String("Z1"), Name: aws.String("example.com")},
		{Id: aws.String("Z2"), Name: aws.String("shop.example.com"), Config: &route53types.HostedZoneConfig{PrivateZone: true}},
		{Id: aws.String("Z3"), Name: aws.String("shop.example.com")},
		{Id: aws.String("Z4"), Name: aws.String("internal.example.com"), Config: &route53types.HostedZoneConfig{PrivateZone: true}},
	} {
		must(t, st.PutHostedZone(z))
	}
}

func route53Client(w *world) *route53.Client {
	return route53.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")},
		func(o *route53.Options) { o.BaseEndpoint = aws.String(w.url) })
}

// TestReadNetworkAndZones reads the nodes' instances, their VPC's security
// groups and the hosted zones through the SDK, and finds a pod's interface
// by address and by prefix as the controller does.
func TestReadNetworkAndZones(t *testing.T) {
	w := newWorld(t, 1)
	putNodes(t, w)
	st, err := (&awsapi.Reader{ELB: w.elb, EC2: w.ec2, Route53: route53Client(w), Network: true, InstanceIDs: []string{"i-1", "i-0", "i-1"}, Keep: prodOnly}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) != 0 || !st.NetworkRead || !st.HostedZonesRead {
		t.Fatalf("problems %v, network read %v, zones read %v", st.Problems, st.NetworkRead, st.HostedZonesRead)
	}
	if len(st.Instances) != 2 || st.Instances[0].ID != "i-0" || st.Instances[0].ENIs[0].ID != "eni-00" || st.Instances[0].Zone != "us-west-2a" {
		t.Fatalf("instances = %+v", st.Instances)
	}
	// The ALB's VPC (from newWorld) and the instances' VPC; not vpc-2.
	var sgs []string
	for _, g := range st.SecurityGroups {
		sgs = append(sgs, g.ID)
	}
	if fmt.Sprint(sgs) != "[sg-cluster sg-node]" {
		t.Errorf("security groups = %v", sgs)
	}
	if g := st.SecurityGroup("cluster-group"); g == nil || g.Tags["kubernetes.io/cluster/prod"] != "owned" || len(g.Ingress) != 1 ||
		!g.Ingress[0].Allows("sg-alb", 8080) || g.Ingress[0].Allows("sg-alb", 9000) || g.Ingress[0].Allows("sg-other", 8080) || g.Ingress[0].CIDRs[0] != "10.0.0.0/16" {
		t.Errorf("sg-cluster by name = %+v", g)
	}
	for _, tc := range []struct{ instance, ip, eni string }{
		{"i-0", "10.0.0.10", "eni-00"}, {"i-0", "10.0.0.22", "eni-01"}, {"i-1", "10.0.1.47", "eni-11"}, {"i-1", "10.0.1.48", ""}, {"i-0", "10.0.1.40", ""},
	} {
		got := ""
		if e, ok := st.ENIHolding(tc.instance, tc.ip); ok {
			got = e.ID
		}
		if got != tc.eni {
			t.Errorf("%s %s on interface %q, want %q", tc.instance, tc.ip, got, tc.eni)
		}
	}
	for _, tc := range []struct {
		host   string
		public bool
		zone   string
	}{
		{"www.example.com", true, "Z1"}, {"a.shop.example.com", true, "Z3"}, {"shop.example.com", false, "Z3"},
		{"api.internal.example.com", true, "Z1"}, {"api.internal.example.com", false, "Z4"}, {"example.org", false, ""},
	} {
		z, ok := st.ZoneFor(tc.host, tc.public)
		got := ""
		if ok {
			got = z.ID
		}
		if got != tc.zone {
			t.Errorf("zone for %s (public %v) = %q, want %q", tc.host, tc.public, got, tc.zone)
		}
	}
}

// TestReadNetworkDenied: refused EC2 or Route53 reads are problems, and the
// state says the network and the zones were not read.
func TestReadNetworkDenied(t *testing.T) {
	w := newWorld(t, 1)
	putNodes(t, w)
	w.h.Faults().Set("DescribeInstances", awsendpoint.Fault{AccessDenied: true})
	w.h.Faults().Set("ListHostedZones", awsendpoint.Fault{AccessDenied: true})
	st, err := (&awsapi.Reader{ELB: w.elb, EC2: w.ec2, Route53: route53Client(w), Network: true, InstanceIDs: []string{"i-0"}, Keep: prodOnly}).Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range st.Problems {
		got[p.Action] = p.Code
	}
	if got["DescribeInstances"] != "UnauthorizedOperation" || got["ListHostedZones"] != "AccessDenied" || st.NetworkRead || st.HostedZonesRead {
		t.Errorf("problems %v, network read %v, zones read %v", got, st.NetworkRead, st.HostedZonesRead)
	}
}

// TestReadBranchENIs reads the branch interfaces pods' annotations name by
// ID (DescribeNetworkInterfaces), with their security groups; refused, the
// state says they were not read.
func TestReadBranchENIs(t *testing.T) {
	w := newWorld(t, 1)
	putNodes(t, w)
	must(t, w.h.State().PutNetworkInterface(ec2types.NetworkInterface{NetworkInterfaceId: aws.String("eni-branch"), VpcId: aws.String("vpc-1"),
		InterfaceType: ec2types.NetworkInterfaceTypeBranch, PrivateIpAddress: aws.String("10.0.3.7"),
		PrivateIpAddresses: []ec2types.NetworkInterfacePrivateIpAddress{{PrivateIpAddress: aws.String("10.0.3.7"), Primary: aws.Bool(true)}},
		Groups:             []ec2types.GroupIdentifier{{GroupId: aws.String("sg-cluster")}}}))
	must(t, w.h.State().PutNetworkInterface(ec2types.NetworkInterface{NetworkInterfaceId: aws.String("eni-unasked"), VpcId: aws.String("vpc-1")}))
	rd := &awsapi.Reader{ELB: w.elb, EC2: w.ec2, Network: true, InstanceIDs: []string{"i-0"}, BranchENIIDs: []string{"eni-branch", "eni-branch"}, Keep: prodOnly}
	st, err := rd.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []awsapi.ENI{{ID: "eni-branch", PrivateIPs: []string{"10.0.3.7"}, SecurityGroups: []string{"sg-cluster"}}}
	if len(st.Problems) != 0 || !st.BranchENIsRead || fmt.Sprint(st.BranchENIs) != fmt.Sprint(want) || st.Calls["DescribeNetworkInterfaces"] != 1 {
		t.Fatalf("problems %v, read %v, branch interfaces %+v, calls %v", st.Problems, st.BranchENIsRead, st.BranchENIs, st.Calls)
	}
	if e, ok := st.BranchENI("eni-branch"); !ok || e.SecurityGroups[0] != "sg-cluster" {
		t.Errorf("BranchENI = %+v, %v", e, ok)
	}

	w.h.Faults().Set("DescribeNetworkInterfaces", awsendpoint.Fault{AccessDenied: true})
	if st, err = rd.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.BranchENIsRead || len(st.BranchENIs) != 0 || len(st.Problems) != 1 || st.Problems[0].Action != "DescribeNetworkInterfaces" {
		t.Errorf("refused: read %v, interfaces %+v, problems %v", st.BranchENIsRead, st.BranchENIs, st.Problems)
	}

	rd.BranchENIIDs = nil
	w.h.Faults().Set("DescribeNetworkInterfaces", awsendpoint.Fault{})
	if st, err = rd.Read(context.Background()); err != nil || st.Calls["DescribeNetworkInterfaces"] != 0 {
		t.Errorf("no branch interface to read: calls %v, %v", st.Calls, err)
	}
}
