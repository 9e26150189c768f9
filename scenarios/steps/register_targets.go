package steps

import (
	"context"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[registerTargets]("register_targets",
		scenarios.Doc("register instances as targets of a load balancer",
			"register_targets: {load_balancer: web, instances: $web}"))
}

type registerTargets struct {
	LoadBalancer string                `yaml:"load_balancer,required" ref:"load_balancer"`
	Instances    scenarios.InstanceRef `yaml:"instances,required"`
}

func (s *registerTargets) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := r.Instances(ctx, s.Instances)
	if err != nil {
		return err
	}
	if err := r.Client.RegisterTargets(ctx, s.LoadBalancer, scenarios.IDs(insts)...); err != nil {
		return err
	}
	r.Notef("%s: registered %s", s.LoadBalancer, scenarios.DescribeInstances(insts))
	return nil
}
