package app

import (
	"context"
	"fmt"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

// followRefresh shows a refresh's progress until it ends: a live line on
// a terminal, a plain line per change otherwise. It exits 0 only when the
// refresh ends in success (Successful, or RollbackSuccessful when
// following a rollback), 1 otherwise.
func followRefresh(ctx context.Context, env *Env, c *api.Client, group, id, success string) error {
	tty, _ := terminal(env.Out)
	start := time.Now()
	last := ""
	r, err := c.WaitRefresh(ctx, group, id, func(r autoscaling.Refresh) {
		line := fmt.Sprintf("refresh %s %s %d%%, %d to update%s", r.ID, r.Status, r.PercentComplete, r.InstancesToUpdate, refreshReason(r))
		switch {
		case tty:
			fmt.Fprintf(env.Out, "\r\033[K%s (%s)", line, time.Since(start).Round(time.Second))
		case line != last:
			fmt.Fprintln(env.Out, line)
		}
		last = line
	})
	if tty {
		fmt.Fprintln(env.Out)
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(env.Err, "stopped following; refresh %s goes on: see 'cattle groups refreshes %s'\n", id, group)
			return exitError{ExitFailed}
		}
		return env.call(err)
	}
	fmt.Fprintf(env.Out, "refresh %s ended %s%s\n", r.ID, r.Status, refreshReason(r))
	if r.Status == success {
		return nil
	}
	return exitError{ExitFailed}
}
