package autoscaling

import (
	"fmt"
	"slices"
	"time"

	"github.com/cattle-dev/cattle/store"
)

// refreshDecision is what one pass decides for a refresh: the record as
// it is to be stored, the events that say what changed in it, and the
// activity to start once it is stored. The steps that decide only read;
// commit alone writes.
type refreshDecision struct {
	r      Refresh
	events []store.Event // the record is written when, and only when, there are some
	// adopt makes the group take the refresh's desired configuration, in
	// the transaction that records the refresh's success.
	adopt bool
	plan  plan
	res   passResult
}

func newDecision(g Group, r Refresh) refreshDecision {
	return refreshDecision{r: r, plan: plan{group: g, refreshID: r.ID}}
}

// record notes a change of the record with the event that tells it.
func (d *refreshDecision) record(ev store.Event) { d.events = append(d.events, ev) }

// halt drops the activity: the pass ends with a change of the record
// alone, and the next pass decides from it.
func (d *refreshDecision) halt() { d.plan = plan{group: d.plan.group} }

// refreshPass takes the group's refresh one step further: it decides the
// step, then writes it before the step is taken.
func (s *Service) refreshPass(v groupView, r Refresh, now time.Time) (plan, passResult, error) {
	return s.commit(s.decide(v, r, now))
}

// decide is the refresh's next step. It writes nothing.
func (s *Service) decide(v groupView, r Refresh, now time.Time) refreshDecision {
	switch r.Status {
	case RefreshPending:
		return s.begin(v, r)
	case RefreshCancelling:
		return s.cancelled(v, r)
	}
	return s.drive(v, r, now)
}

// commit writes the record a pass decided, with its events, in one
// transaction, before the activity it planned may start. When the write
// fails (store.ErrConflict: a cancel or a rollback changed the record
// meanwhile) the pass drops its decision, and the next one sees the change.
func (s *Service) commit(d refreshDecision) (plan, passResult, error) {
	if len(d.events) == 0 {
		return d.plan, d.res, nil
	}
	err := s.db.Update(func(tx *store.Tx) error {
		if err := s.putRefresh(tx, &d.r, d.events...); err != nil {
			return err
		}
		if d.adopt {
			return s.adoptConfiguration(tx, d.r)
		}
		return nil
	})
	if err != nil {
		return plan{group: d.plan.group}, passResult{acted: true}, err
	}
	d.res.acted = true
	return d.plan, d.res, nil
}

// adoptConfiguration makes the group launch the desired configuration of
// r, which succeeded (a refresh with none leaves the group as it is).
func (s *Service) adoptConfiguration(tx *store.Tx, r Refresh) error {
	g, rev, err := getGroup(tx, r.Group)
	if err != nil || r.DesiredConfiguration == nil {
		return err
	}
	g.Template, g.TemplateVersion = r.Target.Template, r.Target.Version
	if _, err := tx.PutIf(kindGroup, g.Name, g, rev); err != nil {
		return err
	}
	_, err = tx.Append(s.groupEvent(EventGroupConfig, g.Name, "group "+g.Name+" now launches "+g.Template+":"+g.TemplateVersion, nil))
	return err
}

// begin fixes the instances to replace: every member, less those already
// on the target configuration when skip matching is on.
func (s *Service) begin(v groupView, r Refresh) refreshDecision {
	d := newDecision(v.group, r)
	d.halt()
	d.r.ToUpdate, d.r.Skipped = []string{}, nil
	for _, m := range v.members {
		if r.Preferences.SkipMatching && onConfig(m.Instance, r.Target) {
			d.r.Skipped = append(d.r.Skipped, m.ID)
		} else {
			d.r.ToUpdate = append(d.r.ToUpdate, m.ID)
		}
	}
	d.r.Total, d.r.InstancesToUpdate = len(d.r.ToUpdate), len(d.r.ToUpdate)
	d.r.Status = RefreshInProgress
	msg := fmt.Sprintf("refresh %s InProgress: replacing %d instance(s) of group %s with %s", r.ID, d.r.Total, r.Group, r.Target)
	if len(d.r.Skipped) > 0 {
		msg += fmt.Sprintf(" (skipping %d already on it)", len(d.r.Skipped))
	}
	d.record(s.refreshEvent(EventRefreshStatus, d.r, msg))
	return d
}

// cancelled ends a refresh being cancelled, once the step under way is
// done: the instances already replaced stay.
func (s *Service) cancelled(v groupView, r Refresh) refreshDecision {
	d := newDecision(v.group, r)
	d.halt()
	left := 0
	for _, m := range v.members {
		if slices.Contains(r.ToUpdate, m.ID) {
			left++
		}
	}
	s.finish(&d.r, RefreshCancelled, fmt.Sprintf("cancelled after replacing %d of %d instances", r.Total-left, r.Total))
	d.r.InstancesToUpdate = left
	d.record(s.refreshEvent(EventRefreshStatus, d.r, "refresh "+r.ID+" Cancelled: "+d.r.StatusReason))
	return d
}

