package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/sandbox/awsendpoint"
	"github.com/lbctl/lbctl/migrate/plan"
)

const planScenario = "../lbctl/sandbox/scenarios/default.yaml"

func TestPlanUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad output", []string{"-o", "csv"}, "csv"},
		{"bad group-by", []string{"--group-by", "team"}, "team"},
		{"empty label", []string{"--group-by", "label="}, "label"},
		{"bad limits", []string{"--limits", "rules=lots"}, "rules=lots"},
		{"unknown limit", []string{"--limits", "widgets=3"}, "widgets"},
		{"bad steps", []string{"--steps", "50,10"}, "--steps"},
		{"bad dns", []string{"--dns", "bind"}, "bind"},
		{"bad price", []string{"--price-per-hour", "-1"}, "price"},
		{"unknown flag", []string{"--frob"}, "unknown flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"plan", "--no-aws", "-f", planScenario}, tc.args...)
			code, _, stderr := runCmd(t, args...)
			if code != exitcode.Usage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitcode.Usage, stderr)
			}
			assertOneLine(t, stderr, tc.want)
		})
	}
}

// --out-format patches writes overlays against files: it needs --out-dir,
// manifests read from files (not the cluster, stdin or a URL), and a plan
// directory outside the -f directories. All are refused before anything is
// read.
func TestPlanOutFormatUsageErrors(t *testing.T) {
	inside := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown format", []string{"-f", planScenario, "--out-dir", t.TempDir(), "--out-format", "diff"}, "--out-format \"diff\""},
		{"no out-dir", []string{"-f", planScenario, "--out-format", "patches"}, "--out-dir"},
		{"cluster", []string{"--out-dir", t.TempDir(), "--out-format", "patches"}, "-f FILE|DIR or -k DIR"},
		{"stdin", []string{"-f", "-", "--out-dir", t.TempDir(), "--out-format", "patches"}, "-f - is not one"},
		{"url", []string{"-f", "https://example.com/app.yaml", "--out-dir", t.TempDir(), "--out-format", "patches"}, "is not one"},
		{"inside the input", []string{"-f", inside, "--out-dir", filepath.Join(inside, "migration"), "--out-format", "patches"}, "is inside -f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, append([]string{"plan", "--no-aws"}, tc.args...)...)
			if code != exitcode.Usage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitcode.Usage, stderr)
			}
			assertOneLine(t, stderr, tc.want)
		})
	}
}

