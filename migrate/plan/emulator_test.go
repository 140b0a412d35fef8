package plan

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/lbc"
	"github.com/lbctl/lbctl/lbctl/sandbox"
	"github.com/lbctl/lbctl/lbctl/topology"
)

// TestPhase2AgainstEmulator plans the in-process sandbox's default world,
// plus an HTTPS Ingress that names no certificate, read back from its
// Kubernetes and AWS APIs, applies the phase-2 manifests to it, and checks
// that the controller emulator creates exactly the predicted ALBs and target
// groups beside the old ones, and puts the predicted certificates on the
// shared ALB's HTTPS listener. It starts the sandbox (a few seconds), so
// -short skips it.
func TestPhase2AgainstEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the in-process sandbox")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := sandbox.Start(ctx, sandbox.Options{InProcess: true, PortOffset: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop sandbox: %v", err)
		}
	})
	if err := s.WaitReady(ctx, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	// team-a/secure listens on HTTPS without certificate-arn: the
	// controller discovers the *.team-a.example.com certificate by host,
	// for its own ALB now and for the shared one once moved.
	if _, err := s.Kube.NetworkingV1().Ingresses("team-a").Create(ctx, secureIngress(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitReady(ctx, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	objs, err := kube.ReadCluster(ctx, s.Kube, s.Dynamic, kube.Scope{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	awsCfg := aws.Config{Region: sandbox.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIDSANDBOX", "sandbox", "")}
	endpoint := aws.String(s.AWSURL)
	elb := elbv2.NewFromConfig(awsCfg, func(o *elbv2.Options) { o.BaseEndpoint = endpoint })
	rd := &awsapi.Reader{ELB: elb, EC2: ec2.NewFromConfig(awsCfg, func(o *ec2.Options) { o.BaseEndpoint = endpoint }),
		ACM: acm.NewFromConfig(awsCfg, func(o *acm.Options) { o.BaseEndpoint = endpoint })}
	st, err := rd.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.CertificatesRead {
		t.Fatalf("ACM not read: %v", st.Problems)
	}
	d := lbc.DefaultDefaults()
	d.ClusterName = sandbox.ClusterName
	top := topology.Build(objs, st, topology.Options{Defaults: d})
	p := Build(top, Options{})
	if len(p.Groups) != 3 {
		t.Fatalf("groups = %v", groupNames(p))
	}
	// The plan's certificates for team-a: those its HTTPS members get,
	// discovered by host in the topology it was planned from, counted
	// besides the default.
	teamA := groupNamed(p, "team-a")
	if teamA == nil || !slices.ContainsFunc(teamA.Members, func(m Member) bool { return m.Name == "secure" && m.Ingress != "" }) {
		t.Fatalf("team-a/secure is not moved into team-a: %+v (findings %v)", teamA, codes(p))
	}
	var wantCerts []string
	for _, in := range top.Ingresses {
		if in.Object.Namespace == "team-a" && lbc.DiscoversCertificates(in.Config) {
			wantCerts = append(wantCerts, in.Config.DiscoveredCertificateARNs...)
		}
	}
	if len(wantCerts) != 1+teamA.Certificates {
		t.Fatalf("the plan counts %d certificates besides the default for team-a, the topology discovered %v", teamA.Certificates, wantCerts)
	}

	for _, f := range p.Files() {
		if !strings.HasPrefix(f.Path, "02-create/") {
			continue
		}
		for _, doc := range strings.Split(string(f.Data), "---\n") {
			var meta metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Fatal(err)
			}
			switch meta.Kind {
			case "Namespace":
				var ns corev1.Namespace
				if err := yaml.Unmarshal([]byte(doc), &ns); err != nil {
					t.Fatal(err)
				}
				live, err := s.Kube.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				live.Labels = ns.Labels
				if _, err := s.Kube.CoreV1().Namespaces().Update(ctx, live, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			case "Ingress":
				var ing networkingv1.Ingress
				if err := yaml.Unmarshal([]byte(doc), &ing); err != nil {
					t.Fatal(err)
				}
				api := s.Kube.NetworkingV1().Ingresses(ing.Namespace)
				live, err := api.Get(ctx, ing.Name, metav1.GetOptions{})
				switch {
				case apierrors.IsNotFound(err):
					_, err = api.Create(ctx, &ing, metav1.CreateOptions{})
				case err == nil:
					live.Annotations, live.Spec = ing.Annotations, ing.Spec
					_, err = api.Update(ctx, live, metav1.UpdateOptions{})
				}
				if err != nil {
					t.Fatalf("apply %s: %v", f.Path, err)
				}
			}
		}
	}

	var wantLBs, wantTGs []string
	for _, r := range p.Replacements {
		switch {
		case r.Action == Create && r.Kind == "LoadBalancer":
			wantLBs = append(wantLBs, r.Name)
		case r.Action == Create && r.Kind == "TargetGroup":
			wantTGs = append(wantTGs, r.Name)
		}
	}
	sort.Strings(wantLBs)
	sort.Strings(wantTGs)
	var missing []string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		s.Emulator.Poke()
		snap := s.AWS.State().Snapshot()
		have := map[string]bool{}
		for _, lb := range snap.LoadBalancers {
			have[*lb.LoadBalancerName] = true
		}
		for _, tg := range snap.TargetGroups {
			have[*tg.TargetGroupName] = true
		}
		missing = nil
		for _, n := range append(append([]string{}, wantLBs...), wantTGs...) {
			if !have[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			break
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the emulator did not create the predicted %v (wanted ALBs %v, target groups %v)", missing, wantLBs, wantTGs)
	}
	// The old ALBs keep serving beside the new ones (make before break).
	if n := len(s.AWS.State().Snapshot().LoadBalancers); n != 7+len(wantLBs) {
		t.Errorf("%d ALBs, want the 7 old ones and %d new", n, len(wantLBs))
	}

	// The shared ALB's HTTPS listener, read through the ELBv2 API as the
	// SDK reads it, carries the predicted certificates.
	gotDefault, gotOthers := httpsCertificates(ctx, t, elb, teamA.LoadBalancer)
	if gotDefault != wantCerts[0] || len(gotOthers) != teamA.Certificates {
		t.Errorf("%s's HTTPS listener has default certificate %q and %d others %v, the plan predicts %q and %d others (%v)",
			teamA.LoadBalancer, gotDefault, len(gotOthers), gotOthers, wantCerts[0], teamA.Certificates, wantCerts)
	}
}

// secureIngress is team-a/secure: storefront's Service behind HTTPS 443,
// with no certificate-arn.
func secureIngress() *networkingv1.Ingress {
	class, prefix := "alb", networkingv1.PathTypePrefix
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "secure", Namespace: "team-a", Annotations: map[string]string{
			lbc.Key(lbc.SuffixScheme): lbc.SchemeInternetFacing, lbc.Key(lbc.SuffixHealthCheckPath): "/healthz",
			lbc.Key(lbc.SuffixListenPorts): `[{"HTTPS":443}]`,
		}},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: "secure.team-a.example.com",
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
				Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: "storefront", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}},
	}
}

// httpsCertificates reads the certificates of the 443 listener of the ALB
// named name: the default from DescribeListeners, the others from
// DescribeListenerCertificates.
func httpsCertificates(ctx context.Context, t *testing.T, elb *elbv2.Client, name string) (def string, others []string) {
	t.Helper()
	lbs, err := elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := elb.DescribeListeners(ctx, &elbv2.DescribeListenersInput{LoadBalancerArn: lbs.LoadBalancers[0].LoadBalancerArn})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls.Listeners {
		if aws.ToInt32(l.Port) != 443 {
			continue
		}
		if len(l.Certificates) != 1 {
			t.Fatalf("DescribeListeners shows %d certificates on %s:443, want the default only", len(l.Certificates), name)
		}
		def = aws.ToString(l.Certificates[0].CertificateArn)
		out, err := elb.DescribeListenerCertificates(ctx, &elbv2.DescribeListenerCertificatesInput{ListenerArn: l.ListenerArn})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range out.Certificates {
			switch arn := aws.ToString(c.CertificateArn); {
			case !aws.ToBool(c.IsDefault):
				others = append(others, arn)
			case arn != def:
				t.Errorf("DescribeListenerCertificates' default %s is not DescribeListeners' %s", arn, def)
			}
		}
		return def, others
	}
	t.Fatalf("%s has no HTTPS listener", name)
	return "", nil
}
