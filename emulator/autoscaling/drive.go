package autoscaling

import (
	"fmt"
	"slices"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/store"
)

// refreshPass takes the group's refresh one step further.
func (s *Service) refreshPass(v groupView, r Refresh, now time.Time) (plan, passResult, error) {
	switch r.Status {
	case RefreshPending:
		return plan{group: v.group}, passResult{acted: true}, s.beginRefresh(v, r)
	case RefreshCancelling:
		left := 0
		for _, m := range v.members {
			if slices.Contains(r.ToUpdate, m.ID) {
				left++
			}
		}
		s.finish(&r, RefreshCancelled, fmt.Sprintf("cancelled after replacing %d of %d instances", r.Total-left, r.Total))
		r.InstancesToUpdate = left
		return plan{group: v.group}, passResult{acted: true}, s.save(&r, s.refreshEvent(EventRefreshStatus, r, "refresh "+r.ID+" Cancelled: "+r.StatusReason))
	}
	return s.drive(v, r, now)
}

// beginRefresh fixes the instances to replace: every member, less those
// already on the target configuration when skip matching is on.
func (s *Service) beginRefresh(v groupView, r Refresh) error {
	r.ToUpdate, r.Skipped = []string{}, nil
	for _, m := range v.members {
		if r.Preferences.SkipMatching && onConfig(m.Instance, r.Target) {
			r.Skipped = append(r.Skipped, m.ID)
		} else {
			r.ToUpdate = append(r.ToUpdate, m.ID)
		}
	}
	r.Total, r.InstancesToUpdate = len(r.ToUpdate), len(r.ToUpdate)
	r.Status = RefreshInProgress
	msg := fmt.Sprintf("refresh %s InProgress: replacing %d instance(s) of group %s with %s", r.ID, r.Total, r.Group, r.Target)
	if len(r.Skipped) > 0 {
		msg += fmt.Sprintf(" (skipping %d already on it)", len(r.Skipped))
	}
	return s.save(&r, s.refreshEvent(EventRefreshStatus, r, msg))
}

// save writes r with its events in a transaction of its own. It fails
// with store.ErrConflict when r changed meanwhile (a cancel, a rollback):
// the pass then drops its decision and the next one sees the change.
func (s *Service) save(r *Refresh, evs ...store.Event) error {
	return s.db.Update(func(tx *store.Tx) error { return s.putRefresh(tx, r, evs...) })
}

