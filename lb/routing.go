package lb

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// routing is an immutable snapshot of where a group sends requests. The
// request path reads it with one atomic load; changes publish a new one.
type routing struct {
	targets   []*target
	failOpen  bool        // no healthy target: routing to the unhealthy ones
	slowEnds  []time.Time // per target: end of its slow start, zero if none
	slowUntil time.Time   // the latest of slowEnds
	slowStart time.Duration
	algo      Algorithm // "" = the load balancer's
}

// rebuildLocked publishes the routes for the group's current states.
func (g *TargetGroup) rebuildLocked() {
	r := &routing{algo: g.cfg.Algorithm, slowStart: g.cfg.SlowStart}
	if g.ctx.Err() == nil {
		r.targets = g.withStateLocked(StateHealthy)
		if len(r.targets) == 0 {
			r.targets = g.withStateLocked(StateUnhealthy)
			r.failOpen = len(r.targets) > 0
		}
	}
	now := time.Now()
	for i, t := range r.targets {
		if r.failOpen || !t.slowStartEnd.After(now) {
			continue
		}
		if r.slowEnds == nil {
			r.slowEnds = make([]time.Time, len(r.targets))
		}
		r.slowEnds[i] = t.slowStartEnd
		if t.slowStartEnd.After(r.slowUntil) {
			r.slowUntil = t.slowStartEnd
		}
	}
	g.routes.Store(r)
}

// withStateLocked returns the active targets in a state, sorted by id so
// round robin walks them in a stable order.
func (g *TargetGroup) withStateLocked(s TargetState) []*target {
	var ts []*target
	for _, t := range g.active {
		if t.health.State == s {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *target) int { return strings.Compare(a.id, b.id) })
	return ts
}

// acquire picks a target and counts a request in flight on it; the caller
// must call release. nil means there is no target to route to.
func (g *TargetGroup) acquire(def Algorithm) *target { return g.acquireOther(def, nil) }

// maxOtherTargets bounds how many other targets a request is offered to
// when its target did not take it.
const maxOtherTargets = 2

// acquireOther is acquire avoiding the targets in tried, or nil when every
// target was tried. When the algorithm picks a tried target, the first
// untried one in the routes is taken: picking again may land on the same
// one (least outstanding prefers an idle dead target).
//
// Deregister publishes routes without the target and then marks it
// draining; here the request is counted first and the mark read after. So
// either this request sees the mark and picks again from the new routes,
// or the drainer sees the request in flight and waits for it: no request
// reaches a target after Deregister has returned.
func (g *TargetGroup) acquireOther(def Algorithm, tried []*target) *target {
	for range 8 {
		t := g.pick(def)
		if t != nil && slices.Contains(tried, t) {
			t = firstUntried(g.routes.Load().targets, tried)
		}
		if t == nil {
			return nil
		}
		t.inflight.Add(1)
		if !t.draining.Load() {
			return t
		}
		t.release()
	}
	return nil
}

func firstUntried(ts, tried []*target) *target {
	for _, t := range ts {
		if !slices.Contains(tried, t) {
			return t
		}
	}
	return nil
}

func (g *TargetGroup) pick(def Algorithm) *target {
	r := g.routes.Load()
	n := len(r.targets)
	switch n {
	case 0:
		return nil
	case 1:
		return r.targets[0]
	}
	algo := r.algo
	if algo == "" {
		algo = def
	}
	if algo == LeastOutstandingRequests {
		return r.leastOutstanding(g.next.Add(1))
	}
	if !r.slowUntil.IsZero() {
		if now := time.Now(); now.Before(r.slowUntil) {
			return r.slowStartPick(now)
		}
	}
	return r.targets[g.next.Add(1)%uint64(n)]
}

// leastOutstanding picks the target with the fewest requests in flight;
// ties go round robin, starting from a rotating position.
func (r *routing) leastOutstanding(pos uint64) *target {
	n := len(r.targets)
	start := int(pos % uint64(n))
	best := r.targets[start]
	bestN := best.inflight.Load()
	for i := 1; i < n && bestN > 0; i++ {
		t := r.targets[(start+i)%n]
		if c := t.inflight.Load(); c < bestN {
			best, bestN = t, c
		}
	}
	return best
}

// slowStartPick picks at random, weighting a target in slow start by how
// far its ramp has gone (0 at the start, 1 at the end), the others by 1.
func (r *routing) slowStartPick(now time.Time) *target {
	var weights [16]float64
	w := weights[:0]
	sum := 0.0
	for i := range r.targets {
		x := 1.0
		if end := r.slowEnds[i]; end.After(now) && r.slowStart > 0 {
			x = max(0, 1-float64(end.Sub(now))/float64(r.slowStart))
		}
		w = append(w, x)
		sum += x
	}
	if sum == 0 {
		return r.targets[rand.IntN(len(r.targets))]
	}
	x := rand.Float64() * sum
	for i, wi := range w {
		if x < wi {
			return r.targets[i]
		}
		x -= wi
	}
	return r.targets[len(r.targets)-1]
}
