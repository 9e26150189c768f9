package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectGroupInService]("group_in_service", "group",
		scenarios.Needs(groupsService),
		scenarios.Checks("in_service"),
		scenarios.Doc("all through a window (during, from or since a step) a group's instances in service stayed within bounds: sampled every 100ms while the window is open",
			"expect: {group: web, in_service: {min: 3, max: 4}, during: refresh}"))
}

type expectGroupInService struct {
	Group           string               `yaml:"group,required" ref:"group"`
	InService       scenarios.CountRange `yaml:"in_service,required"`
	invariantWindow `yaml:",inline"`
}

func (e *expectGroupInService) Validate() error { return e.validate() }

// Check refuses a floor the group's max never reaches.
func (e *expectGroupInService) Check(c *scenarios.CheckContext) error {
	return beyondGroup(c, e.Group, "in_service", e.InService)
}

func (e *expectGroupInService) Sample(ctx context.Context, r *scenarios.Run) (int, string, error) {
	g, err := r.Client.Group(ctx, e.Group)
	if err != nil {
		return 0, "", err
	}
	return g.Healthy, fmt.Sprintf("desired %d: %s", g.Desired, scenarios.DescribeInstances(g.Instances)), nil
}

func (e *expectGroupInService) Execute(ctx context.Context, r *scenarios.Run) error {
	return judge(r, e, e.InService, "group "+e.Group+" in service")
}
