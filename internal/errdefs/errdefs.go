// Package errdefs names the classes of failure cattle reports. The classes
// are those of github.com/containerd/errdefs, which the engine client uses
// too, so that every layer (store, sandbox, images, the control plane)
// wraps into one set: the API turns a class into a status code with
// errhttp, the client turns the status back, and the CLI picks its exit
// code from the class.
//
// The helpers here keep the message exactly as the user sees it while the
// error still matches its class with errors.Is.
package errdefs

import (
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
)

// The classes cattle uses, under the names its code has always used.
var (
	// ErrInvalid is a request that can never succeed as written (400).
	ErrInvalid = cerrdefs.ErrInvalidArgument
	// ErrNotFound names something that does not exist (404).
	ErrNotFound = cerrdefs.ErrNotFound
	// ErrConflict is a request that clashes with the current state (409).
	ErrConflict = cerrdefs.ErrConflict
	// ErrUnavailable is a dependency (the engine) that does not answer (503).
	ErrUnavailable = cerrdefs.ErrUnavailable
)

// Invalid returns an ErrInvalid error with a formatted message.
func Invalid(format string, args ...any) error {
	return cerrdefs.ErrInvalidArgument.WithMessage(fmt.Sprintf(format, args...))
}

// NotFound returns an ErrNotFound error with a formatted message.
func NotFound(format string, args ...any) error {
	return cerrdefs.ErrNotFound.WithMessage(fmt.Sprintf(format, args...))
}

// Conflict returns an ErrConflict error with a formatted message.
func Conflict(format string, args ...any) error {
	return cerrdefs.ErrConflict.WithMessage(fmt.Sprintf(format, args...))
}

// Unavailable returns an ErrUnavailable error with a formatted message.
func Unavailable(format string, args ...any) error {
	return cerrdefs.ErrUnavailable.WithMessage(fmt.Sprintf(format, args...))
}
