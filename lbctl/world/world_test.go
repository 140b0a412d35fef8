package world

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/lbctl/lbctl/lbctl/awsapi"
	"github.com/lbctl/lbctl/lbctl/kube"
	"github.com/lbctl/lbctl/lbctl/kube/elbv2/v1beta1"
	"github.com/lbctl/lbctl/lbctl/lbc"
)

func TestClusterName(t *testing.T) {
	arn := "arn:aws:eks:eu-west-1:111122223333:cluster/prod"
	tests := []struct {
		name           string
		flag, env, ctx string
		want, region   string
		from           Source
	}{
		{"flag first", "a", "b", arn, "a", "", FromFlag},
		{"then the environment", "", "b", arn, "b", "", FromEnv},
		{"then the kubeconfig's EKS ARN, with its region", "", "", arn, "prod", "eu-west-1", FromKubeconfig},
		{"a GovCloud ARN", "", "", "arn:aws-us-gov:eks:us-gov-west-1:1:cluster/gov", "gov", "us-gov-west-1", FromKubeconfig},
		{"a context cluster that is no ARN", "", "", "kind-dev", "", "", FromNowhere},
		{"an ARN of another service", "", "", "arn:aws:ecs:eu-west-1:1:cluster/x", "", "", FromNowhere},
		{"an EKS ARN without a name", "", "", "arn:aws:eks:eu-west-1:1:cluster/", "", "", FromNowhere},
		{"nothing", "", "", "", "", "", FromNowhere},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, region, from := ClusterName(tc.flag, tc.env, tc.ctx)
			if name != tc.want || region != tc.region || from != tc.from {
				t.Errorf("ClusterName(%q, %q, %q) = %q, %q, %q; want %q, %q, %q", tc.flag, tc.env, tc.ctx, name, region, from, tc.want, tc.region, tc.from)
			}
		})
	}
}

func TestJoinCluster(t *testing.T) {
	lb := func(cluster string) awsapi.LoadBalancer {
		return awsapi.LoadBalancer{ARN: "arn:" + cluster, Name: cluster, Tags: map[string]string{lbc.TagCluster: cluster}}
	}
	one := &awsapi.State{LoadBalancers: []awsapi.LoadBalancer{lb("prod")}}
	two := &awsapi.State{LoadBalancers: []awsapi.LoadBalancer{lb("prod"), lb("staging")}}

	if got := Join(&kube.Objects{}, one, "", Scope{}).Cluster; got != "prod" {
		t.Errorf("one cluster's ALBs: cluster %q, want prod from the tags", got)
	}
	if got := Join(&kube.Objects{}, two, "given", Scope{}).Cluster; got != "given" {
		t.Errorf("a given name: cluster %q, want it kept", got)
	}
	objs := &kube.Objects{}
	Join(objs, two, "", Scope{})
	tp := Join(objs, two, "", Scope{}) // a second join of the same objects adds no second note
	if tp.Cluster != "" {
		t.Errorf("several clusters' ALBs: cluster %q, want none guessed", tp.Cluster)
	}
	if len(objs.Notes) != 1 || !strings.Contains(objs.Notes[0].Message, "prod, staging") || !strings.Contains(objs.Notes[0].Message, "--cluster-name") {
		t.Errorf("several clusters: notes %v, want one naming both and the flag", objs.Notes)
	}
}

func TestReadFiles(t *testing.T) {
	manifest := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: cart
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/target-type: instance
spec:
  ingressClassName: alb
  rules:
  - host: cart.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: cart
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: alb
spec:
  controller: ingress.k8s.aws/alb
`
	var notes []string
	failing := Clients{
		Kube: func() (kubernetes.Interface, error) { t.Fatal("manifests must not reach the cluster"); return nil, nil },
		AWS:  func(context.Context) (*AWS, error) { return nil, errors.New("no AWS region is set") },
	}
	s := Scope{Files: []string{"-"}, Stdin: strings.NewReader(manifest)}
	tp, err := Read(context.Background(), failing, s, Options{Note: func(m string) { notes = append(notes, m) }})
	if err != nil {
		t.Fatalf("Read from manifests with AWS not configured: %v (want a note, not an error)", err)
	}
	if len(tp.ALBIngresses()) != 1 || tp.AWS != nil {
		t.Errorf("read %d ALB Ingresses, AWS %v; want cart and no AWS", len(tp.ALBIngresses()), tp.AWS)
	}
	if len(notes) != 1 || notes[0] != "AWS not read (no AWS region is set)" {
		t.Errorf("notes %q", notes)
	}

	// From a cluster, AWS that cannot be read is an error.
	if _, err := ReadAWS(context.Background(), failing, Options{}, nil, false); err == nil {
		t.Error("ReadAWS for a cluster: no error for AWS not configured")
	}
	// --no-aws reads no AWS at all.
	notes = nil
	s.Stdin = strings.NewReader(manifest)
	if _, err := Read(context.Background(), failing, s, Options{NoAWS: true, Note: func(m string) { notes = append(notes, m) }}); err != nil || len(notes) != 0 {
		t.Errorf("--no-aws: %v, notes %q", err, notes)
	}
}

func TestScopeKube(t *testing.T) {
	if k := (Scope{Namespace: "shop", AllNamespaces: true, Selector: "app=cart"}).Kube(); k.Namespace != "" || !k.AllNamespaces || k.IngressSelector != "app=cart" {
		t.Errorf("all namespaces: %+v", k)
	}
	if k := (Scope{Namespace: "shop"}).Kube(); k.Namespace != "shop" || k.AllNamespaces {
		t.Errorf("one namespace: %+v", k)
	}
}

func TestBindingsChanged(t *testing.T) {
	tgb := func(arn string) v1beta1.TargetGroupBinding {
		b := v1beta1.TargetGroupBinding{}
		b.Spec.TargetGroupARN = arn
		return b
	}
	a := &kube.Objects{TargetGroupBindings: []v1beta1.TargetGroupBinding{tgb("x"), tgb("y")}}
	for _, tc := range []struct {
		b    []v1beta1.TargetGroupBinding
		want bool
	}{
		{[]v1beta1.TargetGroupBinding{tgb("x"), tgb("y")}, false},
		{[]v1beta1.TargetGroupBinding{tgb("x")}, true},
		{[]v1beta1.TargetGroupBinding{tgb("x"), tgb("z")}, true},
	} {
		if got := BindingsChanged(a, &kube.Objects{TargetGroupBindings: tc.b}); got != tc.want {
			t.Errorf("BindingsChanged(x y, %v) = %v", tc.b, got)
		}
	}
}
