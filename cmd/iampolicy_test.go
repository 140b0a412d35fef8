package cmd

import (
	"encoding/json"
	"testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/permissions"
)

const iamScanGolden = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "LbctlACMRead",
      "Effect": "Allow",
      "Action": [
        "acm:DescribeCertificate",
        "acm:ListCertificates"
      ],
      "Resource": "*"
    },
    {
      "Sid": "LbctlEC2Read",
      "Effect": "Allow",
      "Action": [
        "ec2:DescribeSubnets"
      ],
      "Resource": "*"
    },
    {
      "Sid": "LbctlELBv2Read",
      "Effect": "Allow",
      "Action": [
        "elasticloadbalancing:DescribeAccountLimits",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth"
      ],
      "Resource": "*"
    }
  ]
}
`

func TestIAMPolicyScanGolden(t *testing.T) {
	code, out, errOut := runCmd(t, "iam-policy", "--for", "scan")
	if code != exitcode.OK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != iamScanGolden {
		t.Errorf("iam-policy --for scan:\n%s\nwant:\n%s", out, iamScanGolden)
	}
}

// TestIAMPolicyMatchesRegistry: for every command (and all together), the
// printed policy allows exactly the registry's actions, read-only where the
// command only reads, Route53 only with --dns route53.
func TestIAMPolicyMatchesRegistry(t *testing.T) {
	cases := [][]string{{}}
	for _, c := range permissions.Commands() {
		cases = append(cases, []string{"--for", string(c)}, []string{"--for", string(c), "--dns", "route53"})
	}
	for _, args := range cases {
		code, out, errOut := runCmd(t, append([]string{"iam-policy"}, args...)...)
		if code != exitcode.OK {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var p permissions.IAMPolicy
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if p.Version != "2012-10-17" {
			t.Errorf("%v: Version %q", args, p.Version)
		}
		var cmds []permissions.Command
		dns := false
		for i := 0; i < len(args); i += 2 {
			switch args[i] {
			case "--for":
				cmds = append(cmds, permissions.Command(args[i+1]))
			case "--dns":
				dns = true
			}
		}
		var features []permissions.Feature
		if dns {
			features = append(features, permissions.FeatureRoute53)
		}
		want := map[string]bool{}
		for _, a := range permissions.AWSActions(cmds, features...) {
			want[a] = true
		}
		got := map[string]bool{}
		for _, s := range p.Statement {
			if s.Effect != "Allow" || s.Resource != "*" {
				t.Errorf("%v: statement %s: %s on %s", args, s.Sid, s.Effect, s.Resource)
			}
			for i, a := range s.Action {
				if i > 0 && s.Action[i-1] >= a {
					t.Errorf("%v: %s actions not sorted: %v", args, s.Sid, s.Action)
				}
				got[a] = true
				// plan reads the hosted zones; only --dns route53 changes them.
				if !dns && len(a) > 8 && a[:8] == "route53:" && !isRead(a) {
					t.Errorf("%v: route53 action %s without --dns route53", args, a)
				}
				if len(cmds) == 1 && (cmds[0] == permissions.Scan || cmds[0] == permissions.Health) {
					if !isRead(a) {
						t.Errorf("%v: %s is not read-only", args, a)
					}
				}
			}
		}
		if len(got) != len(want) {
			t.Errorf("%v: policy has %d actions, registry %d", args, len(got), len(want))
		}
		for a := range want {
			if !got[a] {
				t.Errorf("%v: policy lacks %s", args, a)
			}
		}
	}
}

// isRead reports whether an IAM action ("svc:Op") only reads.
func isRead(action string) bool {
	for i := range action {
		if action[i] == ':' {
			op := action[i+1:]
			for _, p := range []string{"Describe", "Get", "List"} {
				if len(op) >= len(p) && op[:len(p)] == p {
					return true
				}
			}
		}
	}
	return false
}

func TestIAMPolicyBadFor(t *testing.T) {
	code, out, errOut := runCmd(t, "iam-policy", "--for", "nope")
	if code != exitcode.Usage {
		t.Fatalf("exit %d, want %d", code, exitcode.Usage)
	}
	if out != "" {
		t.Errorf("stdout: %q", out)
	}
	assertOneLine(t, errOut, "--for", "nope", "scan")
	code, _, errOut = runCmd(t, "iam-policy", "--dns", "bind")
	if code != exitcode.Usage {
		t.Fatalf("--dns bind: exit %d", code)
	}
	assertOneLine(t, errOut, "--dns")
}
