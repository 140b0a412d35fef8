package sandbox

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/lbctl/sandbox/kubelet"
)

// TestNodeInterfacesHoldEveryPodAddress: every address the kubelet can give
// a pod lies in a prefix of its node's interfaces, read back through the
// SDK, so plan's security-group check finds each pod's interface however
// long the sandbox has churned.
func TestNodeInterfacesHoldEveryPodAddress(t *testing.T) {
	state := awsendpoint.NewState()
	nodes := kubelet.DefaultNodes()
	subnets := map[string]string{}
	var ids []string
	for _, n := range nodes {
		subnets[n.Zone] = "subnet-" + n.Zone
		ids = append(ids, n.InstanceID)
	}
	if err := putNetwork(state, "vpc-1", subnets, nodes); err != nil {
		t.Fatal(err)
	}
	srv, err := awsendpoint.Start("", awsendpoint.NewHandler(state, awsendpoint.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg := aws.Config{Region: Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
	rd := &awsapi.Reader{ELB: elbv2.NewFromConfig(cfg, func(o *elbv2.Options) { o.BaseEndpoint = aws.String(srv.URL) }),
		EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(srv.URL) }), Network: true, InstanceIDs: ids}
	st, err := rd.Read(context.Background())
	if err != nil || !st.NetworkRead {
		t.Fatalf("read: %v, problems %v", err, st.Problems)
	}
	for zi, n := range nodes {
		for b := range kubelet.PodAddressBlocks {
			for _, last := range []int{20, 249} {
				ip := fmt.Sprintf("10.0.%d.%d", zi+1+8*b, last)
				if _, ok := st.ENIHolding(n.InstanceID, ip); !ok {
					t.Fatalf("%s on %s is on no interface", ip, n.Name)
				}
			}
		}
	}
	if len(st.SecurityGroups) != 2 || st.SecurityGroup(ClusterSecurityGroupID).Tags["kubernetes.io/cluster/"+ClusterName] != "owned" {
		t.Errorf("security groups = %+v", st.SecurityGroups)
	}
}
