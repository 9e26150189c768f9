package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[terminate]("terminate",
		scenarios.Doc("terminate instances through the API, as a user would, and wait until they are gone",
			"terminate: {instance: $web.0, as: gone}"))
}

type terminate struct {
	pick    `yaml:",inline"`
	As      scenarios.Name     `yaml:"as" default:"none: not saved"`
	Wait    *bool              `yaml:"wait" default:"true"`
	Timeout scenarios.Duration `yaml:"timeout" default:"60s"`
}

func (t *terminate) Validate() error { return t.pick.validate() }

func (t *terminate) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := t.resolve(ctx, r)
	if err != nil {
		return err
	}
	ids := scenarios.IDs(insts)
	r.Save(string(t.As), ids)
	if _, err := r.Client.Terminate(ctx, ids...); err != nil {
		return err
	}
	for _, i := range insts {
		r.Notef("terminating %s (%s, %s)", i.ID, i.Zone, i.Template)
	}
	if !boolOr(t.Wait, true) {
		return nil
	}
	return scenarios.Poll(ctx, orDefault(t.Timeout, scenarios.Duration(defaultTerminateTimeout)).D(), func(ctx context.Context) error {
		for _, id := range ids {
			i, err := r.Client.Instance(ctx, id)
			if err != nil {
				return err
			}
			if i.State != compute.StateTerminated {
				return fmt.Errorf("%s is still %s", id, i.State)
			}
		}
		return nil
	})
}
