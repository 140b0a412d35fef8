package scan

import "fmt"

// How a pod behind an ip target group stops without failing requests
// (docs/troubleshooting.md, "Pods that stop"): three intervals, three knobs.
//
//  1. From the moment the pod starts stopping until every ALB node has
//     stopped sending it new requests, the pod must keep accepting them: the
//     controller sees the endpoint change and deregisters the target, then
//     the deregistration reaches each node of the ALB. ELB publishes no
//     figure for the second part; lbctl assumes DeregistrationPropagation.
//     The preStop sleep covers it.
//  2. Requests already in flight when the target starts draining may finish
//     within the target group's deregistration delay; the ALB cuts them
//     after it. The delay should cover the longest request, no more: a
//     draining target with open connections holds the rollout that long.
//  3. terminationGracePeriodSeconds must cover the sleep, the requests in
//     flight and the application's own shutdown, or the kubelet kills it.
//     It is an upper bound: a pod that finishes sooner stops sooner.
const (
	// DeregistrationPropagation is the preStop sleep lbctl advises, in
	// seconds: the controller's reaction plus the deregistration reaching
	// every ALB node.
	DeregistrationPropagation = 15
	// ShutdownMargin is what lbctl allows the application after its last
	// request, in seconds.
	ShutdownMargin = 5
	// SuggestedDeregistrationDelay is the delay lbctl suggests in place of
	// a longer one when nothing says how long the longest request takes.
	SuggestedDeregistrationDelay = 30
)

// StopAdvice is what a workload behind a target group with deregistration
// delay Delay needs: a preStop sleep of Sleep and a grace period of at least
// Grace seconds (with the delay as it is), or LowGrace with the delay lowered
// to LowDelay.
type StopAdvice struct {
	Sleep, Delay, Grace, LowDelay, LowGrace int
}

// AdviseStop computes StopAdvice for a target group's deregistration delay.
func AdviseStop(delay int) StopAdvice {
	a := StopAdvice{Sleep: DeregistrationPropagation, Delay: delay}
	a.Grace = a.Sleep + delay + ShutdownMargin
	a.LowDelay = min(delay, SuggestedDeregistrationDelay)
	a.LowGrace = a.Sleep + a.LowDelay + ShutdownMargin
	return a
}

// Why says, for a pod whose preStop sleep is have seconds (-1: none), what
// goes wrong.
func (a StopAdvice) Why(have int) string {
	hs := "no preStop sleep"
	if have >= 0 {
		hs = fmt.Sprintf("a preStop sleep of %ds", have)
	}
	return fmt.Sprintf("%s, shorter than the %ds lbctl allows for a deregistration to reach every ALB node: pods stop accepting requests some ALB nodes still send them", hs, a.Sleep)
}

// Knobs words the three settings, each with its value.
func (a StopAdvice) Knobs() string {
	s := fmt.Sprintf("preStop sleep %ds (the deregistration reaching every ALB node); terminationGracePeriodSeconds at least %d (sleep + the %ds deregistration delay for requests in flight + %ds shutdown)",
		a.Sleep, a.Grace, a.Delay, ShutdownMargin)
	if a.LowDelay < a.Delay {
		s += fmt.Sprintf("; or set deregistration_delay.timeout_seconds to your longest request (e.g. %d, then a grace period of %d)", a.LowDelay, a.LowGrace)
	}
	return s
}
