package plan

import (
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
