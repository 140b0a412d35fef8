package plan

import "github.com/lbctl/lbctl/lbctl/preflight"

// Live is what lbctl read from the running cluster for the preflight checks
// (preflight.Gather reads it). The planner stays pure: the caller reads, the
// checks judge. A nil Live (manifests from files) leaves those checks to the
// objects read and "not-checked".
type Live = preflight.Live

// IAMProbe is one principal's simulated permissions.
type IAMProbe = preflight.IAMProbe
