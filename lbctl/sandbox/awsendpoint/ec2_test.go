package awsendpoint

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/google/go-cmp/cmp"
)

func filterOf(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

func TestDescribeSubnets(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	sn := f.subnets
	tests := []struct {
		name     string
		in       ec2.DescribeSubnetsInput
		want     []ec2types.Subnet
		wantCode string
	}{
		{name: "all", want: sn},
		{name: "by ids in insertion order", in: ec2.DescribeSubnetsInput{SubnetIds: []string{*sn[3].SubnetId, *sn[1].SubnetId}}, want: []ec2types.Subnet{sn[1], sn[3]}},
		{name: "vpc-id", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("vpc-id", f.vpcs[1])}}, want: []ec2types.Subnet{sn[1], sn[3], sn[5]}},
		{name: "subnet-id", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("subnet-id", *sn[6].SubnetId, "subnet-nope")}}, want: sn[6:7]},
		{name: "availability-zone and vpc-id", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
			filterOf("availability-zone", "us-west-2a", "us-west-2b"), filterOf("vpc-id", f.vpcs[0]),
		}}, want: []ec2types.Subnet{sn[0], sn[4], sn[6]}},
		{name: "tag", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("tag:kubernetes.io/role/internal-elb", "1")}}, want: []ec2types.Subnet{sn[1], sn[3], sn[5]}},
		{name: "tag wildcard", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("tag:Name", "*-2c")}}, want: []ec2types.Subnet{sn[2], sn[5]}},
		{name: "tag-key", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("tag-key", "kubernetes.io/role/elb")}}, want: []ec2types.Subnet{sn[0], sn[2], sn[4], sn[6]}},
		{name: "ids and filter", in: ec2.DescribeSubnetsInput{SubnetIds: []string{*sn[0].SubnetId, *sn[1].SubnetId}, Filters: []ec2types.Filter{filterOf("vpc-id", f.vpcs[1])}}, want: sn[1:2]},
		{name: "no match", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("vpc-id", "vpc-none")}}, want: []ec2types.Subnet{}},
		{name: "unknown id", in: ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0000000000000000a"}}, wantCode: "InvalidSubnetID.NotFound"},
		{name: "unknown filter", in: ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filterOf("colour", "blue")}}, wantCode: "InvalidParameterValue"},
		{name: "ids with max results", in: ec2.DescribeSubnetsInput{SubnetIds: []string{*sn[0].SubnetId}, MaxResults: aws.Int32(5)}, wantCode: "InvalidParameterCombination"},
		{name: "max results too small", in: ec2.DescribeSubnetsInput{MaxResults: aws.Int32(4)}, wantCode: "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.ec2.DescribeSubnets(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.Subnets, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescribeSubnetsPaginator(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	// The EC2 paginators overwrite the input's MaxResults with their Limit
	// option, so the page size must be given there.
	p := ec2.NewDescribeSubnetsPaginator(e.ec2, &ec2.DescribeSubnetsInput{}, func(o *ec2.DescribeSubnetsPaginatorOptions) { o.Limit = 5 })
	var got []ec2types.Subnet
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		must(t, err)
		pages++
		got = append(got, out.Subnets...)
	}
	if diff := cmp.Diff(f.subnets, got, allSDKTypes()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if pages != 2 {
		t.Errorf("pages = %d, want 2", pages)
	}
}

func TestDescribeSecurityGroups(t *testing.T) {
	e := newEnv(t, envConfig{})
	f := newFixture(t, e.state)
	sgs := f.sgs
	tests := []struct {
		name     string
		in       ec2.DescribeSecurityGroupsInput
		want     []ec2types.SecurityGroup
		wantCode string
	}{
		{name: "all", want: sgs},
		{name: "by ids", in: ec2.DescribeSecurityGroupsInput{GroupIds: []string{*sgs[2].GroupId, *sgs[0].GroupId}}, want: []ec2types.SecurityGroup{sgs[0], sgs[2]}},
		{name: "by names", in: ec2.DescribeSecurityGroupsInput{GroupNames: []string{"k8s-shared"}}, want: sgs[1:2]},
		{name: "vpc-id", in: ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{filterOf("vpc-id", f.vpcs[0])}}, want: []ec2types.SecurityGroup{sgs[0], sgs[2]}},
		{name: "group-id", in: ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{filterOf("group-id", *sgs[1].GroupId)}}, want: sgs[1:2]},
		{name: "tag", in: ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{filterOf("tag:elbv2.k8s.aws/cluster", "sandbox"), filterOf("group-name", "k8s-*")}}, want: sgs[:2]},
		{name: "paged", in: ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5)}, want: sgs},
		{name: "unknown id", in: ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-00000000000000000"}}, wantCode: "InvalidGroup.NotFound"},
		{name: "unknown name", in: ec2.DescribeSecurityGroupsInput{GroupNames: []string{"nope"}}, wantCode: "InvalidGroup.NotFound"},
		{name: "unknown filter", in: ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{filterOf("ip-permission.cidr", "0.0.0.0/0")}}, wantCode: "InvalidParameterValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.ec2.DescribeSecurityGroups(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.SecurityGroups, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"abc", "abc", true},
		{"abc", "abd", false},
		{"*", "", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbb", false},
		{"10.0.?.0/24", "10.0.3.0/24", true},
		{"*-2c", "subnet-us-west-2c", true},
		{"*a*b", "xaxxb", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// TestDescribeNetworkInterfaces answers a branch interface by ID and by
// filter through the SDK, with its addresses and security groups.
func TestDescribeNetworkInterfaces(t *testing.T) {
	e := newEnv(t, envConfig{})
	branch := ec2types.NetworkInterface{NetworkInterfaceId: aws.String("eni-branch1"), VpcId: aws.String("vpc-1"), SubnetId: aws.String("subnet-1"),
		InterfaceType: ec2types.NetworkInterfaceTypeBranch, PrivateIpAddress: aws.String("10.0.3.7"),
		PrivateIpAddresses: []ec2types.NetworkInterfacePrivateIpAddress{{PrivateIpAddress: aws.String("10.0.3.7"), Primary: aws.Bool(true)}},
		Groups:             []ec2types.GroupIdentifier{{GroupId: aws.String("sg-pod"), GroupName: aws.String("pod")}},
		TagSet:             []ec2types.Tag{{Key: aws.String("vpcresources.k8s.aws/trunk-eni-id"), Value: aws.String("eni-trunk")}}}
	other := ec2types.NetworkInterface{NetworkInterfaceId: aws.String("eni-branch2"), VpcId: aws.String("vpc-2")}
	for _, ni := range []ec2types.NetworkInterface{branch, other} {
		if err := e.state.PutNetworkInterface(ni); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name     string
		in       ec2.DescribeNetworkInterfacesInput
		want     []ec2types.NetworkInterface
		wantCode string
	}{
		{name: "by id", in: ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-branch1"}}, want: []ec2types.NetworkInterface{branch}},
		{name: "address filter", in: ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{filterOf("addresses.private-ip-address", "10.0.3.7")}}, want: []ec2types.NetworkInterface{branch}},
		{name: "vpc filter", in: ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{filterOf("vpc-id", "vpc-2")}}, want: []ec2types.NetworkInterface{other}},
		{name: "unknown id", in: ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-none"}}, wantCode: "InvalidNetworkInterfaceID.NotFound"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := e.ec2.DescribeNetworkInterfaces(t.Context(), &tt.in)
			assertCode(t, err, tt.wantCode)
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, out.NetworkInterfaces, allSDKTypes()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
