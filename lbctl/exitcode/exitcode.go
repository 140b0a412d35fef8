// Package exitcode defines lbctl's documented exit codes and the sentinel
// errors libraries wrap so that cmd can map any error to one code in one place.
// See docs/exit-codes.md.
package exitcode

import "errors"

// Exit codes, stable for scripts and CI.
const (
	OK          = 0 // the command did what was asked
	CheckFailed = 1 // a check, threshold or finding gate failed
	Usage       = 2 // bad usage or input (flags, files, kubeconfig, AWS configuration)
	Unreachable = 3 // the cluster or AWS could not be reached, or refused (RBAC, IAM)
	Interrupted = 4 // interrupted (Ctrl-C) or rolled back
)

// Sentinel errors. Wrap them with fmt.Errorf("...: %w", ErrX) to choose the code.
var (
	// ErrCheckFailed marks a completed run whose verdict is negative.
	ErrCheckFailed = errors.New("check failed")
	// ErrUsage marks bad flags, arguments, files or configuration.
	ErrUsage = errors.New("bad usage")
	// ErrUnreachable marks an API (Kubernetes or AWS) that could not be reached or refused.
	ErrUnreachable = errors.New("unreachable")
	// ErrInterrupted marks a run stopped by a signal or rolled back.
	ErrInterrupted = errors.New("interrupted")
)

// Error carries a one-line message for the user, an optional hint saying how to
// fix it, and the code to exit with. Its Unwrap keeps the cause for errors.Is.
type Error struct {
	Code  int
	Msg   string
	Hint  string
	Cause error
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + "; " + e.Hint
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an *Error with the given code, message and hint.
func New(code int, msg, hint string, cause error) *Error {
	return &Error{Code: code, Msg: msg, Hint: hint, Cause: cause}
}
