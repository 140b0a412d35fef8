package awsendpoint

import (
	"math/rand/v2"
	"sync"
	"time"
)

// AllActions is the Faults key that applies to every action without a fault
// of its own.
const AllActions = "*"

// Fault is the misbehaviour injected into one action, so tests can exercise
// a controller's retries, backoff and error handling against the real SDK.
type Fault struct {
	// ThrottleFraction in [0,1] of calls fail as throttled: ELBv2 400
	// "Throttling" ("Rate exceeded"), EC2 503 "RequestLimitExceeded".
	ThrottleFraction float64
	// ServerErrorFraction in [0,1] of the remaining calls fail with a 5xx.
	ServerErrorFraction float64
	// ServerErrorStatus is 500 (the default; ELBv2 "InternalFailure", EC2
	// "InternalError") or 503 (ELBv2 "ServiceUnavailable", EC2
	// "Unavailable").
	ServerErrorStatus int
	// AccessDenied fails every call with 403: ELBv2 "AccessDenied", EC2
	// "UnauthorizedOperation".
	AccessDenied bool
	// Latency is added before every response, faulted or not.
	Latency time.Duration
}

// faultKind is the outcome of rolling a Fault's dice for one call.
type faultKind int

const (
	faultNone faultKind = iota
	faultThrottle
	faultServerError
	faultDenied
)

// Faults holds the per-action faults of a Handler. It exists separately from
// the Handler so tests can change faults while requests are in flight; all
// methods are safe for concurrent use. A fault set for an action replaces
// (does not add to) the AllActions fault for that action.
type Faults struct {
	mu       sync.Mutex
	rnd      *rand.Rand
	byAction map[string]Fault
}

// NewFaults returns an empty fault set whose dice are rnd, which Faults then
// owns; pass a seeded source for reproducible tests. A nil rnd uses a fixed
// seed.
func NewFaults(rnd *rand.Rand) *Faults {
	if rnd == nil {
		rnd = rand.New(rand.NewPCG(1, 2))
	}
	return &Faults{rnd: rnd, byAction: make(map[string]Fault)}
}

// Set installs f for action (an Action name such as "DescribeTargetHealth",
// or AllActions).
func (f *Faults) Set(action string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byAction[action] = fault
}

// Clear removes the fault of action (or of AllActions).
func (f *Faults) Clear(action string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.byAction, action)
}

// Reset removes every fault.
func (f *Faults) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.byAction)
}

// Get returns the fault in force for action: its own, else the AllActions
// one.
func (f *Faults) Get(action string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookup(action)
}

func (f *Faults) lookup(action string) (Fault, bool) {
	if fault, ok := f.byAction[action]; ok {
		return fault, true
	}
	fault, ok := f.byAction[AllActions]
	return fault, ok
}

// roll decides the fate of one call of action. The dice are rolled once per
// call, and only when a fraction is set, so a seeded source gives the same
// sequence of outcomes for the same sequence of faulted calls.
func (f *Faults) roll(action string) (Fault, faultKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fault, ok := f.lookup(action)
	switch {
	case !ok:
		return Fault{}, faultNone
	case fault.AccessDenied:
		return fault, faultDenied
	case fault.ThrottleFraction <= 0 && fault.ServerErrorFraction <= 0:
		return fault, faultNone
	}
	x := f.rnd.Float64()
	switch {
	case x < fault.ThrottleFraction:
		return fault, faultThrottle
	case x < fault.ThrottleFraction+fault.ServerErrorFraction:
		return fault, faultServerError
	}
	return fault, faultNone
}

// faultError is the error response for an injected fault.
func faultError(p protocol, fault Fault, kind faultKind, action string) *apiError {
	switch kind {
	case faultThrottle:
		if p == protoEC2 {
			return &apiError{status: 503, code: "RequestLimitExceeded", message: "Request limit exceeded."}
		}
		return &apiError{status: 400, code: "Throttling", message: "Rate exceeded"}
	case faultServerError:
		if fault.ServerErrorStatus == 503 {
			if p == protoEC2 {
				return &apiError{status: 503, code: "Unavailable", message: "The service is unavailable. Try again later."}
			}
			return &apiError{status: 503, code: "ServiceUnavailable", message: "Service is unavailable. Try again later."}
		}
		if p == protoEC2 {
			return &apiError{status: 500, code: "InternalError", message: "An internal error has occurred."}
		}
		return &apiError{status: 500, code: "InternalFailure", message: "An internal error has occurred."}
	case faultDenied:
		if p == protoEC2 {
			return &apiError{status: 403, code: "UnauthorizedOperation", message: "You are not authorized to perform this operation: ec2:" + action}
		}
		return &apiError{status: 403, code: "AccessDenied", message: "User is not authorized to perform: elasticloadbalancing:" + action}
	}
	return nil
}
