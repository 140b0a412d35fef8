// Package lbctl holds no code: its subpackages are lbctl's foundation —
// reading the world (kube, awsapi, world), knowing the controller (lbc),
// joining (topology), judging (health, preflight), and what every command
// shares (permissions, exitcode, buildinfo). The verbs (migrate/,
// loadtest/), the views (tui/), the demo, the sandbox and cmd build on
// them; layering_test.go keeps the foundation from importing any of those.
package lbctl
