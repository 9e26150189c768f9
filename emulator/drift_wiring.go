package emulator

import (
	"context"

	"github.com/cattle-dev/cattle/emulator/drift"
)

// newDrift makes the drift service: it reads each group's remediation
// from auto scaling.
func newDrift(d *Daemon) *drift.Service {
	return drift.New(drift.Config{
		DB: d.db, Compute: d.compute, Runtime: d.rt, Sandbox: d.opts.Sandbox, Network: d.network,
		Profile: d.opts.Timing, Groups: d.groups.Groups,
		GroupMode: func(ctx context.Context, group string) (string, error) {
			g, err := d.groups.Group(ctx, group)
			if err != nil {
				return "", err
			}
			return g.DriftMode(), nil
		},
	})
}
