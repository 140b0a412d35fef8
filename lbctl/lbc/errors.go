package lbc

import (
	"errors"
	"fmt"
)

// AnnotationError says which annotation holds a value the controller will not
// accept (or will accept only with surprising results), what the value was
// and the form expected, so a scan can report a finding that names the
// Ingress, the annotation and the fix.
type AnnotationError struct {
	// Annotation is the full annotation key (or an IngressClassParams field
	// path such as "IngressClassParams.spec.scheme").
	Annotation string
	// Value is the raw value found.
	Value string
	// Expected describes the accepted form.
	Expected string
	// Err is the underlying cause; errors.Is(err, ErrTolerated) tells a
	// warning from a hard error.
	Err error
}

// Error implements error.
func (e *AnnotationError) Error() string {
	msg := fmt.Sprintf("annotation %s: value %q", e.Annotation, e.Value)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Expected != "" {
		msg += " (expected " + e.Expected + ")"
	}
	return msg
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *AnnotationError) Unwrap() error { return e.Err }

// ErrTolerated marks values the controller accepts, with the result the
// parser returns alongside the error, but that are almost certainly mistakes
// (a duplicate key whose last value silently wins, an unknown condition field
// that is ignored, a missing action replaced by a 503 response). Callers
// report them as warnings rather than failures.
var ErrTolerated = errors.New("accepted by the controller but probably a mistake")

func annErr(annotation, value, expected string, err error) *AnnotationError {
	return &AnnotationError{Annotation: annotation, Value: value, Expected: expected, Err: err}
}

func tolerated(annotation, value, expected, format string, args ...any) *AnnotationError {
	return annErr(annotation, value, expected, fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrTolerated))
}