// drive decides one step of a refresh in progress, forward (InProgress,
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
func (s *Service) drive(v groupView, r Refresh, now time.Time) refreshDecision {
	c := s.courseOf(v.group, r, now)
	d := newDecision(v.group, r)
	// 1. Failures: an instance this phase launched stopped or is late.
	if why := c.failure(v.members, &d.res); why != "" {
		return s.failed(d, why)
	}
	// 2. Health: the group's health check still replaces the others.
	cs := c.census(v.members, &d.res)
	d.plan.terminate = cs.unhealthy
	// 3. Progress, and done when nothing old is left and the group serves
	// at desired.
	s.progress(&d, c, cs)
	settled := len(cs.unhealthy) == 0 && v.leaving == 0 && len(cs.old)+len(cs.fresh) == c.g.Desired && cs.healthy == c.g.Desired
	if len(cs.old) == 0 && settled {
		return s.complete(d, now)
	}
	// 4. Checkpoint: stopping at one, or going on after it, is a step alone.
	cp := s.checkpoint(&d, c, cs.gone(r.Total), settled)
	if cp.end {
		return s.endAtLastCheckpoint(d, cs.gone(r.Total))
	}
	if cp.moved {
		d.halt()
		return d
	}
	// 5. Victims, 6. launch, or else 7. shed what desired no longer wants.
	rp := c.victims(cs, cp.limit, v.members)
	d.plan.terminate = append(d.plan.terminate, rp.victims...)
	if l := c.launch(cs, rp, cp.paused); l != nil {
		d.plan.launch = l
	} else if len(rp.picked) == 0 {
		d.plan.terminate = append(d.plan.terminate, s.shed(c, cs, rp)...)
	}
	c.tend(rp.remaining, &d)
	return d
}

// complete ends a refresh whose instances are all replaced: Baking
// first when it has a bake time, then Successful (the group takes the
// desired configuration); or RollbackSuccessful.
func (s *Service) complete(d refreshDecision, now time.Time) refreshDecision {
	d.halt()
	r := &d.r
	switch {
	case r.Status == RefreshRollbackInProgress:
		s.finish(r, RefreshRollbackSuccessful, "rolled back to "+r.Previous.String())
		r.PercentComplete, r.InstancesToUpdate = 0, 0
		d.record(s.refreshEvent(EventRefreshStatus, d.r, "refresh "+r.ID+" RollbackSuccessful: every replaced instance runs "+r.Previous.String()+" again"))
	case r.Status == RefreshInProgress && r.Preferences.BakeTime > 0:
		until := now.Add(r.Preferences.BakeTime.Std()).UTC()
		r.Status, r.BakeUntil = RefreshBaking, &until
		r.StatusReason = "baking for " + r.Preferences.BakeTime.String()
		r.PercentComplete, r.InstancesToUpdate = 100, 0
		d.record(s.refreshEvent(EventRefreshStatus, d.r, fmt.Sprintf("refresh %s Baking: every instance replaced, watching for %s", r.ID, r.Preferences.BakeTime)))
	case r.Status == RefreshBaking && r.BakeUntil != nil && now.Before(*r.BakeUntil):
		d.res.wakeAt(*r.BakeUntil)
	default:
		s.finish(r, RefreshSuccessful, "")
		r.PercentComplete, r.InstancesToUpdate = 100, 0
		d.record(s.refreshEvent(EventRefreshStatus, d.r, fmt.Sprintf("refresh %s Successful: %d instance(s) replaced with %s", r.ID, r.Total, r.Target)))
		d.adopt = true
	}
	return d
}

// endAtLastCheckpoint ends a refresh whose last checkpoint is below 100%
// once it is reached, as AWS does: Successful, with that share of the
// group replaced and the rest left on the configuration it had.
func (s *Service) endAtLastCheckpoint(d refreshDecision, gone int) refreshDecision {
	d.halt()
	r := &d.r
	cps := r.Preferences.CheckpointPercentages
	s.finish(r, RefreshSuccessful, fmt.Sprintf("ended at its last checkpoint %d%%: %d of %d instances replaced", cps[len(cps)-1], gone, r.Total))
	r.PercentComplete, r.InstancesToUpdate = percentOf(gone, r.Total), r.Total-gone
	d.record(s.refreshEvent(EventRefreshStatus, d.r, "refresh "+r.ID+" Successful: "+r.StatusReason))
	d.adopt = true
	return d
}

// failed records a failure the pass found, and starts nothing.
func (s *Service) failed(d refreshDecision, reason string) refreshDecision {
	d.halt()
	d.record(s.fail(&d.r, reason))
	return d
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
