// Package plan turns a topology into a reviewable, make-before-break migration
// plan: which ALB Ingresses move from NodePort instance targets (or from an
// ALB of their own) to ip targets on shared ALBs, how they are grouped and
// packed under the ALB quotas, the rewritten manifests, what the controller
// will create and delete, the phases with their steps, wait conditions and
// undos, the preflight checks and the estimates.
//
// Build is pure: a topology and options in, a Plan with findings out. No I/O,
// no clocks, no printing; Files renders the manifests as bytes, and
// WriteTable renders the table to an injected writer. The only I/O is the
// plan directory's: WriteDir writes Files (each file atomically, plan.json
// last, replacing only the files an earlier plan wrote and keeping the rest)
// and ReadDir reads a plan and its manifests back.
// Overlays renders, for manifests kept in Git, each step's state as a
// kustomize overlay against the files the plan was read from. Every
// prediction (ALB and target group names, rules, conflicts) comes from
// lbctl/lbc through lbctl/topology, the code the sandbox's controller emulator
// runs, so the plan and the emulator cannot disagree.
package plan
