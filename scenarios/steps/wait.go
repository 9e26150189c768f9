package steps

import (
	"context"
	"time"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[wait]("wait",
		scenarios.Shorthand("duration"),
		scenarios.Doc("wait a while (prefer an expectation with within: it waits only as long as needed)", "wait: 5s"))
}

type wait struct {
	Duration scenarios.Duration `yaml:"duration,required"`
}

func (w *wait) Execute(ctx context.Context, r *scenarios.Run) error {
	t := time.NewTimer(w.Duration.D())
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
