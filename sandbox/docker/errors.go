package docker

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// engineError is an engine failure classified for callers: errors.Is finds
// both the sandbox sentinel and the client's own error, while the message
// stays one readable line.
type engineError struct {
	msg   string
	kind  error // errdefs.ErrNotFound, ErrConflict, ErrUnavailable or nil
	cause error
}

func (e *engineError) Error() string { return e.msg }

func (e *engineError) Unwrap() []error {
	var errs []error
	for _, err := range []error{e.kind, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// unavailable is the one error every command shows when no engine answers.
func unavailable(host string, cause error) error {
	return &engineError{
		msg:   fmt.Sprintf("cannot reach the Docker engine at %s: start Docker or set DOCKER_HOST", host),
		kind:  cerrdefs.ErrUnavailable,
		cause: cause,
	}
}

// wrap classifies a client error: an engine that does not answer becomes
// errdefs.ErrUnavailable, a missing object errdefs.ErrNotFound; the message
// names what was being done (op), e.g. `inspect container abc`.
func (r *Runtime) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ee *engineError
	if errors.As(err, &ee) {
		return err // already classified
	}
	switch {
	case client.IsErrConnectionFailed(err) || isConnectionLost(err):
		return unavailable(r.host(), err)
	case cerrdefs.IsNotFound(err):
		return &engineError{msg: fmt.Sprintf("%s: %v", op, err), kind: cerrdefs.ErrNotFound, cause: err}
	case cerrdefs.IsConflict(err):
		return &engineError{msg: fmt.Sprintf("%s: %v", op, err), kind: cerrdefs.ErrConflict, cause: err}
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

func isNotFound(err error) bool { return errors.Is(err, cerrdefs.ErrNotFound) }

// isConnectionLost reports an engine that went away under a request: the
// connection dropped, or could not be made again. The client classifies
// only failures to connect; these are the same fault, met later.
func isConnectionLost(err error) bool {
	for _, e := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed,
		syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.EPIPE, syscall.ENOENT} {
		if errors.Is(err, e) {
			return true
		}
	}
	var op *net.OpError
	return errors.As(err, &op)
}
