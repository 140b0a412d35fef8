package cmd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec, OIDC and other kubeconfig auth plugins
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/world"
)

// AWSOptions are the AWS settings the root command takes from flags; the SDK's
// own environment (AWS_ENDPOINT_URL, AWS_REGION, credential chain) still applies.
type AWSOptions struct {
	Region  string
	Profile string
	// MaxAttempts bounds the SDK's standard retryer (throttling, 5xx).
	MaxAttempts int
}

// Factory builds clients lazily, once, from the root command's flags, so that a
// command that never talks to AWS never needs credentials, and tests can put
// their own clients in its place.
type Factory struct {
	ConfigFlags *genericclioptions.ConfigFlags
	AWS         AWSOptions
	Clock       clock.PassiveClock

	mu     sync.Mutex
	rest   *rest.Config
	kube   kubernetes.Interface
	dyn    dynamic.Interface
	awsCfg *aws.Config
	elbv2  *elbv2.Client
	ec2    *ec2.Client
	sts    *sts.Client
	acm    *acm.Client
	r53    *route53.Client
	iam    *iam.Client
	eks    *eks.Client
}

// NewFactory returns a Factory over kubectl's standard flags.
func NewFactory() *Factory {
	return &Factory{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		Clock:       clock.RealClock{},
		AWS:         AWSOptions{MaxAttempts: 8},
	}
}

// RESTConfig returns the Kubernetes client configuration from --kubeconfig,
// --context and friends.
func (f *Factory) RESTConfig() (*rest.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rest != nil {
		return f.rest, nil
	}
	if err := f.checkKubeconfig(); err != nil {
		return nil, err
	}
	cfg, err := f.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "lbctl"
	f.rest = cfg
	return cfg, nil
}

// KubeClient returns the typed Kubernetes client.
func (f *Factory) KubeClient() (kubernetes.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.kube == nil {
		c, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("kubernetes client: %w", err)
		}
		f.kube = c
	}
	return f.kube, nil
}

// DynamicClient returns the dynamic client (custom resources).
func (f *Factory) DynamicClient() (dynamic.Interface, error) {
	cfg, err := f.RESTConfig()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dyn == nil {
		c, err := dynamic.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("dynamic client: %w", err)
		}
		f.dyn = c
	}
	return f.dyn, nil
}

// Namespace returns -n or the kubeconfig context's namespace ("default" when unset).
func (f *Factory) Namespace() (string, error) {
	if err := f.checkKubeconfig(); err != nil {
		return "", err
	}
	ns, _, err := f.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	return ns, err
}

// AWSConfig loads the AWS configuration: --region/--profile over the SDK's
// environment and shared config, with the SDK's standard retryer.
// AWS's HTTP bounds: connecting (and the TLS handshake), then waiting for
// an answer's headers. The API calls lbctl makes answer in well under a
// second; the retryer tries again within these bounds.
const (
	awsDialTimeout   = 10 * time.Second
	awsAnswerTimeout = 30 * time.Second
)

