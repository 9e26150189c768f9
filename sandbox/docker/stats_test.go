package docker

import (
	"math"
	"testing"

	"github.com/moby/moby/api/types/container"
)

func TestStatsFromComputesAsDockerStats(t *testing.T) {
	st := container.StatsResponse{
		CPUStats:    container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: 1_500_000_000}, SystemUsage: 12_000_000_000, OnlineCPUs: 4},
		PreCPUStats: container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: 1_000_000_000}, SystemUsage: 8_000_000_000, OnlineCPUs: 4},
	}
	got := statsFrom(st)
	// 0.5 s of CPU out of 4 s of host time on 4 CPUs: half of one CPU.
	if math.Abs(got.CPUPercent-50) > 1e-9 {
		t.Errorf("CPU %.3f%%, want 50%%", got.CPUPercent)
	}
}

func TestStatsFromStoppedContainerIsZero(t *testing.T) {
	got := statsFrom(container.StatsResponse{})
	if got.CPUPercent != 0 {
		t.Errorf("stopped container: %+v, want zeros", got)
	}
}

func TestStatsFromCountsPerCPUWhenOnlineIsUnknown(t *testing.T) {
	st := container.StatsResponse{
		CPUStats:    container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: 2e9, PercpuUsage: []uint64{1, 1}}, SystemUsage: 4e9},
		PreCPUStats: container.CPUStats{CPUUsage: container.CPUUsage{TotalUsage: 1e9}, SystemUsage: 2e9},
	}
	if got := statsFrom(st).CPUPercent; math.Abs(got-100) > 1e-9 {
		t.Errorf("CPU %.3f%%, want 100%% (one whole CPU of two)", got)
	}
}