// drive is one step of a refresh in progress, forward (InProgress,
// Baking) or back (RollbackInProgress).
//
// It is level-triggered: the instances still to replace are the live ones
// among ToUpdate (forward), or the live ones neither to update nor skipped
// that are not on the previous configuration (rollback). Everything else
// follows from the instances compute records, so a restart loses nothing:
//   - terminate old instances while more than the minimum stay healthy and
//     the next checkpoint is not reached;
//   - launch replacements up to desired, plus the surge that max healthy
//     allows, never above it;
//   - fail when an instance this phase launched stops, or does not come
//     into service in time; and finish when every instance is new, in
//     service, and the group is at desired.
func (s *Service) drive(v groupView, r Refresh, now time.Time) (plan, passResult, error) {
	g := v.group
	p := plan{group: g, refreshID: r.ID}
	var res passResult
	prefs := r.Preferences
	warmup := prefs.InstanceWarmup.Std()
	rollback := r.Status == RefreshRollbackInProgress
	phase, target := phaseForward, r.Target
	if rollback {
		phase, target = phaseRollback, r.Previous
	}
	toUpdate, skipped := setOf(r.ToUpdate), setOf(r.Skipped)
	isOld := func(m member) bool {
		if !rollback {
			return toUpdate[m.ID]
		}
		return !toUpdate[m.ID] && !skipped[m.ID] && !onConfig(m.Instance, r.Previous)
	}
	mine := func(m member) bool { return m.Tags[TagRefresh] == r.ID && m.Tags[TagPhase] == phase }
	allowance := HealthAllowance(s.profile)
	deadline := func(m member) time.Time {
		base := runningSince(m)
		if s.started.After(base) {
			base = s.started // a restarted daemon gives every instance a fair look
		}
		return base.Add(warmup + allowance)
	}

	// 1. An instance this phase launched that stopped, or is not in
	// service in time, fails the refresh.
	for _, m := range v.members {
		if !mine(m) || inService(g, m, warmup, now) {
			continue
		}
		if m.State != compute.StatePending && m.State != compute.StateRunning {
			return s.failPass(p, r, fmt.Sprintf("instance %s launched from %s is %s: %s", m.ID, target, m.State, m.StateReason))
		}
		if m.State == compute.StatePending {
			res.watch = true // its clocks start when it runs
			continue
		}
		dl := deadline(m)
		if !now.Before(dl) {
			return s.failPass(p, r, fmt.Sprintf("instance %s launched from %s did not come into service within %s (warmup %s + health checks %s): its target state is %s",
				m.ID, target, warmup+allowance, warmup, allowance, orNone(m.target)))
		}
		res.wakeAt(dl)
		if ready := readyAt(m, warmup); now.Before(ready) {
			res.wakeAt(ready)
		}
		res.watch = true
	}

	// 2. The group's health check still replaces the other instances.
	why, bad := healthCheck(g, filter(v.members, not(mine)), now, &res)
	for _, m := range bad {
		w := why[m.ID]
		p.terminate = append(p.terminate, victim{inst: m.Instance, kind: EventReplace,
			reason: "Server.AutoScaling: group " + g.Name + " found it unhealthy during refresh " + r.ID + ": " + w,
			msg:    w + ": terminating it during refresh " + r.ID})
	}
	var old, fresh []member
	healthy := 0
	for _, m := range v.members {
		if why[m.ID] != "" {
			continue
		}
		if isOld(m) {
			old = append(old, m)
		} else {
			fresh = append(fresh, m)
		}
		if inService(g, m, warmup, now) {
			healthy++
		}
	}

	// 3. Progress, as AWS counts it: an instance is updated once its
	// replacement is in service; a rollback counts back down to zero.
	gone := r.Total - len(old)
	progress := 0
	if rollback {
		for _, m := range old {
			if inService(g, m, warmup, now) {
				progress++
			}
		}
		// It only counts down, to zero, as AWS's does.
		progress = min(r.PercentComplete, progress*100/max(r.Total, 1))
	} else {
		served := 0
		for _, m := range fresh {
			if !skipped[m.ID] && inService(g, m, warmup, now) {
				served++
			}
		}
		progress = percentOf(min(gone, served), r.Total)
	}
	if progress != r.PercentComplete || len(old) != r.InstancesToUpdate {
		r.PercentComplete, r.InstancesToUpdate = progress, len(old)
		msg := fmt.Sprintf("refresh %s: %d%% complete, %d instance(s) left to replace", r.ID, progress, len(old))
		if rollback {
			msg = fmt.Sprintf("refresh %s rolling back: %d instance(s) left to replace with %s", r.ID, len(old), target)
		}
		if err := s.save(&r, s.refreshEvent(EventRefreshProgress, r, msg)); err != nil {
			return plan{group: g}, passResult{acted: true}, err
		}
	}

	settled := len(p.terminate) == 0 && v.leaving == 0 && len(old)+len(fresh) == g.Desired && healthy == g.Desired

	// 4. Done when nothing old is left and the group serves at desired.
	if len(old) == 0 && settled {
		return s.completePass(p, r, now)
	}

	// 5. Checkpoints hold the refresh once enough are replaced and serve.
	cpLimit := r.Total
	paused := false
	if cps := prefs.CheckpointPercentages; !rollback && r.Status == RefreshInProgress && r.CheckpointIndex < len(cps) && cps[r.CheckpointIndex] < 100 {
		pct := cps[r.CheckpointIndex]
		cpLimit = checkpointCount(r.Total, pct)
		if gone >= cpLimit {
			paused = true
			if settled {
				delay := prefs.CheckpointDelay.Std()
				switch {
				case r.CheckpointReachedAt == nil:
					at := now.UTC()
					r.CheckpointReachedAt = &at
					r.StatusReason = fmt.Sprintf("waiting at checkpoint %d%% for %s", pct, delay)
					return plan{group: g}, passResult{acted: true}, s.save(&r, s.refreshEvent(EventRefreshCheckpoint, r,
						fmt.Sprintf("refresh %s reached checkpoint %d%% (%d of %d replaced): waiting %s", r.ID, pct, gone, r.Total, delay)))
				case !now.Before(r.CheckpointReachedAt.Add(delay)):
					r.CheckpointIndex++
					r.CheckpointReachedAt, r.StatusReason = nil, ""
					return plan{group: g}, passResult{acted: true}, s.save(&r, s.refreshEvent(EventRefreshCheckpoint, r,
						fmt.Sprintf("refresh %s goes on after checkpoint %d%%", r.ID, pct)))
				default:
					res.wakeAt(r.CheckpointReachedAt.Add(delay))
				}
			}
		}
	}

	// 6. Terminate old instances within min healthy and the checkpoint.
	lim := replacementLimits(g.Desired, prefs.MinHealthyPercentage, prefs.MaxHealthyPercentage)
	knownBad := func(m member) bool {
		if inService(g, m, warmup, now) {
			return false
		}
		pastGrace := !now.Before(m.LaunchedAt.Add(g.HealthCheckGracePeriod.Std()))
		return m.target == TargetUnhealthy && pastGrace || !now.Before(deadline(m))
	}
	// Known failing ones first, then AWS's termination order.
	ordered := filter(old, knownBad)
	ordered = append(ordered, scaleInOrder(g.Zones, target, filter(old, not(knownBad)), len(old))...)
	healthBudget, cpBudget := healthy-lim.minHealthy, cpLimit-gone
	// As AWS, the next batch waits until the instances this phase launched
	// pass the health checks and warm up: going on with the healthy ones
	// to spare so far would start a partial batch, and a whole extra round
	// of launch and health checks for the rest.
	batchComing := slices.ContainsFunc(v.members, func(m member) bool { return mine(m) && !inService(g, m, warmup, now) })
	var picked []member
	for _, m := range ordered {
		if cpBudget <= 0 {
			break
		}
		if !knownBad(m) {
			// Only an instance known to be failing goes without a healthy
			// one to spare: one the load balancer has not judged yet (after
			// a restart, say) may be serving.
			if healthBudget <= 0 || batchComing {
				continue
			}
			healthBudget--
		}
		cpBudget--
		picked = append(picked, m)
	}
	for _, m := range picked {
		p.terminate = append(p.terminate, victim{inst: m.Instance, kind: EventRefreshTerminate,
			reason: fmt.Sprintf("Server.AutoScaling: refresh %s replaces it with %s", r.ID, target),
			msg: fmt.Sprintf("refresh %s: terminating %s (%s:%d) to replace it with %s; %d in service, min healthy %d",
				r.ID, m.ID, m.Template, m.TemplateVersion, target, healthy, lim.minHealthy)})
	}

	// 7. Launch replacements up to desired plus the allowed surge.
	oldAfter := len(old) - len(picked)
	total := oldAfter + len(fresh)
	surge := lim.surge(g.Desired)
	if paused {
		surge = 0
	}
	n := min(g.Desired-oldAfter+surge-len(fresh), lim.maxTotal-total, g.Desired-len(fresh), compute.MaxRunCount)
	remaining := slices.DeleteFunc(slices.Clone(append(append([]member(nil), old...), fresh...)), func(m member) bool {
		return slices.ContainsFunc(picked, func(x member) bool { return x.ID == m.ID })
	})
	switch {
	case n > 0:
		done := r.Total - oldAfter
		because := fmt.Sprintf("refresh %s, %d of %d replaced", r.ID, done, r.Total)
		if rollback {
			because = fmt.Sprintf("rollback of refresh %s, %d left to replace", r.ID, oldAfter)
		}
		p.launch = &launchPlan{config: target, version: itoa(target.ResolvedVersion), zones: zonePlan(g.Zones, remaining, n),
			tags: map[string]string{TagRefresh: r.ID, TagPhase: phase}, kind: EventRefreshLaunch, why: because, phase: phase}
	case len(picked) == 0:
		// 8. Desired lowered meanwhile: shed what is above it.
		excess := total - lim.maxTotal
		if oldAfter == 0 {
			excess = total - g.Desired
		}
		if excess > 0 {
			// Old instances first, in AWS's order; one in service only while
			// min healthy allows.
			order := scaleInOrder(g.Zones, target, remaining, len(remaining))
			var shed []member
			for _, m := range order {
				if len(shed) == excess {
					break
				}
				if inService(g, m, warmup, now) {
					if healthBudget <= 0 {
						continue
					}
					healthBudget--
				}
				shed = append(shed, m)
			}
			p.terminate = append(p.terminate, s.scaleIn(g, target, shed, nil, len(shed), g.Desired)...)
		}
	}

	for _, m := range remaining {
		if needsRegistering(g, m) {
			p.register = append(p.register, m.Instance)
		}
		if !inService(g, m, warmup, now) {
			res.watch = true
			if ready := readyAt(m, warmup); now.Before(ready) {
				res.wakeAt(ready)
			}
		}
	}
	return p, res, nil
}

