package autoscaling

import (
	"context"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// Target health states a LoadBalancing reports.
const (
	TargetInitial   = "initial"
	TargetHealthy   = "healthy"
	TargetUnhealthy = "unhealthy"
	TargetDraining  = "draining"
	TargetUnused    = "unused"
)

// LoadBalancing is what groups need from the load balancers.
type LoadBalancing interface {
	// Check returns nil when the load balancer exists, else an errdefs.NotFound error.
	Check(ctx context.Context, lbName string) error
	// Register makes a running instance a target of the load balancer's target group (idempotent).
	Register(ctx context.Context, lbName string, inst compute.Instance) error
	// TargetState is the instance's target health state in that load balancer: "initial", "healthy",
	// "unhealthy", "draining", "unused", or "" when it is not registered.
	TargetState(lbName, instanceID string) string
}
