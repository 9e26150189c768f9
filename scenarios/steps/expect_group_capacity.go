package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectGroupCapacity]("group_capacity", "group",
		scenarios.Needs(groupsService),
		scenarios.Checks("desired"),
		scenarios.Doc("a group's desired capacity is a count or in a range (what scaling decided)",
			`expect: {group: web, desired: ">= 4", within: 60s}`))
}

type expectGroupCapacity struct {
	Group   string               `yaml:"group,required" ref:"group"`
	Desired scenarios.CountRange `yaml:"desired,required"`
}

func (e *expectGroupCapacity) Execute(ctx context.Context, r *scenarios.Run) error {
	g, err := r.Client.Group(ctx, e.Group)
	if err != nil {
		return err
	}
	if !e.Desired.Contains(g.Desired) {
		return fmt.Errorf("group %s wants %d instances, not %s (min %d, max %d, %d in service)", e.Group, g.Desired, e.Desired, g.Min, g.Max, g.Healthy)
	}
	r.Notef("group %s: desired %d, %d in service", e.Group, g.Desired, g.Healthy)
	return nil
}
