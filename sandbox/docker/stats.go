package docker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// Stats takes one non-streaming sample of a container's resource use. The
// engine reads the CPU counters twice, a second apart, so the CPU use is
// the rate over that second, computed as `docker stats` does.
func (r *Runtime) Stats(ctx context.Context, id string) (sandbox.ContainerStats, error) {
	res, err := r.cli.ContainerStats(ctx, id, client.ContainerStatsOptions{Stream: false, IncludePreviousSample: true})
	if err != nil {
		return sandbox.ContainerStats{}, r.wrap("read the stats of container "+id, err)
	}
	defer res.Body.Close()
	var st container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		return sandbox.ContainerStats{}, fmt.Errorf("read the stats of container %s: %w", id, err)
	}
	return statsFrom(st), nil
}

// statsFrom turns the engine's sample into ContainerStats.
func statsFrom(st container.StatsResponse) sandbox.ContainerStats {
	return sandbox.ContainerStats{CPUPercent: cpuPercent(st)}
}

// cpuPercent is the docker CLI's calculation: the container's share of the
// host's CPU time between the two samples, times the CPUs online, so 100
// is one whole CPU. A stopped container reads 0.
func cpuPercent(st container.StatsResponse) float64 {
	cur, pre := st.CPUStats, st.PreCPUStats
	if cur.CPUUsage.TotalUsage < pre.CPUUsage.TotalUsage || cur.SystemUsage <= pre.SystemUsage {
		return 0
	}
	cpuDelta := float64(cur.CPUUsage.TotalUsage - pre.CPUUsage.TotalUsage)
	systemDelta := float64(cur.SystemUsage - pre.SystemUsage)
	online := float64(cur.OnlineCPUs)
	if online == 0 {
		online = float64(len(cur.CPUUsage.PercpuUsage))
	}
	return cpuDelta / systemDelta * online * 100
}
