package cmd

import (
	"net"
	"strings"
	"testing"

	"github.com/lbctl/lbctl/lbctl/preflight"
)

// silentEndpoint accepts connections and never answers, as a blackholed
// or wedged AWS endpoint behind a proxy does.
func silentEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { l.Close() })
	return "http://" + l.Addr().String()
}

// TestAWSThatDoesNotAnswer: an AWS endpoint that never answers does not
// hang a scan of manifests (the read is dropped with one note naming the
// endpoint), and doctor blames AWS, not the API server, without trying each
// IAM action against it.
func TestAWSThatDoesNotAnswer(t *testing.T) {
	isolateAWS(t)
	endpoint := silentEndpoint(t)
	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	t.Setenv("AWS_REGION", "us-west-2")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	code, _, stderr := runCmd(t, "scan", "-f", "../migrate/scan/testdata/estate")
	if code != 0 || !strings.Contains(stderr, "note: AWS not read: AWS endpoint "+endpoint+" did not answer") {
		t.Errorf("scan: exit %d, stderr:\n%s", code, stderr)
	}

	_, rep, _ := doctorJSON(t, "--kubeconfig", "/nonexistent")
	checks := byCheck(rep)
	id := checks["aws/identity"]
	if id.Status != preflight.DoctorFail || !strings.Contains(id.Message, "AWS STS") || strings.Contains(id.Message, "API server") {
		t.Errorf("aws/identity: %s %q, want a failure naming AWS STS", id.Status, id.Message)
	}
	if c := checks["iam"]; c.Status != preflight.DoctorNotChecked || !strings.Contains(c.Message, "AWS did not answer") {
		t.Errorf("iam: %s %q, want not checked because AWS did not answer", c.Status, c.Message)
	}
}
