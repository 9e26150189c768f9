package steps

import (
	"context"
	"errors"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/scenarios"
)

// groupsService is what the group, refresh and scaling steps need: a
// daemon that runs auto scaling groups.
var groupsService = &scenarios.Need{
	Name: "auto scaling groups",
	Probe: func(ctx context.Context, r *scenarios.Run) error {
		_, err := r.Client.Groups(ctx)
		if errors.Is(err, errdefs.ErrUnavailable) || errors.Is(err, errdefs.ErrNotFound) {
			return errors.New("this sandbox's daemon does not run them yet")
		}
		return err
	},
}
