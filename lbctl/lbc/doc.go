// Package lbc is lbctl's single home of knowledge about the AWS Load Balancer
// Controller (LBC): which Ingresses it owns, how it reads their annotations,
// how it groups them onto one ALB, which listener rules and target groups it
// builds, and how it names and tags what it creates in AWS.
//
// The scanner, the migration planner and the controller emulator all predict
// the controller's behaviour with this package, so two of them can never
// disagree about it. Everything here is pure and deterministic: no I/O, no
// clocks, no printing, no package state. Functions take Kubernetes objects
// and return values plus the problems found, as *AnnotationError values that
// name the annotation, the offending value and the form the controller
// expects, so a caller can turn each one into a finding about a specific
// Ingress.
//
// The behaviour follows the controller's current source (kubernetes-sigs/
// aws-load-balancer-controller, pkg/ingress and pkg/annotations: group.order
// in [-1000, 1000] with duplicates allowed, escaped commas in stringMap
// values, IngressClassParams targetType); doc comments name the upstream
// function each piece mirrors so it can be re-checked when the controller
// changes.
package lbc