func (f *Factory) AWSConfig(ctx context.Context) (aws.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.awsCfg != nil {
		return *f.awsCfg, nil
	}
	opts := []func(*awsconfig.LoadOptions) error{
		// The SDK's own warnings (a response body it could not drain, …)
		// are diagnostics: they go to -v 2 like client-go's, not to stderr.
		awsconfig.WithLogger(logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
			klog.V(2).InfoS("aws sdk: "+fmt.Sprintf(format, v...), "level", string(c))
		})),
		// An endpoint that accepts a connection and never answers must not
		// hang a command: bounded dial, handshake and wait for the answer.
		awsconfig.WithHTTPClient(awshttp.NewBuildableClient().
			WithDialerOptions(func(d *net.Dialer) { d.Timeout = awsDialTimeout }).
			WithTransportOptions(func(t *http.Transport) {
				t.TLSHandshakeTimeout = awsDialTimeout
				t.ResponseHeaderTimeout = awsAnswerTimeout
			})),
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				if f.AWS.MaxAttempts > 0 {
					o.MaxAttempts = f.AWS.MaxAttempts
				}
			})
		}),
	}
	if f.AWS.Region != "" {
		opts = append(opts, awsconfig.WithRegion(f.AWS.Region))
	}
	if f.AWS.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(f.AWS.Profile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, exitcode.New(exitcode.Usage, "cannot load AWS configuration: "+err.Error(),
			"check --profile and ~/.aws/config", err)
	}
	if cfg.Region == "" {
		// `aws eks update-kubeconfig` names the context's cluster by its
		// ARN, which holds the region.
		_, cfg.Region, _ = world.EKSClusterARN(f.KubeconfigCluster())
	}
	if cfg.Region == "" {
		return aws.Config{}, exitcode.New(exitcode.Usage, "no AWS region is set",
			"pass --region or set AWS_REGION (or use --no-aws)", exitcode.ErrUsage)
	}
	f.awsCfg = &cfg
	return cfg, nil
}

// KubeconfigCluster is the cluster entry of the kubeconfig's current context
// (--context's when given): an EKS cluster ARN when `aws eks
// update-kubeconfig` wrote it; "" without a readable kubeconfig.
func (f *Factory) KubeconfigCluster() string {
	raw, err := f.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	name := raw.CurrentContext
	if c := deref(f.ConfigFlags.Context); c != "" {
		name = c
	}
	if c := raw.Contexts[name]; c != nil {
		return c.Cluster
	}
	return ""
}

// credentialsTimeout bounds finding AWS credentials (the SDK's chain may try
// SSO, a web identity or the instance metadata service).
const credentialsTimeout = 20 * time.Second

