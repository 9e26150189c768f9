package autoscaling

import (
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
)

// limits is how far a replacement may take a group of desired capacity N
// from N: it keeps at least minHealthy instances healthy and never has more
// than maxTotal instances in service or pending.
type limits struct {
	minHealthy int
	maxTotal   int
}

// replacementLimits turns the healthy percentages into instance counts.
//
// As AWS: the minimum is rounded UP (90% of 4 is 3.6, so 4 must stay
// healthy) and the maximum DOWN (150% of 3 is 4.5, so at most 4). When the
// rounding leaves no room to replace anything (min 90% of 4 with max 100%,
// or max 110% of 4), AWS still replaces one instance at a time, and so does
// this: with a max above 100% it may launch one extra instance first,
// otherwise one instance may be out of service at a time.
func replacementLimits(desired, minPct, maxPct int) limits {
	if desired <= 0 {
		return limits{}
	}
	l := limits{
		minHealthy: ceilDiv(desired*minPct, 100),
		maxTotal:   max(desired, desired*maxPct/100),
	}
	if l.minHealthy >= l.maxTotal {
		if maxPct > 100 {
			l.maxTotal = l.minHealthy + 1
		} else {
			l.minHealthy = l.maxTotal - 1
		}
	}
	return l
}

// surge is how many instances above desired a replacement may launch.
func (l limits) surge(desired int) int { return max(0, l.maxTotal-desired) }

func ceilDiv(a, b int) int {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

// checkpointCount is how many of total instances must be replaced to
// reach a checkpoint at pct percent (rounded up, so a checkpoint is never
// reached early).
func checkpointCount(total, pct int) int { return ceilDiv(total*pct, 100) }

// percentOf is n as a whole percentage of total (100 when there is nothing to do).
func percentOf(n, total int) int {
	if total <= 0 {
		return 100
	}
	return min(100, n*100/total)
}

// HealthAllowance is how long a new instance gets after its warmup to pass
// the load balancer's health checks before a refresh gives up on it: the
// healthy threshold's worth of checks, each of which may take the full
// timeout, two more in case the workload fails its first ones while it
// starts, and two intervals for the first check to come round.
func HealthAllowance(p timing.Profile) time.Duration {
	return time.Duration(p.HealthyThreshold+2)*(p.HealthInterval+p.HealthTimeout) + 2*p.HealthInterval
}
