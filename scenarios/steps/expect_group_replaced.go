package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectGroupReplaced]("group_replaced", "group",
		scenarios.Needs(groupsService),
		scenarios.Checks("replaced"),
		scenarios.Doc("instances of a group are gone and the group is back at capacity with others in service",
			"expect: {group: web, replaced: $victim, within: 30s}"))
}

type expectGroupReplaced struct {
	Group    string                `yaml:"group,required" ref:"group"`
	Replaced scenarios.InstanceRef `yaml:"replaced,required"`
}

func (e *expectGroupReplaced) Execute(ctx context.Context, r *scenarios.Run) error {
	old, err := r.Instances(ctx, e.Replaced)
	if err != nil {
		return err
	}
	for _, i := range old {
		if i.Live() {
			return fmt.Errorf("%s is still %s", i.ID, i.State)
		}
	}
	g, err := r.Client.Group(ctx, e.Group)
	if err != nil {
		return err
	}
	oldIDs := scenarios.IDs(old)
	var fresh []string
	for _, i := range g.Instances {
		if i.State == compute.StateRunning && !slices.Contains(oldIDs, i.ID) {
			fresh = append(fresh, i.ID)
		}
	}
	if g.Healthy < g.Desired || len(fresh) < g.Desired {
		return fmt.Errorf("group %s has %d in service of %d desired: %s", e.Group, g.Healthy, g.Desired, scenarios.DescribeInstances(g.Instances))
	}
	r.Notef("group %s: %v gone, %d in service: %v", e.Group, oldIDs, g.Healthy, fresh)
	return nil
}
