package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectTargetsHealthy]("targets_healthy", "load_balancer",
		scenarios.Checks("healthy"),
		scenarios.Doc("a load balancer has so many healthy targets (a count or a range)",
			"expect: {load_balancer: web, healthy: 3, within: 30s}"))
}

type expectTargetsHealthy struct {
	LoadBalancer string               `yaml:"load_balancer,required" ref:"load_balancer"`
	Healthy      scenarios.CountRange `yaml:"healthy,required"`
}

func (e *expectTargetsHealthy) Execute(ctx context.Context, r *scenarios.Run) error {
	targets, err := r.Client.Targets(ctx, e.LoadBalancer)
	if err != nil {
		return err
	}
	healthy := 0
	var parts []string
	for _, t := range targets {
		if t.State == "healthy" {
			healthy++
		}
		s := t.ID + " " + t.State
		if t.Reason != "" {
			s += " (" + t.Reason + ")"
		}
		parts = append(parts, s)
	}
	if !e.Healthy.Contains(healthy) {
		return fmt.Errorf("want %s healthy targets in %s, found %d: %s", e.Healthy, e.LoadBalancer, healthy, strings.Join(parts, ", "))
	}
	r.Notef("%s: %s", e.LoadBalancer, strings.Join(parts, ", "))
	return nil
}
