package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectGroupHealthy]("group_healthy", "group",
		scenarios.Needs(groupsService),
		scenarios.Checks("healthy"),
		scenarios.Doc("a group has so many instances in service (running, and healthy in its load balancer)",
			"expect: {group: web, healthy: 3, within: 30s}"))
}

type expectGroupHealthy struct {
	Group   string               `yaml:"group,required" ref:"group"`
	Healthy scenarios.CountRange `yaml:"healthy,required"`
}

// Check refuses a count the group can never have in service.
func (e *expectGroupHealthy) Check(c *scenarios.CheckContext) error {
	return beyondGroup(c, e.Group, "healthy", e.Healthy)
}

func (e *expectGroupHealthy) Execute(ctx context.Context, r *scenarios.Run) error {
	g, err := r.Client.Group(ctx, e.Group)
	if err != nil {
		return err
	}
	if !e.Healthy.Contains(g.Healthy) {
		return fmt.Errorf("group %s has %d in service, want %s (desired %d): %s", e.Group, g.Healthy, e.Healthy, g.Desired, scenarios.DescribeInstances(g.Instances))
	}
	r.Notef("group %s: %d in service of %d desired", e.Group, g.Healthy, g.Desired)
	return nil
}
