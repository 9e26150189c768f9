package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[removeInstance]("remove_instance",
		scenarios.Doc("remove an instance's container behind cattle's back (docker rm -f), as a failure would",
			"remove_instance: {instance: any, as: victim}"))
}

type removeInstance struct {
	pick `yaml:",inline"`
	As   scenarios.Name `yaml:"as" default:"none: not saved"`
}

func (s *removeInstance) Validate() error { return s.pick.validate() }

func (s *removeInstance) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := s.resolve(ctx, r)
	if err != nil {
		return err
	}
	r.Save(string(s.As), scenarios.IDs(insts))
	for _, i := range insts {
		containers := []string{i.ContainerID}
		if i.ContainerID == "" {
			cs, err := r.Runtime.List(ctx, map[string]string{sandbox.LabelSandbox: r.Sandbox, sandbox.LabelInstance: i.ID})
			if err != nil {
				return err
			}
			containers = containers[:0]
			for _, c := range cs {
				containers = append(containers, c.ID)
			}
		}
		if len(containers) == 0 {
			return fmt.Errorf("%s has no container to remove", i.ID)
		}
		for _, c := range containers {
			if err := r.Runtime.Remove(ctx, c, true); err != nil {
				return fmt.Errorf("removing the container of %s: %w", i.ID, err)
			}
		}
		r.Notef("removed the container of %s (%s, %s) behind cattle's back", i.ID, i.Zone, i.Template)
	}
	return nil
}
