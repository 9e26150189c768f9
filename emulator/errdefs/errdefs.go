// Package errdefs names the classes of failure the control plane reports.
// Errors are wrapped with %w around one of these; the API turns the class
// into a status code and the CLI into an exit code.
package errdefs

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalid is a request that can never succeed as written.
	ErrInvalid = errors.New("invalid request")
	// ErrNotFound names something that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict is a request that clashes with the current state.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable is a dependency (the engine) that does not answer.
	ErrUnavailable = errors.New("unavailable")
)

// Invalid returns an ErrInvalid error with a formatted message.
func Invalid(format string, args ...any) error { return wrap(ErrInvalid, format, args...) }

// NotFound returns an ErrNotFound error with a formatted message.
func NotFound(format string, args ...any) error { return wrap(ErrNotFound, format, args...) }

// Conflict returns an ErrConflict error with a formatted message.
func Conflict(format string, args ...any) error { return wrap(ErrConflict, format, args...) }

// classified keeps the message as the user sees it while still matching its class.
type classified struct {
	class error
	msg   string
}

func (e *classified) Error() string        { return e.msg }
func (e *classified) Is(target error) bool { return target == e.class }

func wrap(class error, format string, args ...any) error {
	return &classified{class: class, msg: fmt.Sprintf(format, args...)}
}