// With --out-format patches the plan directory holds the same files as with
// objects, and beside each step's manifest an overlay whose kustomization
// names the input relative to itself.
func TestPlanOutDirPatches(t *testing.T) {
	base := t.TempDir()
	objects, patches := filepath.Join(base, "objects"), filepath.Join(base, "patches")
	if code, _, stderr := runCmd(t, "plan", "--no-aws", "-f", planScenario, "--out-dir", objects); code != 0 {
		t.Fatalf("objects: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "plan", "--no-aws", "-f", planScenario, "--out-dir", patches, "--out-format", "patches"); code != 0 {
		t.Fatalf("patches: exit %d: %s", code, stderr)
	}
	d, err := plan.ReadDir(patches)
	if err != nil {
		t.Fatal(err)
	}
	input, _ := filepath.Abs(planScenario)
	overlays := 0
	for _, ph := range d.Plan.Phases {
		for _, st := range ph.Steps {
			if st.Manifest == "" {
				continue
			}
			want, _ := os.ReadFile(filepath.Join(objects, st.Manifest))
			if string(d.Files[st.Manifest]) != string(want) {
				t.Errorf("%s differs from the objects format's", st.Manifest)
			}
			dir := filepath.Join(patches, strings.TrimSuffix(st.Manifest, ".yaml"))
			b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
			if err != nil {
				t.Errorf("no overlay beside %s: %v", st.Manifest, err)
				continue
			}
			var k struct{ Resources []string }
			if err := yaml.Unmarshal(b, &k); err != nil || len(k.Resources) == 0 {
				t.Fatalf("%s/kustomization.yaml: %v\n%s", dir, err, b)
			}
			if got := filepath.Join(dir, filepath.FromSlash(k.Resources[0])); got != input {
				t.Errorf("%s names the input as %s, which is %s, not %s", dir, k.Resources[0], got, input)
			}
			overlays++
		}
	}
	if overlays == 0 {
		t.Error("no overlay written")
	}
}

func TestPlanJSON(t *testing.T) {
	code, out, stderr := runCmd(t, "plan", "--no-aws", "--cluster-name", "sandbox", "-f", planScenario, "-o", "json", "--limits", "rules=50")
	if code != exitcode.OK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var p struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Settings   struct {
			Limits struct {
				RulesPerALB int `json:"rulesPerALB"`
			} `json:"limits"`
		} `json:"settings"`
		Groups []struct {
			Name    string `json:"name"`
			Scheme  string `json:"scheme"`
			Members []struct {
				Namespace string `json:"namespace"`
				Name      string `json:"name"`
			} `json:"members"`
			Rules        int `json:"rules"`
			TargetGroups int `json:"targetGroups"`
			Certificates int `json:"certificates"`
		} `json:"groups"`
		Phases []struct {
			Name  string `json:"name"`
			Steps []struct {
				Action  string            `json:"action"`
				Objects []json.RawMessage `json:"objects"`
				WaitFor string            `json:"waitFor"`
				Undo    string            `json:"undo"`
			} `json:"steps"`
		} `json:"phases"`
		Replacements []json.RawMessage `json:"replacements"`
		Findings     []json.RawMessage `json:"findings"`
		Estimates    map[string]any    `json:"estimates"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if p.APIVersion != plan.APIVersion || p.Kind != plan.Kind || len(p.Groups) != 3 || len(p.Phases) != 7 || len(p.Replacements) == 0 || p.Estimates["albsAfter"] != 3.0 {
		t.Errorf("plan = %+v", p)
	}
	if p.Settings.Limits.RulesPerALB != 50 {
		t.Errorf("--limits rules=50 not applied: %+v", p.Settings)
	}
}

func TestPlanYAMLAndTable(t *testing.T) {
	code, out, _ := runCmd(t, "plan", "--no-aws", "-f", planScenario, "-o", "yaml")
	var m map[string]any
	if code != 0 || yaml.Unmarshal([]byte(out), &m) != nil || m["kind"] != plan.Kind {
		t.Errorf("yaml: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "plan", "--no-aws", "-f", planScenario)
	for _, want := range []string{"GROUP", "team-b-internal", "PHASE 5 SHIFT-TRAFFIC", "REPLACEMENTS", "ESTIMATES (rough)"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("table lacks %q (exit %d):\n%s", want, code, out)
		}
	}
}

// TestPlanBlockedExitsOne: an error finding blocks part of the migration,
// the rest is still planned and printed, and the exit code is 1.
func TestPlanBlockedExitsOne(t *testing.T) {
	code, out, stderr := runCmd(t, "plan", "--no-aws", "--cluster-name", "prod", "-f", "../migrate/scan/testdata/estate", "-o", "json")
	if code != exitcode.CheckFailed {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	assertOneLine(t, stderr, "block part of the migration")
	var p struct {
		Groups []json.RawMessage `json:"groups"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.Groups) == 0 {
		t.Errorf("the rest is planned: %v %d groups", err, len(p.Groups))
	}
}

func TestPlanOutDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "migration")
	code, _, stderr := runCmd(t, "plan", "--no-aws", "-f", planScenario, "--out-dir", dir, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"plan.json", "02-create/01-namespaces.yaml", "06-cleanup/04-services-clusterip.yaml", "backup/ingresses.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	// A second run replaces the files the first wrote and keeps, saying so,
	// one it did not write.
	stale := filepath.Join(dir, "05-shift-traffic", "99-mine.yaml")
	os.WriteFile(stale, []byte("x"), 0o644)
	code, _, stderr = runCmd(t, "plan", "--no-aws", "-f", planScenario, "--out-dir", dir, "--steps", "100")
	if code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(stale); err != nil || string(b) != "x" {
		t.Errorf("a file lbctl did not write was touched: %q %v", b, err)
	}
	if !strings.Contains(stderr, "note: kept 1 file lbctl did not write: 05-shift-traffic/99-mine.yaml\n") {
		t.Errorf("stderr does not say what was kept:\n%s", stderr)
	}
	var wrote int
	if _, err := fmt.Sscanf(stderr, "wrote %d files", &wrote); err != nil {
		t.Fatalf("stderr does not start with the count written: %v\n%s", err, stderr)
	}
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if n != wrote+1 {
		t.Errorf("%d files in the directory, want the %d written and the one kept: the first plan's extra manifests stayed", n, wrote)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("temporary directories left behind: %v", entries)
	}
	// A directory that is not a plan is never replaced.
	other := t.TempDir()
	keep := filepath.Join(other, "notes.txt")
	os.WriteFile(keep, []byte("mine"), 0o644)
	code, _, stderr = runCmd(t, "plan", "--no-aws", "-f", planScenario, "--out-dir", other)
	if code != exitcode.Usage {
		t.Fatalf("exit %d, want 2: %s", code, stderr)
	}
	assertOneLine(t, stderr, "not empty")
	if b, _ := os.ReadFile(keep); string(b) != "mine" {
		t.Error("the directory was touched")
	}
}

