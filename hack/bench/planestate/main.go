// Command planestate writes a generated "before" estate as multi-document
// YAML for the plan benchmark: every Ingress on its own ALB in instance mode.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/lbctl/lbctl/lbctl/sandbox/scenarios"
)

func main() {
	ns := flag.Int("namespaces", 200, "namespaces")
	apps := flag.Int("apps", 25, "Ingresses (each with a Service and a Deployment) per namespace")
	flag.Parse()
	objs := scenarios.Large(scenarios.LargeOptions{Namespaces: *ns, AppsPerNamespace: *apps})
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	emit := func(kind, apiVersion string, obj any) {
		b, err := yaml.Marshal(obj)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintf(w, "---\napiVersion: %s\nkind: %s\n%s", apiVersion, kind, b)
	}
	for _, x := range objs.IngressClasses {
		emit("IngressClass", "networking.k8s.io/v1", x)
	}
	for _, x := range objs.Namespaces {
		emit("Namespace", "v1", x)
	}
	for _, x := range objs.Deployments {
		emit("Deployment", "apps/v1", x)
	}
	for _, x := range objs.Services {
		emit("Service", "v1", x)
	}
	for _, x := range objs.Ingresses {
		emit("Ingress", "networking.k8s.io/v1", x)
	}
}
