package steps

import (
	"context"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[scale]("scale",
		scenarios.Needs(groupsService),
		scenarios.Doc("set a group's desired capacity (between its min and max)", "scale: {group: web, desired: 5}"))
}

type scale struct {
	Group   string `yaml:"group,required" ref:"group"`
	Desired int    `yaml:"desired,required"`
}

func (s *scale) Validate() error {
	if s.Desired < 0 {
		return scenarios.FieldError("desired", "desired cannot be negative")
	}
	return nil
}

// Check refuses a desired capacity outside the group's min and max, as
// the API would.
func (s *scale) Check(c *scenarios.CheckContext) error {
	if g, ok := c.Defined("group", s.Group).(*createGroup); ok {
		if err := autoscaling.ValidateCapacity(g.Min, s.Desired, g.Max); err != nil {
			return scenarios.FieldError("desired", "%v (group %s)", err, s.Group)
		}
	}
	return nil
}

func (s *scale) Execute(ctx context.Context, r *scenarios.Run) error {
	desired := s.Desired
	g, err := r.Client.ScaleGroup(ctx, s.Group, autoscaling.ScaleSpec{Desired: &desired})
	if err != nil {
		return err
	}
	r.Notef("group %s: desired %d (min %d, max %d)", g.Name, g.Desired, g.Min, g.Max)
	return nil
}
