package steps

import (
	"context"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[deregisterTargets]("deregister_targets",
		scenarios.Doc("take instances out of a load balancer; with wait (the default) until they have drained",
			"deregister_targets: {load_balancer: web, instances: $web.0}"))
}

type deregisterTargets struct {
	LoadBalancer string                `yaml:"load_balancer,required" ref:"load_balancer"`
	Instances    scenarios.InstanceRef `yaml:"instances,required"`
	Wait         *bool                 `yaml:"wait" default:"true"`
}

func (s *deregisterTargets) Execute(ctx context.Context, r *scenarios.Run) error {
	insts, err := r.Instances(ctx, s.Instances)
	if err != nil {
		return err
	}
	if err := r.Client.DeregisterTargets(ctx, s.LoadBalancer, boolOr(s.Wait, true), scenarios.IDs(insts)...); err != nil {
		return err
	}
	r.Notef("%s: deregistered %s", s.LoadBalancer, scenarios.DescribeInstances(insts))
	return nil
}
