package autoscaling

import (
	"fmt"
	"slices"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// course is what every step of a pass over a refresh in progress reads:
// which way it goes, what it launches, and which instances are old.
type course struct {
	g         Group
	r         Refresh // as the pass read it
	now       time.Time
	warmup    time.Duration
	allowance time.Duration // after warmup, to pass the health checks
	started   time.Time     // when this daemon started
	rollback  bool
	phase     string
	target    Configuration // what this phase launches
	toUpdate  map[string]bool
	skipped   map[string]bool
	// outage is how long the engine was away since a time: the refresh's
	// clocks stop while it is.
	outage func(since time.Time) time.Duration
	s      *Service
}

func (s *Service) courseOf(g Group, r Refresh, now time.Time) course {
	c := course{g: g, r: r, now: now, warmup: r.Preferences.InstanceWarmup.Std(), allowance: HealthAllowance(s.profile),
		started: s.started, outage: s.compute.EngineOutage, s: s, phase: phaseForward, target: r.Target, toUpdate: setOf(r.ToUpdate), skipped: setOf(r.Skipped)}
	if r.Status == RefreshRollbackInProgress {
		c.rollback, c.phase, c.target = true, phaseRollback, r.Previous
	}
	return c
}

// isOld reports whether m is still to be replaced in this phase.
func (c course) isOld(m member) bool {
	if !c.rollback {
		return c.toUpdate[m.ID]
	}
	return !c.toUpdate[m.ID] && !c.skipped[m.ID] && !onConfig(m.Instance, c.r.Previous)
}

// mine reports whether this phase launched m.
func (c course) mine(m member) bool {
	return m.Tags[TagRefresh] == c.r.ID && m.Tags[TagPhase] == c.phase
}

func (c course) serves(m member) bool { return inService(c.g, m, c.warmup, c.now) }

// hasServed reports whether m, which this phase launched, serves or has
// served: the refresh's clock for it has stopped for good.
func (c course) hasServed(m member) bool {
	return c.s.hasServed(m.ID, c.serves(m), c.now)
}

// hasServed records that id serves, when it does, and reports whether it
// ever did. Records older than a day go (their refreshes are long over).
func (s *Service) hasServed(id string, serves bool, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !serves {
		_, ok := s.servedAt[id]
		return ok
	}
	if _, ok := s.servedAt[id]; !ok {
		for old, at := range s.servedAt {
			if now.Sub(at) > 24*time.Hour {
				delete(s.servedAt, old)
			}
		}
		s.servedAt[id] = now
	}
	return true
}

// deadline is when m must be in service: its warmup and health checks'
// time, once it runs, not counting the time the engine was away.
func (c course) deadline(m member) time.Time {
	base := runningSince(m)
	if c.started.After(base) {
		base = c.started // a restarted daemon gives every instance a fair look
	}
	return base.Add(c.warmup + c.allowance + c.outage(base))
}

// knownBad reports whether m is known to be failing: the load balancer
// finds it unhealthy past its grace period, or its time to serve is over.
func (c course) knownBad(m member) bool {
	if c.serves(m) {
		return false
	}
	pastGrace := !c.now.Before(m.LaunchedAt.Add(c.g.HealthCheckGracePeriod.Std() + c.outage(m.LaunchedAt)))
	return m.target == TargetUnhealthy && pastGrace || !c.now.Before(c.deadline(m))
}

// failure is why the refresh fails, or "": an instance this phase
// launched stopped, or is not in service in time. It wakes res when the
// clocks of the others run out.
func (c course) failure(ms []member, res *passResult) string {
	for _, m := range ms {
		if !c.mine(m) || c.hasServed(m) {
			continue
		}
		if m.State != compute.StatePending && m.State != compute.StateRunning {
			return fmt.Sprintf("instance %s launched from %s is %s: %s", m.ID, c.target, m.State, m.StateReason)
		}
		res.watch = true
		if m.State == compute.StatePending {
			continue // its clocks start when it runs
		}
		dl := c.deadline(m)
		if !c.now.Before(dl) {
			return fmt.Sprintf("instance %s launched from %s did not come into service within %s (warmup %s + health checks %s): its target state is %s",
				m.ID, c.target, c.warmup+c.allowance, c.warmup, c.allowance, orNone(m.target))
		}
		res.wakeAt(dl)
		if ready := readyAt(m, c.warmup); c.now.Before(ready) {
			res.wakeAt(ready)
		}
	}
	return ""
}

// census sorts a group under refresh out.
type census struct {
	unhealthy  []victim // the group's health check replaces them
	old, fresh []member // the healthy ones still to replace, and the others
	healthy    int      // in service
}

// gone is how many of total the phase has replaced.
func (cs census) gone(total int) int { return total - len(cs.old) }

// census runs the group's health check, which still replaces the
// instances this phase did not launch and those it launched that have
// served, and sorts the rest.
func (c course) census(ms []member, res *passResult) census {
	var cs census
	// The instances this phase launched are the refresh's to judge until
	// they serve; after that, the health check's, as any other.
	why, bad := healthCheck(c.g, filter(ms, func(m member) bool { return !c.mine(m) || c.hasServed(m) }), c.now, res)
	for _, m := range bad {
		w := why[m.ID]
		cs.unhealthy = append(cs.unhealthy, victim{inst: m.Instance, kind: EventReplace,
			reason: "Server.AutoScaling: group " + c.g.Name + " found it unhealthy during refresh " + c.r.ID + ": " + w,
			msg:    w + ": terminating it during refresh " + c.r.ID})
	}
	for _, m := range ms {
		if why[m.ID] != "" {
			continue
		}
		if c.isOld(m) {
			cs.old = append(cs.old, m)
		} else {
			cs.fresh = append(cs.fresh, m)
		}
		if c.serves(m) {
			cs.healthy++
		}
	}
	return cs
}

// percent is the progress as AWS counts it: an instance is updated once
// its replacement is in service. It never goes back: a replacement that
// is not in service for a while (the load balancer checks it again after
// a restart) stays counted. A rollback counts back down to zero.
func (c course) percent(cs census) int {
	if c.rollback {
		n := 0
		for _, m := range cs.old {
			if c.serves(m) {
				n++
			}
		}
		return min(c.r.PercentComplete, n*100/max(c.r.Total, 1))
	}
	served := 0
	for _, m := range cs.fresh {
		if !c.skipped[m.ID] && c.serves(m) {
			served++
		}
	}
	return max(c.r.PercentComplete, percentOf(min(cs.gone(c.r.Total), served), c.r.Total))
}

// progress records the progress when it changed.
func (s *Service) progress(d *refreshDecision, c course, cs census) {
	pct, left := c.percent(cs), len(cs.old)
	if pct == d.r.PercentComplete && left == d.r.InstancesToUpdate {
		return
	}
	d.r.PercentComplete, d.r.InstancesToUpdate = pct, left
	msg := fmt.Sprintf("refresh %s: %d%% complete, %d instance(s) left to replace", d.r.ID, pct, left)
	if c.rollback {
		msg = fmt.Sprintf("refresh %s rolling back: %d instance(s) left to replace with %s", d.r.ID, left, c.target)
	}
	d.record(s.refreshEvent(EventRefreshProgress, d.r, msg))
}

// checkpointHold is what the next checkpoint allows.
type checkpointHold struct {
	limit  int  // how many instances may be replaced before it
	paused bool // it is reached: no surge
	moved  bool // the refresh stopped at it or went on: the pass ends there
	// end: it is the last checkpoint, below 100%, and reached: as AWS,
	// the refresh ends there, the rest of the group left as it is.
	end bool
}

// checkpoint holds the refresh once enough instances are replaced and
// serve, for the checkpoint's delay.
func (s *Service) checkpoint(d *refreshDecision, c course, gone int, settled bool) checkpointHold {
	r := &d.r
	hold := checkpointHold{limit: r.Total}
	cps := r.Preferences.CheckpointPercentages
	if c.rollback || r.Status != RefreshInProgress || r.CheckpointIndex >= len(cps) || cps[r.CheckpointIndex] >= 100 {
		return hold
	}
	pct := cps[r.CheckpointIndex]
	hold.limit = checkpointCount(r.Total, pct)
	if gone < hold.limit {
		return hold
	}
	hold.paused = true
	if !settled {
		return hold
	}
	if r.CheckpointIndex == len(cps)-1 {
		hold.end = true
		return hold
	}
	delay := r.Preferences.CheckpointDelay.Std()
	switch {
	case r.CheckpointReachedAt == nil:
		at := c.now.UTC()
		r.CheckpointReachedAt = &at
		r.StatusReason = fmt.Sprintf("waiting at checkpoint %d%% for %s", pct, delay)
		d.record(s.refreshEvent(EventRefreshCheckpoint, *r,
			fmt.Sprintf("refresh %s reached checkpoint %d%% (%d of %d replaced): waiting %s", r.ID, pct, gone, r.Total, delay)))
		hold.moved = true
	case !c.now.Before(r.CheckpointReachedAt.Add(delay)):
		r.CheckpointIndex++
		r.CheckpointReachedAt, r.StatusReason = nil, ""
		d.record(s.refreshEvent(EventRefreshCheckpoint, *r, fmt.Sprintf("refresh %s goes on after checkpoint %d%%", r.ID, pct)))
		hold.moved = true
	default:
		d.res.wakeAt(r.CheckpointReachedAt.Add(delay))
	}
	return hold
}

// replacement is the old instances a pass terminates, and what it leaves.
type replacement struct {
	lim       limits
	picked    []member // old instances to terminate now
	victims   []victim // the same, with why
	spare     int      // instances in service still to spare above min healthy
	remaining []member // the old and fresh ones that stay
}

// victims picks the old instances to terminate, within min healthy and
// the checkpoint: known failing ones first, then AWS's termination order.
func (c course) victims(cs census, cpLimit int, ms []member) replacement {
	prefs := c.r.Preferences
	rp := replacement{lim: replacementLimits(c.g.Desired, prefs.MinHealthyPercentage, prefs.MaxHealthyPercentage)}
	ordered := filter(cs.old, c.knownBad)
	ordered = append(ordered, scaleInOrder(c.g.Zones, c.target, filter(cs.old, not(c.knownBad)), len(cs.old))...)
	rp.spare = cs.healthy - rp.lim.minHealthy
	cpBudget := cpLimit - cs.gone(c.r.Total)
	// As AWS, the next batch waits until the instances this phase launched
	// pass the health checks and warm up: going on with the healthy ones
	// to spare so far would start a partial batch, and a whole extra round
	// of launch and health checks for the rest.
	batchComing := slices.ContainsFunc(ms, func(m member) bool { return c.mine(m) && !c.serves(m) })
	for _, m := range ordered {
		if cpBudget <= 0 {
			break
		}
		if !c.knownBad(m) {
			// Only an instance known to be failing goes without a healthy
			// one to spare: one the load balancer has not judged yet (after
			// a restart, say) may be serving.
			if rp.spare <= 0 || batchComing {
				continue
			}
			rp.spare--
		}
		cpBudget--
		rp.picked = append(rp.picked, m)
		rp.victims = append(rp.victims, victim{inst: m.Instance, kind: EventRefreshTerminate,
			reason: fmt.Sprintf("Server.AutoScaling: refresh %s replaces it with %s", c.r.ID, c.target),
			msg: fmt.Sprintf("refresh %s: terminating %s (%s:%d) to replace it with %s; %d in service, min healthy %d",
				c.r.ID, m.ID, m.Template, m.TemplateVersion, c.target, cs.healthy, rp.lim.minHealthy)})
	}
	rp.remaining = slices.DeleteFunc(append(slices.Clone(cs.old), cs.fresh...), func(m member) bool {
		return slices.ContainsFunc(rp.picked, func(x member) bool { return x.ID == m.ID })
	})
	return rp
}

// oldLeft is how many old instances stay after the terminations.
func (rp replacement) oldLeft(cs census) int { return len(cs.old) - len(rp.picked) }

// launch plans the replacements: up to desired plus the surge max healthy
// allows (none while at a checkpoint); nil when none is due.
func (c course) launch(cs census, rp replacement, paused bool) *launchPlan {
	oldLeft, desired := rp.oldLeft(cs), c.g.Desired
	surge := rp.lim.surge(desired)
	if paused {
		surge = 0
	}
	n := min(desired-oldLeft+surge-len(cs.fresh), rp.lim.maxTotal-oldLeft-len(cs.fresh), desired-len(cs.fresh), compute.MaxRunCount)
	if n <= 0 {
		return nil
	}
	because := fmt.Sprintf("refresh %s, %d of %d replaced", c.r.ID, c.r.Total-oldLeft, c.r.Total)
	if c.rollback {
		because = fmt.Sprintf("rollback of refresh %s, %d left to replace", c.r.ID, oldLeft)
	}
	return &launchPlan{config: c.target, version: itoa(c.target.ResolvedVersion), zones: zonePlan(c.g.Zones, rp.remaining, n),
		tags: map[string]string{TagRefresh: c.r.ID, TagPhase: c.phase}, kind: EventRefreshLaunch, why: because, phase: c.phase}
}

// shed terminates what is above the limits when desired was lowered
// meanwhile: old instances first, in AWS's order; one in service only
// while min healthy allows.
func (s *Service) shed(c course, cs census, rp replacement) []victim {
	total := rp.oldLeft(cs) + len(cs.fresh)
	excess := total - rp.lim.maxTotal
	if rp.oldLeft(cs) == 0 {
		excess = total - c.g.Desired
	}
	if excess <= 0 {
		return nil
	}
	spare := rp.spare
	var shed []member
	for _, m := range scaleInOrder(c.g.Zones, c.target, rp.remaining, len(rp.remaining)) {
		if len(shed) == excess {
			break
		}
		if c.serves(m) {
			if spare <= 0 {
				continue
			}
			spare--
		}
		shed = append(shed, m)
	}
	return s.scaleIn(c.g, c.target, shed, nil, len(shed), c.g.Desired)
}

// tend registers the instances that stay with the load balancer, and
// watches those not in service yet.
func (c course) tend(remaining []member, d *refreshDecision) {
	for _, m := range remaining {
		if needsRegistering(c.g, m) {
			d.plan.register = append(d.plan.register, m.Instance)
		}
		if !c.serves(m) {
			d.res.watch = true
			if ready := readyAt(m, c.warmup); c.now.Before(ready) {
				d.res.wakeAt(ready)
			}
		}
	}
}
