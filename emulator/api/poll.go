package api

import (
	"context"
	"time"
)

// Poll calls check at once and then every interval until it reports done
// or fails, or ctx ends. It returns check's error, or ctx's when ctx ended
// while it waited. It is the one way cattle waits for a state to come about.
func Poll(ctx context.Context, interval time.Duration, check func(ctx context.Context) (done bool, err error)) error {
	for {
		done, err := check(ctx)
		if done || err != nil {
			return err
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
