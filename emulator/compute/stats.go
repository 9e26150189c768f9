package compute

import (
	"context"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// CPUUtilization is an instance's CPU use now, as EC2's CPUUtilization
// counts it: in percent of the CPU its instance type allows (a t3.micro
// busy on its half CPU is at 100).
func (s *Service) CPUUtilization(ctx context.Context, inst Instance) (float64, error) {
	if inst.State != StateRunning || inst.ContainerID == "" {
		return 0, errdefs.Conflict("instance %s is %s: only a running instance has a CPU utilization", inst.ID, inst.State)
	}
	itype, err := LookupInstanceType(inst.InstanceType)
	if err != nil {
		return 0, err
	}
	st, err := s.rt.Stats(ctx, inst.ContainerID)
	if err != nil {
		return 0, err
	}
	return min(100, st.CPUPercent/itype.CPUs), nil
}
