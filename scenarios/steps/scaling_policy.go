package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[scalingPolicy]("scaling_policy",
		scenarios.Needs(groupsService),
		scenarios.Doc("give a group a target tracking policy: requests per target per minute (from its load balancer) or average CPU %",
			"scaling_policy: {group: web, target_requests_per_target: 1200, warmup: 2s}"))
}

type scalingPolicy struct {
	Group                   string              `yaml:"group,required" ref:"group"`
	TargetRequestsPerTarget float64             `yaml:"target_requests_per_target" default:"none: give it or target_cpu"`
	TargetCPU               float64             `yaml:"target_cpu" default:"none: give it or target_requests_per_target"`
	Warmup                  *scenarios.Duration `yaml:"warmup" default:"the group's grace period"`
}

func (s *scalingPolicy) Validate() error {
	if (s.TargetRequestsPerTarget > 0) == (s.TargetCPU > 0) {
		return scenarios.FieldError("group", "give exactly one of target_requests_per_target (per minute) and target_cpu (percent)")
	}
	return nil
}

func (s *scalingPolicy) Execute(ctx context.Context, r *scenarios.Run) error {
	spec := autoscaling.PolicySpec{TargetRequestsPerTarget: s.TargetRequestsPerTarget, TargetCPU: s.TargetCPU}
	if s.Warmup != nil {
		spec.InstanceWarmup = autoscaling.D(s.Warmup.D())
	}
	if _, err := r.Client.PutPolicy(ctx, s.Group, spec); err != nil {
		return err
	}
	what := fmt.Sprintf("%g requests per target per minute", s.TargetRequestsPerTarget)
	if s.TargetCPU > 0 {
		what = fmt.Sprintf("%g%% average CPU", s.TargetCPU)
	}
	r.Notef("group %s tracks %s", s.Group, what)
	return nil
}
