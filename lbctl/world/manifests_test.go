package world

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/lbctl/lbctl/lbctl/exitcode"
	"github.com/lbctl/lbctl/lbctl/kube"
)

const gameIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: game
  annotations: {alb.ingress.kubernetes.io/target-type: ip}
spec:
  ingressClassName: alb
  rules:
  - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: game, port: {number: 80}}}}]}
`

// With a reachable cluster the manifests read the IngressClass they name
// from it; when the cluster cannot be read, a note says why and the chart's
// default is assumed; a stated class needs no cluster.
func TestReadManifestsClasses(t *testing.T) {
	internal := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: "example.com/internal-alb"}}
	reachable := Clients{
		Kube:    func() (kubernetes.Interface, error) { return fake.NewClientset(internal), nil },
		Dynamic: func() (dynamic.Interface, error) { return nil, nil },
	}
	unreachable := Clients{Kube: func() (kubernetes.Interface, error) { return nil, errors.New("no configuration has been provided") }}
	mustNotCall := Clients{Kube: func() (kubernetes.Interface, error) {
		t.Error("the cluster was asked although the class was stated")
		return nil, nil
	}}
	tests := []struct {
		name    string
		c       Clients
		scope   Scope
		want    []kube.SuppliedClass
		note    string
		albIngs int
	}{
		{"no cluster asked: the chart's default", Clients{}, Scope{},
			[]kube.SuppliedClass{{Name: "alb", Controller: "ingress.k8s.aws/alb", Source: kube.ClassAssumed}}, "", 1},
		{"the cluster's class", reachable, Scope{ClassesFromCluster: true},
			[]kube.SuppliedClass{{Name: "alb", Controller: "example.com/internal-alb", Source: kube.ClassFromCluster}}, "read from the cluster", 0},
		{"the cluster out of reach: noted, then the default", unreachable, Scope{ClassesFromCluster: true},
			[]kube.SuppliedClass{{Name: "alb", Controller: "ingress.k8s.aws/alb", Source: kube.ClassAssumed}}, "IngressClasses not read (no configuration has been provided)", 1},
		{"stated", mustNotCall, Scope{ClassesFromCluster: true, IngressClasses: map[string]string{"alb": "ingress.k8s.aws/alb"}},
			[]kube.SuppliedClass{{Name: "alb", Controller: "ingress.k8s.aws/alb", Source: kube.ClassStated}}, "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.scope
			s.Files, s.Stdin, s.Namespace = []string{"-"}, strings.NewReader(gameIngress), "game-2048"
			objs, err := ReadKube(context.Background(), tc.c, s)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, objs.SuppliedClasses); diff != "" {
				t.Errorf("SuppliedClasses (-want +got):\n%s", diff)
			}
			var notes []string
			for _, n := range objs.Notes {
				notes = append(notes, n.Message)
			}
			if tc.note != "" && !strings.Contains(strings.Join(notes, "\n"), tc.note) {
				t.Errorf("notes %q, want one saying %q", notes, tc.note)
			}
			tp := Join(objs, nil, "prod", Scope{Files: []string{"testdata"}})
			if got := len(tp.ALBIngresses()); got != tc.albIngs {
				t.Errorf("%d ALB Ingresses, want %d", got, tc.albIngs)
			}
			if ing := objs.Ingresses[0]; ing.Namespace != "game-2048" {
				t.Errorf("the Ingress without a namespace is in %q, want the scope's game-2048", ing.Namespace)
			}
		})
	}
}

// -k reads the overlay into its namespace.
func TestReadKustomize(t *testing.T) {
	s := Scope{Kustomize: "../kube/testdata/kustomize/overlays/prod", Namespace: "default"}
	if !s.FromFiles() {
		t.Fatal("a kustomization is manifests, not the cluster")
	}
	tp, err := Read(context.Background(), Clients{}, s, Options{NoAWS: true})
	if err != nil {
		t.Fatal(err)
	}
	ings := tp.ALBIngresses()
	if len(ings) != 1 || ings[0].Key() != "shop-prod/prod-web" || ings[0].Config.Scheme != "internet-facing" {
		t.Fatalf("ALB Ingresses %v, want shop-prod/prod-web, internet-facing", ings)
	}
}

func TestParseIngressClasses(t *testing.T) {
	got, err := ParseIngressClasses([]string{"alb=ingress.k8s.aws/alb", " nginx = k8s.io/ingress-nginx", "alb=ingress.k8s.aws/alb"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"alb": "ingress.k8s.aws/alb", "nginx": "k8s.io/ingress-nginx"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got, err := ParseIngressClasses(nil); got != nil || err != nil {
		t.Errorf("no values: %v, %v", got, err)
	}
	for _, bad := range [][]string{{"alb"}, {"=ingress.k8s.aws/alb"}, {"alb="}, {"alb=alb"}, {"alb=ingress.k8s.aws/"}, {"alb=a/b", "alb=c/d"}} {
		_, err := ParseIngressClasses(bad)
		if !errors.Is(err, exitcode.ErrUsage) || !strings.Contains(err.Error(), "--ingress-class") {
			t.Errorf("ParseIngressClasses(%q) = %v, want a usage error naming the flag", bad, err)
		}
	}
}