// completePass ends a refresh whose instances are all replaced: Baking
// first when it has a bake time, then Successful (the group takes the
// desired configuration); or RollbackSuccessful.
func (s *Service) completePass(p plan, r Refresh, now time.Time) (plan, passResult, error) {
	acted := passResult{acted: true}
	switch {
	case r.Status == RefreshRollbackInProgress:
		s.finish(&r, RefreshRollbackSuccessful, "rolled back to "+r.Previous.String())
		r.PercentComplete, r.InstancesToUpdate = 0, 0
		return p, acted, s.save(&r, s.refreshEvent(EventRefreshStatus, r, "refresh "+r.ID+" RollbackSuccessful: every replaced instance runs "+r.Previous.String()+" again"))
	case r.Status == RefreshInProgress && r.Preferences.BakeTime > 0:
		until := now.Add(r.Preferences.BakeTime.Std()).UTC()
		r.Status, r.BakeUntil = RefreshBaking, &until
		r.StatusReason = "baking for " + r.Preferences.BakeTime.String()
		r.PercentComplete, r.InstancesToUpdate = 100, 0
		return p, acted, s.save(&r, s.refreshEvent(EventRefreshStatus, r, fmt.Sprintf("refresh %s Baking: every instance replaced, watching for %s", r.ID, r.Preferences.BakeTime)))
	case r.Status == RefreshBaking && r.BakeUntil != nil && now.Before(*r.BakeUntil):
		return p, passResult{wake: *r.BakeUntil}, nil
	}
	err := s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, r.Group)
		if err != nil {
			return err
		}
		s.finish(&r, RefreshSuccessful, "")
		r.PercentComplete, r.InstancesToUpdate = 100, 0
		if err := s.putRefresh(tx, &r, s.refreshEvent(EventRefreshStatus, r,
			fmt.Sprintf("refresh %s Successful: %d instance(s) replaced with %s", r.ID, r.Total, r.Target))); err != nil {
			return err
		}
		if r.DesiredConfiguration == nil {
			return nil
		}
		g.Template, g.TemplateVersion = r.Target.Template, r.Target.Version
		if _, err := tx.PutIf(kindGroup, g.Name, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupConfig, g.Name, "group "+g.Name+" now launches "+g.Template+":"+g.TemplateVersion, nil))
		return err
	})
	return p, acted, err
}

// failPass records a failure the pass found.
func (s *Service) failPass(p plan, r Refresh, reason string) (plan, passResult, error) {
	ev := s.fail(&r, reason)
	return plan{group: p.group}, passResult{acted: true}, s.save(&r, ev)
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func filter(ms []member, keep func(member) bool) []member {
	var out []member
	for _, m := range ms {
		if keep(m) {
			out = append(out, m)
		}
	}
	return out
}

func not(f func(member) bool) func(member) bool { return func(m member) bool { return !f(m) } }

func orNone(s string) string {
	if s == "" {
		return "none (not registered)"
	}
	return s
}