// TestPlanLivePreflight: planned against a cluster, the preflight checks use
// what doctor reads (the controller's Deployment and webhook, an access
// review of migrate's verbs) instead of leaving them not-checked; a user
// granted only plan's reads gets the verbs the phases lack, by name.
func TestPlanLivePreflight(t *testing.T) {
	sb, kubeconfig := startWorld(t)
	checks := func(kubeconfig string, extra ...string) (int, map[string]plan.Check, string) {
		code, out, stderr := runCmd(t, append([]string{"--kubeconfig", kubeconfig, "plan", "-A", "-o", "json"}, extra...)...)
		var p plan.Plan
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("plan -o json: %v\n%s\n%s", err, out, stderr)
		}
		got := map[string]plan.Check{}
		for _, st := range p.Phases[0].Steps {
			if st.Check != nil {
				got[st.Check.Name] = *st.Check
			}
		}
		return code, got, stderr
	}
	_, got, stderr := checks(kubeconfig)
	for name, says := range map[string]string{
		"controller":               "kube-system/aws-load-balancer-controller is v",
		"readiness-gate webhook":   "aws-load-balancer-webhook present",
		"RBAC and IAM permissions": "RBAC allows every verb the phases use in all namespaces",
		// Read through EC2 DescribeInstances and DescribeSecurityGroups: the
		// sandbox's nodes hold their pods in /28 prefixes.
		"security groups": "12 pod(s) on 3 network interface(s): each resolves to one security group the controller opens to the ALB (" + sandbox.ClusterSecurityGroupID + ")",
	} {
		if c := got[name]; c.Status != plan.CheckPass || !strings.Contains(c.Message, says) {
			t.Errorf("%s = %+v, want pass saying %q (stderr %s)", name, c, says, stderr)
		}
	}

	// IAM: the caller's and the controller's IRSA role's policies are
	// simulated; a denied action fails the check, naming it.
	if c := got["RBAC and IAM permissions"]; !strings.Contains(c.Message, "IAM allows ") || !strings.Contains(c.Message, sb.ControllerRoleARN+" (the controller) all ") {
		t.Errorf("IAM not simulated: %+v", c)
	}
	sb.AWS.State().DenyActions(sb.ControllerRoleARN, "ec2:DescribeNetworkInterfaces")
	code, got, stderr := checks(kubeconfig)
	if c := got["RBAC and IAM permissions"]; code != exitcode.CheckFailed || c.Status != plan.CheckFail || !strings.Contains(c.Message, "IAM denies "+sb.ControllerRoleARN+" (the controller) 1 of the") || !strings.Contains(c.Message, "ec2:DescribeNetworkInterfaces") {
		t.Errorf("controller role denied: exit %d, check %+v (stderr %s)", code, c, stderr)
	}
	sb.AWS.State().AllowActions(sb.ControllerRoleARN, "ec2:DescribeNetworkInterfaces")

	// --dns route53 finds the hosts' zone (Route53 ListHostedZones).
	_, got, stderr = checks(kubeconfig, "--dns", "route53")
	if c := got["DNS ownership"]; c.Status != plan.CheckPass || !strings.Contains(c.Message, "in Route53 zone(s) example.com ("+sandbox.HostedZoneID+")") {
		t.Errorf("--dns route53: DNS check %+v (stderr %s)", c, stderr)
	}
	// The node security group tagged for the cluster too: the controller
	// could not pick one, and the plan fails the check naming them.
	st := sb.AWS.State()
	nodeSG, ok := st.SecurityGroupByID(sandbox.NodeSecurityGroupID)
	if !ok {
		t.Fatal("no node security group")
	}
	nodeSG.Tags = append(nodeSG.Tags, ec2types.Tag{Key: aws.String("kubernetes.io/cluster/" + sandbox.ClusterName), Value: aws.String("shared")})
	if err := st.PutSecurityGroup(nodeSG); err != nil {
		t.Fatal(err)
	}
	code, got, stderr = checks(kubeconfig)
	if c := got["security groups"]; code != exitcode.CheckFailed || c.Status != plan.CheckFail || !strings.Contains(c.Message, "of which 2 carry kubernetes.io/cluster/"+sandbox.ClusterName) {
		t.Errorf("two tagged groups: exit %d, check %+v (stderr %s)", code, c, stderr)
	}
	nodeSG.Tags = nodeSG.Tags[:len(nodeSG.Tags)-1]
	if err := st.PutSecurityGroup(nodeSG); err != nil {
		t.Fatal(err)
	}
	// Refused reads leave the checks not-checked, saying what they need.
	sb.AWS.Faults().Set("DescribeInstances", awsendpoint.Fault{AccessDenied: true})
	sb.AWS.Faults().Set("ListHostedZones", awsendpoint.Fault{AccessDenied: true})
	_, got, _ = checks(kubeconfig, "--dns", "route53")
	if c := got["security groups"]; c.Status != plan.CheckNotChecked || !strings.Contains(c.Needs, "DescribeInstances") {
		t.Errorf("DescribeInstances refused: %+v", c)
	}
	if c := got["DNS ownership"]; c.Status != plan.CheckNotChecked || !strings.Contains(c.Needs, "ListHostedZones") {
		t.Errorf("ListHostedZones refused: %+v", c)
	}
	sb.AWS.Faults().Reset()

	kc, err := sb.AddUser("plan-only")
	if err != nil {
		t.Fatal(err)
	}
	userKubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(userKubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	grantRBAC(t, sb.Config, "plan-only", "plan")
	code, got, stderr = checks(userKubeconfig)
	c := got["RBAC and IAM permissions"]
	if code != exitcode.CheckFailed || c.Status != plan.CheckFail || !strings.Contains(c.Message, "create ingresses.networking.k8s.io") || !strings.Contains(c.Message, "kubectl lbctl rbac --for migrate") {
		t.Errorf("plan-only user: exit %d, RBAC check %+v\n%s", code, c, stderr)
	}
	if c := got["controller"]; c.Status != plan.CheckPass {
		t.Errorf("plan-only user: rbac --for plan grants the controller read: %+v", c)
	}

	// Migrate's role bound in team-a alone: the namespace's verbs are
	// allowed, the journal's in kube-system are not, and the check says so.
	kc, err = sb.AddUser("team-a-migrator")
	if err != nil {
		t.Fatal(err)
	}
	nsKubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(nsKubeconfig, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	grantRBAC(t, sb.Config, "team-a-migrator", "plan")
	bindInNamespace(t, sb.Config, "team-a-migrator", "migrate", "team-a")
	code, out, stderr := runCmd(t, "--kubeconfig", nsKubeconfig, "plan", "-n", "team-a", "-o", "json")
	var p plan.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan -n team-a: %v\n%s", err, stderr)
	}
	var rbac *plan.Check
	for _, st := range p.Phases[0].Steps {
		if st.Check != nil && st.Check.Name == "RBAC and IAM permissions" {
			rbac = st.Check
		}
	}
	if code != exitcode.CheckFailed || rbac == nil || rbac.Status != plan.CheckFail ||
		!strings.Contains(rbac.Message, "create configmaps -n kube-system") || !strings.Contains(rbac.Message, "create leases.coordination.k8s.io -n kube-system") ||
		strings.Contains(rbac.Message, "ingresses") {
		t.Errorf("migrate role bound in team-a only: exit %d, RBAC check %+v\n%s", code, rbac, stderr)
	}
}
