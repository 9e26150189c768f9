package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
)

// PollInterval is how often Poll and the runner's `within` look again.
const PollInterval = 250 * time.Millisecond

// Poll calls check until it returns nil or timeout passes; the error then
// is check's last one, the evidence of what was still wrong.
func Poll(ctx context.Context, timeout time.Duration, check func(ctx context.Context) error) error {
	deadline := time.Now().Add(timeout)
	var last error
	err := api.Poll(ctx, PollInterval, func(ctx context.Context) (bool, error) {
		last = check(ctx)
		var perm permanent
		switch {
		case last == nil:
			return true, nil
		case errors.As(last, &perm):
			return true, perm.err
		case ctx.Err() != nil:
			return true, fmt.Errorf("%w (still: %v)", ctx.Err(), last)
		case !time.Now().Before(deadline) && timeout > 0:
			return true, fmt.Errorf("after %s: %w", timeout.Round(time.Millisecond), last)
		case !time.Now().Before(deadline):
			return true, last
		}
		return false, nil
	})
	if err != nil && err == ctx.Err() && last != nil {
		// ctx ended while Poll waited: say what was still wrong.
		return fmt.Errorf("%w (still: %v)", err, last)
	}
	return err
}

// permanent marks an error that no amount of waiting fixes.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps an error so that Poll (and `within`) stop at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}
