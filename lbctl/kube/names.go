package kube

import (
	"fmt"
	"strconv"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/lbctl/lbctl/lbctl/exitcode"
)

// nameRule is how the API server validates one kind's metadata.name, and
// words the rule for the fix.
type nameRule struct {
	valid func(name string, prefix bool) []string
	rule  string
}

var (
	subdomain = nameRule{apivalidation.NameIsDNSSubdomain, "a lowercase RFC 1123 subdomain: at most 253 characters of a-z, 0-9, '-' and '.', starting and ending with a letter or digit"}
	label     = nameRule{apivalidation.NameIsDNSLabel, "a lowercase RFC 1123 label: at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit"}
	label1035 = nameRule{apivalidation.NameIsDNS1035Label, "a lowercase RFC 1035 label: at most 63 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit"}
)

// nameRules are the kinds lbctl reads, by group and kind, with the rule the
// API server holds their names to (a namespace is always a label).
var nameRules = map[string]nameRule{
	"Namespace":                        label,
	"Service":                          label1035,
	"Pod":                              subdomain,
	"Node":                             subdomain,
	"Ingress.networking.k8s.io":        subdomain,
	"IngressClass.networking.k8s.io":   subdomain,
	"EndpointSlice.discovery.k8s.io":   subdomain,
	"Deployment.apps":                  subdomain,
	"TargetGroupBinding.elbv2.k8s.aws": subdomain,
	"IngressClassParams.elbv2.k8s.aws": subdomain,
}

// validName refuses an object read from a file whose metadata.name or
// metadata.namespace the API server would refuse. Such a name could never
// be applied, and lbctl prints names into kubectl commands a reviewer may
// paste. Kinds lbctl does not use are not checked: they are skipped.
func validName(groupKind string, u *unstructured.Unstructured, source string) error {
	rule, ok := nameRules[groupKind]
	if !ok {
		return nil
	}
	kind := u.GetKind()
	bad := func(field, value string, r nameRule) error {
		what := "is empty"
		if value != "" {
			what = "is not " + r.rule
		}
		return exitcode.New(exitcode.Usage,
			fmt.Sprintf("%s: %s %s: %s %s %s", source, kind, printable(objectName(u)), field, strconv.Quote(value), what),
			"rename it in the file as the API server requires (kubectl apply would refuse it too)", exitcode.ErrUsage)
	}
	if name := u.GetName(); name == "" || len(rule.valid(name, false)) > 0 {
		return bad("metadata.name", name, rule)
	}
	if ns := u.GetNamespace(); ns != "" && len(apivalidation.ValidateNamespaceName(ns, false)) > 0 {
		return bad("metadata.namespace", ns, label)
	}
	return nil
}

// printable is s as a message may show it: as it is when every rune is
// printable and not a quote, else Go-quoted, so that a name from a file
// cannot move the cursor, colour the terminal or break the line.
func printable(s string) string {
	for _, r := range s {
		if !strconv.IsPrint(r) || r == '"' || r == '\\' {
			return strconv.Quote(s)
		}
	}
	return s
}
