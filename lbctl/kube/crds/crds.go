// Package crds embeds the CustomResourceDefinitions lbctl needs in a cluster
// (TargetGroupBinding and IngressClassParams), so tests, the sandbox and users
// install exactly the same definitions. Regenerate with `make generate`.
package crds

import "embed"

// FS holds the CRD manifests, one YAML file each.
//
//go:embed *.yaml
var FS embed.FS
