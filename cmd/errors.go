package cmd

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/buildinfo"
	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// usageError is a bad-usage error (exit 2): msg says what was wrong and
// hint, when not empty, how to fix it.
func usageError(msg, hint string) error {
	return exitcode.New(exitcode.Usage, msg, hint, exitcode.ErrUsage)
}

// Explain maps an error to its exit code and the one line the user reads:
// what failed, and how to fix it. No stack traces, no wrapped noise.
func Explain(err error) (int, string) {
	if err == nil {
		return exitcode.OK, ""
	}
	var ue *exitcode.Error
	if errors.As(err, &ue) {
		return ue.Code, ue.Error()
	}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, exitcode.ErrInterrupted):
		return exitcode.Interrupted, "interrupted"
	case errors.Is(err, exitcode.ErrCheckFailed):
		return exitcode.CheckFailed, err.Error()
	case errors.Is(err, exitcode.ErrUsage):
		return exitcode.Usage, err.Error()
	case errors.Is(err, exitcode.ErrUnreachable):
		return exitcode.Unreachable, err.Error()
	}
	if code, msg, ok := explainKube(err); ok {
		return code, msg
	}
	if code, msg, ok := explainAWS(err); ok {
		return code, msg
	}
	if code, msg, ok := explainNet(err); ok {
		return code, msg
	}
	return exitcode.CheckFailed, err.Error()
}

func explainKube(err error) (int, string, bool) {
	switch {
	case clientcmd.IsEmptyConfig(err):
		return exitcode.Usage, "no kubeconfig found; set --kubeconfig or KUBECONFIG, or run `" + buildinfo.Command() + " sandbox up` for a local cluster", true
	case clientcmd.IsConfigurationInvalid(err):
		return exitcode.Usage, "invalid kubeconfig: " + oneLine(err) + "; check --kubeconfig and --context (kubectl config get-contexts)", true
	case strings.Contains(err.Error(), "error loading config file"):
		return exitcode.Usage, "cannot read kubeconfig: " + oneLine(err) + "; fix the file or point --kubeconfig at another", true
	case apierrors.IsForbidden(err):
		return exitcode.Unreachable, "forbidden by the cluster's RBAC: " + statusMessage(err) + "; grant the role from `" + buildinfo.Command() + " rbac` or use --as", true
	case apierrors.IsUnauthorized(err):
		return exitcode.Unreachable, "the cluster rejected the credentials (401); refresh the kubeconfig's credentials (e.g. aws eks update-kubeconfig)", true
	}
	var pe *os.PathError
	if errors.As(err, &pe) && errors.Is(err, os.ErrNotExist) && strings.Contains(pe.Path, "kube") {
		return exitcode.Usage, fmt.Sprintf("kubeconfig %s does not exist; pass an existing file to --kubeconfig", pe.Path), true
	}
	return 0, "", false
}

func statusMessage(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		return se.Status().Message
	}
	return oneLine(err)
}

func explainAWS(err error) (int, string, bool) {
	var oe *smithy.OperationError
	op := ""
	if errors.As(err, &oe) {
		op = oe.ServiceID + " " + oe.OperationName + ": "
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch awsapi.ClassifyCode(ae.ErrorCode()) {
		case awsapi.AccessDenied:
			return exitcode.Unreachable, op + "AWS denied access (" + ae.ErrorCode() + "); attach the policy from `" + buildinfo.Command() + " iam-policy` or pass --no-aws", true
		case awsapi.BadCredentials:
			return exitcode.Unreachable, op + "AWS rejected the credentials (" + ae.ErrorCode() + "); refresh them (aws sso login, or new keys)", true
		case awsapi.Throttled:
			return exitcode.Unreachable, op + "AWS kept throttling after retries; try again later or lower the call rate", true
		}
	}
	var re *retry.MaxAttemptsError
	if errors.As(err, &re) {
		return exitcode.Unreachable, op + "AWS did not answer after " + fmt.Sprint(re.Attempt) + " attempts: " + oneLine(re.Err), true
	}
	msg := err.Error()
	if awsapi.Classify(err) == awsapi.NoCredentials {
		return exitcode.Usage, "no AWS credentials found; set AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --no-aws", true
	}
	if strings.Contains(msg, "region") && strings.Contains(msg, "not found") {
		return exitcode.Usage, "no AWS region is set; pass --region or set AWS_REGION (or use --no-aws)", true
	}
	return 0, "", false
}

func explainNet(err error) (int, string, bool) {
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
	}
	where := "the API server"
	if host != "" {
		where = host
	}
	// A call of the AWS SDK names its service: never blame the API server.
	var op *smithy.OperationError
	isAWS := errors.As(err, &op)
	fix := "check the network path to the cluster (VPN, proxy)"
	if isAWS {
		where = "AWS " + op.ServiceID
		if host != "" {
			where += " at " + host
		}
		fix = "check AWS_ENDPOINT_URL, the proxy (HTTPS_PROXY) and the network path to AWS"
	}
	if isAWS && errors.Is(err, context.DeadlineExceeded) {
		return exitcode.Unreachable, "timed out talking to " + where + "; " + fix, true
	}
	var ce x509.CertificateInvalidError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	switch {
	case errors.As(err, &ce), errors.As(err, &ua), errors.As(err, &he):
		return exitcode.Unreachable, "TLS verification failed for " + where + ": " + oneLine(err) + "; check the kubeconfig's certificate-authority-data", true
	case errors.Is(err, syscall.ECONNREFUSED) && isAWS:
		return exitcode.Unreachable, "cannot reach " + where + ": connection refused; " + fix, true
	case errors.Is(err, syscall.ECONNREFUSED):
		return exitcode.Unreachable, "cannot reach " + where + ": connection refused; check --context/--kubeconfig and that the cluster (or sandbox) is up", true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return exitcode.Unreachable, "cannot resolve " + dnsErr.Name + "; check the kubeconfig's server address and your network", true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return exitcode.Unreachable, "timed out talking to " + where + "; " + fix, true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return exitcode.Unreachable, "cannot reach " + where + ": " + oneLine(oe) + "; check --context/--kubeconfig and the network", true
	}
	return 0, "", false
}

// oneLine keeps the first line of an error's text.
func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
