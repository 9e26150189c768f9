package steps

import (
	"context"
	"strings"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectHealthyTargets]("healthy_targets", "load_balancer",
		scenarios.Checks("healthy_targets"),
		scenarios.Doc("all through a window (during, from or since a step) a load balancer's healthy targets stayed within bounds: sampled every 100ms while the window is open",
			"expect: {load_balancer: web, healthy_targets: {min: 2}, during: refresh}"))
}

type expectHealthyTargets struct {
	LoadBalancer    string               `yaml:"load_balancer,required" ref:"load_balancer"`
	HealthyTargets  scenarios.CountRange `yaml:"healthy_targets,required"`
	invariantWindow `yaml:",inline"`
}

func (e *expectHealthyTargets) Validate() error { return e.validate() }

func (e *expectHealthyTargets) Sample(ctx context.Context, r *scenarios.Run) (int, string, error) {
	targets, err := r.Client.Targets(ctx, e.LoadBalancer)
	if err != nil {
		return 0, "", err
	}
	healthy := 0
	parts := make([]string, 0, len(targets))
	for _, t := range targets {
		if t.State == "healthy" {
			healthy++
		}
		parts = append(parts, t.ID+" "+t.State)
	}
	return healthy, strings.Join(parts, ", "), nil
}

func (e *expectHealthyTargets) Execute(ctx context.Context, r *scenarios.Run) error {
	return judge(r, e, e.HealthyTargets, "load balancer "+e.LoadBalancer+" healthy targets")
}
