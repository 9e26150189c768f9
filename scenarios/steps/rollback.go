package steps

import (
	"context"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[rollback]("rollback",
		scenarios.Needs(groupsService),
		scenarios.Doc("roll back the group's refresh in progress: replaced instances are replaced again with the configuration from before",
			"rollback: {group: web, wait: true}"))
}

type rollback struct {
	Group   string             `yaml:"group,required" ref:"group"`
	Wait    bool               `yaml:"wait" default:"false"`
	Timeout scenarios.Duration `yaml:"timeout" default:"10m"`
}

func (s *rollback) Execute(ctx context.Context, r *scenarios.Run) error {
	rf, err := r.Client.Rollback(ctx, s.Group)
	if err != nil {
		return err
	}
	return followRefresh(ctx, r, s.Group, rf, s.Wait, s.Timeout)
}
