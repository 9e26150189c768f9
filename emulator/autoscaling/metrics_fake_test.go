package autoscaling

import (
	"context"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/sandbox"
)

// fakeMetrics is a constant load on load balancer web, spread evenly over
// the targets the fake load balancer finds healthy and counted on the fake
// clock; CPU comes from the fake runtime's stats through compute.
type fakeMetrics struct {
	h *harness

	mu        sync.Mutex
	perMinute float64            // requests per minute to the load balancer
	counts    map[string]float64 // requests each target was sent
	last      time.Time          // when counts were last brought up to date
}

// setLoad changes the load from now on.
func (f *fakeMetrics) setLoad(perMinute float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.catchUpLocked()
	f.perMinute = perMinute
}

// catchUpLocked counts the requests sent since the last call.
func (f *fakeMetrics) catchUpLocked() {
	now := f.h.clock.Now()
	if !f.last.IsZero() && f.perMinute > 0 {
		if healthy := f.h.lb.healthy("web"); len(healthy) > 0 {
			each := f.perMinute * now.Sub(f.last).Minutes() / float64(len(healthy))
			for _, id := range healthy {
				f.counts[id] += each
			}
		}
	}
	f.last = now
}

func (f *fakeMetrics) TargetRequests(ctx context.Context, lb string) (map[string]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.catchUpLocked()
	out := map[string]int64{}
	for _, id := range f.h.lb.registered(lb) {
		out[id] = int64(f.counts[id])
	}
	return out, nil
}

func (f *fakeMetrics) InstanceCPU(ctx context.Context, inst compute.Instance) (float64, error) {
	return f.h.compute.CPUUtilization(ctx, inst)
}

// setCPU makes the engine report inst at util percent of its instance
// type's CPU (a t3.micro has half a CPU).
func (h *harness) setCPU(inst compute.Instance, util float64) {
	itype, err := compute.LookupInstanceType(inst.InstanceType)
	if err != nil {
		h.t.Fatal(err)
	}
	h.rt.SetStats(inst.ContainerID, sandbox.ContainerStats{CPUPercent: util * itype.CPUs})
}

// healthy lists the targets of lb that are healthy now.
func (f *fakeLB) healthy(lb string) []string {
	var out []string
	for _, id := range f.registered(lb) {
		if f.TargetState(lb, id) == TargetHealthy {
			out = append(out, id)
		}
	}
	return out
}

// registered lists the targets of lb.
func (f *fakeLB) registered(lb string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, t := range f.targets {
		if t.lb == lb {
			out = append(out, id)
		}
	}
	return out
}
