package cmd

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
)

// complete runs `__complete args…` in-process, as the shells and the
// kubectl shim do, and returns the suggestions and the directive line.
func complete(t *testing.T, f *Factory, args ...string) ([]string, string) {
	t.Helper()
	streams, _, out, errOut := TestStreams()
	if code := Run(context.Background(), streams, f, "kubectl lbctl", append([]string{cobra.ShellCompRequestCmd}, args...)); code != 0 {
		t.Fatalf("__complete %q: exit %d\n%s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// fakeCluster is a Factory whose Kubernetes client is a fake holding two
// namespaces with Ingresses.
func fakeCluster() *Factory {
	f := NewFactory()
	ns := "team-a"
	f.ConfigFlags.Namespace = &ns // the context's namespace, in effect
	f.rest = &rest.Config{}
	ing := func(ns, name string) *networkingv1.Ingress {
		return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	}
	f.kube = fake.NewClientset(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}},
		ing("team-a", "storefront"), ing("team-a", "cart"), ing("team-b", "api"),
	)
	return f
}

func TestCompletions(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- {name: prod, cluster: {server: "https://127.0.0.1:1"}}
- {name: staging, cluster: {server: "https://127.0.0.1:2"}}
users:
- {name: admin, user: {token: x}}
contexts:
- {name: prod-admin, context: {cluster: prod, user: admin}}
- {name: staging-admin, context: {cluster: staging, user: admin}}
current-context: prod-admin
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		cluster bool
		args    []string
		want    []string
	}{
		{"scan -o", false, []string{"scan", "-o", ""}, []string{"table", "wide", "json", "yaml"}},
		{"health -o", false, []string{"health", "--output", ""}, []string{"table", "wide", "json", "yaml", "ndjson"}},
		{"plan -o j", false, []string{"plan", "-o", "j"}, []string{"json"}},
		{"version -o", false, []string{"version", "-o", ""}, []string{"json", "yaml"}},
		{"migrate apply -o", false, []string{"migrate", "apply", "-o", ""}, []string{"text", "ndjson"}},
		{"migrate status -o", false, []string{"migrate", "status", "-o", ""}, []string{"table", "json"}},
		{"loadtest run -o", false, []string{"loadtest", "run", "-o", ""}, []string{"text", "json", "markdown"}},
		{"--color", false, []string{"scan", "--color", ""}, []string{"auto", "always", "never"}},
		{"--context", false, []string{"--kubeconfig", kubeconfig, "scan", "--context", ""}, []string{"prod-admin", "staging-admin"}},
		{"--context prefix", false, []string{"--kubeconfig", kubeconfig, "plan", "--context", "st"}, []string{"staging-admin"}},
		{"--cluster", false, []string{"--kubeconfig", kubeconfig, "health", "--cluster", ""}, []string{"prod", "staging"}},
		{"--user", false, []string{"--kubeconfig", kubeconfig, "scan", "--user", ""}, []string{"admin"}},
		{"--scenario", false, []string{"sandbox", "up", "--scenario", ""}, []string{"default", "large"}},
		{"-n", true, []string{"scan", "-n", ""}, []string{"kube-system", "team-a", "team-b"}},
		{"--namespace prefix", true, []string{"plan", "--namespace", "team-"}, []string{"team-a", "team-b"}},
		{"--ingress", true, []string{"loadtest", "run", "--ingress", ""}, []string{"team-a/cart", "team-a/storefront"}},
		{"--ingress in a namespace", true, []string{"loadtest", "run", "--ingress", "team-b/"}, []string{"team-b/api"}},
		{"health's arguments", true, []string{"health", ""}, []string{"cart", "storefront"}},
		{"health's arguments with -n", true, []string{"health", "-n", "team-b", ""}, []string{"api"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFactory()
			if tc.cluster {
				f = fakeCluster()
			}
			got, directive := complete(t, f, tc.args...)
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("__complete %q (-want +got):\n%s", tc.args, d)
			}
			if directive != ":4" { // ShellCompDirectiveNoFileComp
				t.Errorf("__complete %q: directive %s, want :4 (no file completion)", tc.args, directive)
			}
		})
	}
}

// TestOutputCompletionEveryCommand reads every -o flag's values from its
// help as the completion does: each must give two or more plain words.
func TestOutputCompletionEveryCommand(t *testing.T) {
	streams, _, _, _ := TestStreams()
	r := NewRoot(streams, NewFactory(), "kubectl lbctl")
	word := regexp.MustCompile(`^[a-z]+$`)
	n := 0
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name != "output" {
				return
			}
			n++
			vs := outputValues(f.Usage)
			if len(vs) < 2 {
				t.Errorf("%s -o %q: values %q", c.CommandPath(), f.Usage, vs)
			}
			for _, v := range vs {
				if !word.MatchString(v) {
					t.Errorf("%s -o %q: value %q is not a word", c.CommandPath(), f.Usage, v)
				}
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(r.Cmd)
	if n < 10 {
		t.Errorf("found %d -o flags, want every command's", n)
	}
}
