package emulator

import (
	"context"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
)

// groupMetrics is what scaling policies track: request counts from the
// load balancers' target groups, CPU from the engine's container stats.
type groupMetrics struct {
	lbs     *elb.Service
	compute *compute.Service
}

var _ autoscaling.Metrics = groupMetrics{}

func (m groupMetrics) TargetRequests(ctx context.Context, lbName string) (map[string]int64, error) {
	return m.lbs.TargetRequests(ctx, lbName)
}

func (m groupMetrics) InstanceCPU(ctx context.Context, inst compute.Instance) (float64, error) {
	return m.compute.CPUUtilization(ctx, inst)
}
