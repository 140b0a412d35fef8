package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/migrate/scan"
)

// noKubeconfig points the command at a kubeconfig that does not exist, so
// reading manifests cannot reach a cluster for their IngressClasses.
func noKubeconfig(t *testing.T) {
	t.Helper()
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	isolateAWS(t)
}

func scanReport(t *testing.T, stdin string, args ...string) (int, scan.Report, string) {
	t.Helper()
	streams, in, out, errOut := TestStreams()
	in.WriteString(stdin)
	code := Run(context.Background(), streams, NewFactory(), "kubectl lbctl", append([]string{"scan", "--no-aws", "-o", "json"}, args...))
	var rep scan.Report
	if code == 0 {
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("scan -o json: %v\n%s", err, out.String())
		}
	}
	return code, rep, errOut.String()
}

func codes(rep scan.Report) string {
	var c []string
	for _, f := range rep.Findings {
		c = append(c, string(f.Code))
	}
	return strings.Join(c, ",")
}

// The controller's published examples as a repository keeps them: class
// alb named, no IngressClass, one without a namespace.
func TestScanPublishedExamples(t *testing.T) {
	noKubeconfig(t)
	code, rep, stderr := scanReport(t, "", "-f", "../migrate/scan/testdata/published", "-n", "echo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := map[string]string{}
	for _, in := range rep.Ingresses {
		got[in.Namespace+"/"+in.Name] = in.TargetType
	}
	want := map[string]string{"echo/echoserver": "instance", "game-2048/game": "ip", "grpcserver/greeter": "ip"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: target type %q, want %q (read %v)", k, got[k], v, got)
		}
	}
	if !strings.Contains(codes(rep), string(scan.CodeClassAssumed)) {
		t.Errorf("no finding reports the assumed IngressClass: %s", codes(rep))
	}
}

func TestScanKustomizeAndHelm(t *testing.T) {
	noKubeconfig(t)
	code, rep, stderr := scanReport(t, "", "-k", "../lbctl/kube/testdata/kustomize/overlays/prod")
	if code != 0 {
		t.Fatalf("-k: exit %d: %s", code, stderr)
	}
	if len(rep.Ingresses) == 0 {
		t.Fatal("-k read no Ingress")
	}
	for _, in := range rep.Ingresses {
		if in.Namespace != "shop-prod" || !strings.HasPrefix(in.Name, "prod-") {
			t.Errorf("-k: Ingress %s/%s, want the overlay's namespace shop-prod and prefix prod-", in.Namespace, in.Name)
		}
	}

	helm, err := os.ReadFile("../lbctl/kube/testdata/helm/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, rep, stderr = scanReport(t, string(helm), "-f", "-")
	if code != 0 || len(rep.Ingresses) == 0 {
		t.Fatalf("helm template | scan -f -: exit %d, %d Ingresses: %s", code, len(rep.Ingresses), stderr)
	}

	if code, _, stderr := scanReport(t, "", "-k", "x", "-f", "y"); code != exitcode.Usage || !strings.Contains(stderr, "-f and --kustomize") {
		t.Errorf("-f with -k: exit %d: %s", code, stderr)
	}
	if code, _, stderr := scanReport(t, "", "--ingress-class", "alb=ingress.k8s.aws/alb"); code != exitcode.Usage || !strings.Contains(stderr, "--ingress-class") {
		t.Errorf("--ingress-class without manifests: exit %d: %s", code, stderr)
	}
}

// health judges AWS's target health: from manifests without AWS
// credentials or a region it must not pass over an empty snapshot.
func TestHealthFromFilesWithoutAWSFails(t *testing.T) {
	noKubeconfig(t)
	code, out, stderr := runCmd(t, "health", "-f", "../migrate/scan/testdata/published", "-n", "echo")
	if code == 0 || strings.Count(strings.TrimSpace(stderr), "\n") > 1 || !strings.Contains(stderr, "AWS") || out != "" {
		t.Errorf("health -f without AWS: exit %d, want non-zero with one line on AWS\nstdout: %s\nstderr: %s", code, out, stderr)
	}
}

// A negative or not-a-number --aws-rate is bad usage, refused before
// anything is read.
func TestAWSRateRefused(t *testing.T) {
	noKubeconfig(t)
	for _, rate := range []string{"-1", "NaN", "+Inf"} {
		code, _, stderr := runCmd(t, "scan", "-f", "../migrate/scan/testdata/published", "--aws-rate", rate)
		if code != exitcode.Usage || !strings.Contains(stderr, "--aws-rate") || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("--aws-rate %s: exit %d %q, want 2 naming the flag in one line", rate, code, stderr)
		}
	}
}
