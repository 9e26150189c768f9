package steps

import (
	"context"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[cancelRefresh]("cancel_refresh",
		scenarios.Needs(groupsService),
		scenarios.Doc("cancel the group's refresh in progress (replaced instances stay replaced)",
			"cancel_refresh: {group: web, wait: true}"))
}

type cancelRefresh struct {
	Group   string             `yaml:"group,required" ref:"group"`
	Wait    bool               `yaml:"wait" default:"false"`
	Timeout scenarios.Duration `yaml:"timeout" default:"10m"`
}

func (s *cancelRefresh) Execute(ctx context.Context, r *scenarios.Run) error {
	rf, err := r.Client.CancelRefresh(ctx, s.Group)
	if err != nil {
		return err
	}
	return followRefresh(ctx, r, s.Group, rf, s.Wait, s.Timeout)
}
