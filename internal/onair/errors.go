// Package onair holds the domain of the onair service: hosts, events,
// registrations, notifications and deliveries, their validation, and the
// error vocabulary every other package speaks. It imports only the standard
// library.
package onair

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The error vocabulary. Each sentinel maps to one HTTP status in exactly one
// place (internal/web); everything else wraps one of these with %w.
var (
	ErrInvalid         = errors.New("invalid request")   // 400: malformed input
	ErrUnauthorized    = errors.New("unauthorized")      // 401
	ErrForbidden       = errors.New("forbidden")         // 403
	ErrNotFound        = errors.New("not found")         // 404
	ErrConflict        = errors.New("conflict")          // 409
	ErrGone            = errors.New("gone")              // 410
	ErrTooLarge        = errors.New("request too large") // 413
	ErrUnprocessable   = errors.New("validation failed") // 422
	ErrTooManyRequests = errors.New("too many requests") // 429
	ErrInternal        = errors.New("internal error")    // 500, never for client input
)

// Error is a domain error with a machine-readable code and a message meant
// for the person reading the response. Kind is one of the sentinels above.
type Error struct {
	Kind    error
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Kind }

// Errorf builds an *Error of the given kind and code.
func Errorf(kind error, code, format string, args ...any) error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ValidationError lists every problem found in one input, field by field,
// so that a form can show all of them at once.
type ValidationError struct {
	Fields map[string]string
}

// Add records a problem with field; the first problem of a field wins.
func (v *ValidationError) Add(field, problem string) {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = problem
	}
}

// Has reports whether field already has a problem.
func (v *ValidationError) Has(field string) bool { _, ok := v.Fields[field]; return ok }

// Err returns v when it holds a problem and nil otherwise.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *ValidationError) Error() string {
	keys := make([]string, 0, len(v.Fields))
	for k := range v.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + v.Fields[k]
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

func (v *ValidationError) Unwrap() error { return ErrUnprocessable }

// Invalid returns a validation error about a single field.
func Invalid(field, problem string) error {
	v := &ValidationError{}
	v.Add(field, problem)
	return v
}
