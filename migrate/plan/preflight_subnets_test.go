package plan

import (
	"fmt"
	"testing"

	"github.com/lbctl/lbctl/lbctl/awsapi"
)

func TestSubnetsFor(t *testing.T) {
	pub := map[string]string{tagRolePublic: "1"}
	subnets := []awsapi.Subnet{
		{ID: "a", Zone: "z1", AvailableIPs: 100, Tags: pub},
		{ID: "b", Zone: "z2", AvailableIPs: 5, Tags: pub},
		{ID: "c", Zone: "z3", AvailableIPs: 100, Tags: pub},
		{ID: "d", Zone: "z1", AvailableIPs: 100, Tags: map[string]string{tagRoleInternal: "1"}},
	}
	if s, _ := subnetsFor(subnets, "internet-facing"); s != CheckWarn {
		t.Errorf("two good zones and a small subnet: %s", s)
	}
	if s, _ := subnetsFor(subnets, "internal"); s != CheckFail {
		t.Errorf("one internal zone: %s", s)
	}
	if s, _ := subnetsFor(subnets[:1], "internet-facing"); s != CheckFail {
		t.Errorf("one zone: %s", s)
	}
}

func TestPreflightSubnets(t *testing.T) {
	p := Build(topoYAML(t, oneApp()), Options{})
	if c := preflightResult(t, p, "subnet free IPs"); c.Status != CheckNotChecked {
		t.Errorf("without AWS: %+v", c)
	}
	// The scan estate: subnet-…b02 has 5 free addresses.
	p = Build(topoFiles(t, "../scan/testdata/estate-aws.json", "../scan/testdata/estate"), Options{})
	if c := preflightResult(t, p, "subnet free IPs"); c.Status != CheckWarn {
		t.Errorf("estate: %+v", c)
	}
}

// TestPreflightSubnetsSurge: the pods moved to ip targets already hold
// their addresses; what the check counts is the restart's surge pods
// (web's 2 replicas at the default 25% maxSurge: 1) against the free
// addresses, and under prefix delegation whether a /28 still fits.
func TestPreflightSubnetsSurge(t *testing.T) {
	pub := map[string]string{tagRolePublic: "1"}
	subnets := func(free ...int32) []awsapi.Subnet {
		var out []awsapi.Subnet
		for i, n := range free {
			out = append(out, awsapi.Subnet{ID: fmt.Sprintf("subnet-%d", i), Zone: fmt.Sprintf("z%d", i), AvailableIPs: n, Tags: pub})
		}
		return out
	}
	withPrefixes := func(st *awsapi.State) *awsapi.State {
		st.Instances = []awsapi.Instance{{ID: "i-1", ENIs: []awsapi.ENI{{ID: "eni-b", Prefixes: []string{"10.0.1.32/28"}}}}}
		return st
	}
	for _, tc := range []struct {
		name    string
		st      *awsapi.State
		status  string
		says    []string
		notSays string
	}{
		{"room", &awsapi.State{Subnets: subnets(100, 100)}, CheckPass,
			[]string{"moving pods to ip targets takes no new address", "the restarts add at most 1 surge pod(s) at once (maxSurge, namespace a), against 200 free address(es)"}, "prefix delegation"},
		{"no room for the surge (nor for an ALB)", &awsapi.State{Subnets: subnets(0, 0)}, CheckFail, []string{"at most 1 surge pod(s)", "too few, surge pods would stay Pending"}, "ip mode registers"},
		{"prefix delegation, a /28 fits", withPrefixes(&awsapi.State{Subnets: subnets(100, 100)}), CheckPass, []string{"prefix delegation is on", "16 contiguous free addresses"}, "no /28 fits"},
		{"prefix delegation, no /28 fits", withPrefixes(&awsapi.State{Subnets: subnets(100, 12)}), CheckWarn, []string{"no /28 fits in subnet-1 (z1, 12 free)"}, "too few"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := preflightResult(t, Build(topoWith(t, oneApp(podsOnNode), tc.st), Options{}), "subnet free IPs")
			checkSays(t, c, tc.status, tc.says, tc.notSays)
		})
	}
}
