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
)

// LoadBalancing is what groups need from the load balancers.
// A group attaches to a target group by name: lbName below (and a group's
// LoadBalancer field) is the target group's name, the one `cattle lb
// create NAME` makes along with its load balancer, or one made alone.
type LoadBalancing interface {
	// Check returns nil when the target group exists, else an errdefs.NotFound error.
	Check(ctx context.Context, lbName string) error
	// Register makes a running instance a target of the target group (idempotent).
	Register(ctx context.Context, lbName string, inst compute.Instance) error
	// TargetStates are the target health states in that load balancer, by
	// instance id: "initial", "healthy", "unhealthy", "draining" or "unused".
	// An instance not registered there is absent. One call per group and
	// pass: a load balancer reads its target group once for all of them.
	TargetStates(lbName string) map[string]string
}