// AWSClients returns the clients the world reader calls, once the
// configuration loads and credentials are found.
func (f *Factory) AWSClients(ctx context.Context) (*world.AWS, error) {
	cfg, err := f.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	_, err = cfg.Credentials.Retrieve(cctx)
	cancel()
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, "no AWS credentials found", "set AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; or pass --no-aws", err)
	}
	a := &world.AWS{Region: cfg.Region, Endpoint: aws.ToString(cfg.BaseEndpoint)}
	if a.ELB, err = f.ELBv2(ctx); err != nil {
		return nil, err
	}
	if a.EC2, err = f.EC2(ctx); err != nil {
		return nil, err
	}
	if a.ACM, err = f.ACM(ctx); err != nil {
		return nil, err
	}
	if a.Route53, err = f.Route53(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// ELBv2 returns the Elastic Load Balancing v2 client.
func (f *Factory) ELBv2(ctx context.Context) (*elbv2.Client, error) {
	return awsClient(ctx, f, &f.elbv2, func(cfg aws.Config) *elbv2.Client { return elbv2.NewFromConfig(cfg) })
}

// EC2 returns the EC2 client.
func (f *Factory) EC2(ctx context.Context) (*ec2.Client, error) {
	return awsClient(ctx, f, &f.ec2, func(cfg aws.Config) *ec2.Client { return ec2.NewFromConfig(cfg) })
}

// ACM returns the ACM client (the certificates the controller discovers by
// host).
func (f *Factory) ACM(ctx context.Context) (*acm.Client, error) {
	return awsClient(ctx, f, &f.acm, func(cfg aws.Config) *acm.Client { return acm.NewFromConfig(cfg) })
}

// Route53 returns the Route53 client (plan reads the hosted zones).
func (f *Factory) Route53(ctx context.Context) (*route53.Client, error) {
	return awsClient(ctx, f, &f.r53, func(cfg aws.Config) *route53.Client { return route53.NewFromConfig(cfg) })
}

// IAM returns the IAM client (plan simulates the phases' permissions).
func (f *Factory) IAM(ctx context.Context) (*iam.Client, error) {
	return awsClient(ctx, f, &f.iam, func(cfg aws.Config) *iam.Client { return iam.NewFromConfig(cfg) })
}

// EKS returns the EKS client (plan finds the controller's EKS Pod Identity
// association).
func (f *Factory) EKS(ctx context.Context) (*eks.Client, error) {
	return awsClient(ctx, f, &f.eks, func(cfg aws.Config) *eks.Client { return eks.NewFromConfig(cfg) })
}

// STS returns the STS client (doctor asks it who the caller is).
func (f *Factory) STS(ctx context.Context) (*sts.Client, error) {
	return awsClient(ctx, f, &f.sts, func(cfg aws.Config) *sts.Client { return sts.NewFromConfig(cfg) })
}

// awsClient returns the client in *slot, made from the AWS configuration
// the first time.
func awsClient[T any](ctx context.Context, f *Factory, slot **T, mk func(aws.Config) *T) (*T, error) {
	cfg, err := f.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if *slot == nil {
		*slot = mk(cfg)
	}
	return *slot, nil
}

// checkKubeconfig turns the silent fallbacks of client-go (a missing
// --kubeconfig file, an empty kubeconfig meaning localhost:8080) into errors
// that say what to fix. Inside a pod the in-cluster configuration applies.
func (f *Factory) checkKubeconfig() error {
	if p := deref(f.ConfigFlags.KubeConfig); p != "" {
		if _, err := os.Stat(p); err != nil {
			return exitcode.New(exitcode.Usage, fmt.Sprintf("kubeconfig %s cannot be read: %v", p, errors.Unwrap(err)),
				"pass an existing file to --kubeconfig", errors.Join(exitcode.ErrUsage, err))
		}
	}
	if deref(f.ConfigFlags.APIServer) != "" || os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	raw, err := f.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return err
	}
	if len(raw.Clusters) == 0 {
		return exitcode.New(exitcode.Usage, "the kubeconfig names no cluster",
			"set --kubeconfig or KUBECONFIG to a kubeconfig for your cluster (aws eks update-kubeconfig), or source a sandbox's env file", exitcode.ErrUsage)
	}
	return checkNames(raw, deref(f.ConfigFlags.Context), deref(f.ConfigFlags.ClusterName), deref(f.ConfigFlags.AuthInfoName))
}

// checkNames fails with exit 2 and the names to choose from when --context,
// --cluster or --user (or the kubeconfig's current-context) names an entry
// the kubeconfig lacks; client-go would fail later with a bare "does not
// exist".
func checkNames(raw clientcmdapi.Config, ctx, cluster, user string) error {
	flag := "--context"
	if ctx == "" {
		ctx, flag = raw.CurrentContext, "the kubeconfig's current-context"
	}
	if ctx != "" {
		if _, ok := raw.Contexts[ctx]; !ok {
			return exitcode.New(exitcode.Usage, fmt.Sprintf("context %q (%s) is not in the kubeconfig", ctx, flag),
				"use one of "+names(raw.Contexts)+" (kubectl config get-contexts), or kubectl config use-context", exitcode.ErrUsage)
		}
	}
	if _, ok := raw.Clusters[cluster]; cluster != "" && !ok {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("cluster %q (--cluster) is not in the kubeconfig", cluster),
			"use one of "+names(raw.Clusters)+" (kubectl config get-clusters)", exitcode.ErrUsage)
	}
	if _, ok := raw.AuthInfos[user]; user != "" && !ok {
		return exitcode.New(exitcode.Usage, fmt.Sprintf("user %q (--user) is not in the kubeconfig", user),
			"use one of "+names(raw.AuthInfos)+" (kubectl config get-users)", exitcode.ErrUsage)
	}
	return nil
}

// names lists a kubeconfig map's keys, sorted and quoted, for a hint.
func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none: the kubeconfig has none"
	}
	keys := slices.Sorted(maps.Keys(m))
	for i, k := range keys {
		keys[i] = strconv.Quote(k)
	}
	return strings.Join(keys, ", ")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
