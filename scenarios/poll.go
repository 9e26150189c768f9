package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// PollInterval is how often Poll and the runner's `within` look again.
const PollInterval = 250 * time.Millisecond

// Poll calls check until it returns nil or timeout passes; the error then
// is check's last one, the evidence of what was still wrong.
func Poll(ctx context.Context, timeout time.Duration, check func(ctx context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		var perm permanent
		if errors.As(err, &perm) {
			return perm.err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (still: %v)", ctx.Err(), err)
		}
		if !time.Now().Before(deadline) {
			if timeout > 0 {
				return fmt.Errorf("after %s: %w", timeout.Round(time.Millisecond), err)
			}
			return err
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(PollInterval, time.Until(deadline))):
		}
	}
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
