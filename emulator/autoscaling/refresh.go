package autoscaling

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

func newRefreshID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return "rf-" + hex.EncodeToString(b[:])
}

// StartRefresh starts an instance refresh of a group. It is Pending until
// the reconcile loop fixes the instances to replace and sets it going.
func (s *Service) StartRefresh(ctx context.Context, group string, spec RefreshSpec) (Refresh, error) {
	var g Group
	if err := s.db.View(func(tx *store.Tx) (err error) { g, _, err = getGroup(tx, group); return err }); err != nil {
		return Refresh{}, err
	}
	prefs, err := s.preferences(g, spec)
	if err != nil {
		return Refresh{}, err
	}
	prev, err := s.groupConfig(ctx, g)
	if err != nil {
		return Refresh{}, err
	}
	target := prev
	var desired *Configuration
	if spec.TemplateVersion != "" {
		name, version := g.Template, spec.TemplateVersion
		if strings.Contains(version, ":") {
			name, version = compute.SplitTemplateRef(version)
		}
		v, err := s.compute.ResolveVersion(ctx, name, version)
		if err != nil {
			return Refresh{}, err
		}
		desired = &Configuration{Template: name, Version: version, ResolvedVersion: v.Version}
		target = *desired
	}
	if why := rollbackUnsupported(desired, prev); prefs.AutoRollback && why != "" {
		return Refresh{}, errdefs.Invalid("auto rollback is not possible: %s", why)
	}
	r := Refresh{
		ID: newRefreshID(), Group: group, Status: RefreshPending, Preferences: prefs,
		DesiredConfiguration: desired, Target: target, Previous: prev, StartTime: s.clock.Now().UTC(),
	}
	err = s.db.Update(func(tx *store.Tx) error {
		g, _, err := getGroup(tx, group)
		if err != nil {
			return err
		}
		if g.Status == StatusDeleting {
			return errdefs.Conflict("group %s is being deleted", group)
		}
		if desired != nil {
			// Again in this transaction, which DeleteTemplate cannot
			// interleave with: the refresh must not launch from one gone.
			if _, err := s.compute.ResolveVersionIn(tx, desired.Template, desired.Version); err != nil {
				return err
			}
		}
		if cur, ok, err := activeRefresh(tx, group); err != nil || ok {
			if err != nil {
				return err
			}
			return errdefs.Conflict("group %s already has instance refresh %s %s: wait for it, or cancel it with 'cattle groups cancel-refresh %s'",
				group, cur.ID, cur.Status, group)
		}
		return s.putRefresh(tx, &r, s.refreshEvent(EventRefreshStarted, r, fmt.Sprintf(
			"refresh %s started on group %s: %s -> %s (min healthy %d%%, max healthy %d%%, warmup %s%s)",
			r.ID, group, prev, target, prefs.MinHealthyPercentage, prefs.MaxHealthyPercentage, prefs.InstanceWarmup, describeExtras(prefs))))
	})
	if err != nil {
		return Refresh{}, err
	}
	s.Notify()
	return r, nil
}

func describeExtras(p Preferences) string {
	var parts []string
	if len(p.CheckpointPercentages) > 0 {
		cps := make([]string, len(p.CheckpointPercentages))
		for i, c := range p.CheckpointPercentages {
			cps[i] = strconv.Itoa(c) + "%"
		}
		parts = append(parts, "checkpoints "+strings.Join(cps, ",")+" every "+p.CheckpointDelay.String())
	}
	if p.SkipMatching {
		parts = append(parts, "skip matching")
	}
	if p.AutoRollback {
		parts = append(parts, "auto rollback")
	}
	if p.BakeTime > 0 {
		parts = append(parts, "bake "+p.BakeTime.String())
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// Refreshes lists a group's refreshes, newest first.
func (s *Service) Refreshes(ctx context.Context, group string) ([]Refresh, error) {
	var out []Refresh
	err := s.db.View(func(tx *store.Tx) error {
		if _, _, err := getGroup(tx, group); err != nil {
			return err
		}
		all, err := listRefreshes(tx)
		for _, r := range all {
			if r.Group == group {
				out = append(out, r)
			}
		}
		return err
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartTime.After(out[j].StartTime) })
	if out == nil {
		out = []Refresh{}
	}
	return out, err
}

// CancelRefresh cancels the group's refresh in progress: it goes
// Cancelling while the step under way finishes, then Cancelled. Instances
// already replaced stay; the group keeps its configuration.
func (s *Service) CancelRefresh(ctx context.Context, group string) (Refresh, error) {
	var r Refresh
	err := s.db.Update(func(tx *store.Tx) error {
		var ok bool
		var err error
		if r, ok, err = groupRefresh(tx, group, activeRefresh); err != nil {
			return err
		}
		switch {
		case !ok:
			return errdefs.Conflict("ActiveInstanceRefreshNotFound: group %s has no instance refresh in progress to cancel", group)
		case r.Status == RefreshRollbackInProgress:
			return errdefs.Conflict("refresh %s is rolling back, and a rollback cannot be cancelled", r.ID)
		case r.Status == RefreshCancelling:
			return errdefs.Conflict("ActiveInstanceRefreshNotFound: refresh %s of group %s is already being cancelled: wait for it with 'cattle groups refreshes %s'", r.ID, group, group)
		}
		r.Status, r.StatusReason = RefreshCancelling, "cancel requested"
		r.CheckpointReachedAt = nil
		return s.putRefresh(tx, &r, s.refreshEvent(EventRefreshStatus, r, "refresh "+r.ID+" Cancelling: cancel requested"))
	})
	if err == nil {
		s.Notify()
	}
	return r, err
}

// listRefreshes reads every refresh with its revision.
func listRefreshes(tx *store.Tx) ([]Refresh, error) {
	var out []Refresh
	err := tx.List(kindRefresh, func(id string, rev uint64, data []byte) error {
		var r Refresh
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("refresh %s is corrupt: %w", id, err)
		}
		r.rev = rev
		out = append(out, r)
		return nil
	})
	return out, err
}

// groupRefresh checks the group exists, then picks one of its refreshes.
func groupRefresh(tx *store.Tx, group string, pick func(*store.Tx, string) (Refresh, bool, error)) (Refresh, bool, error) {
	if _, _, err := getGroup(tx, group); err != nil {
		return Refresh{}, false, err
	}
	return pick(tx, group)
}

// activeRefresh is the group's refresh that has not finished, if any.
func activeRefresh(tx *store.Tx, group string) (Refresh, bool, error) {
	all, err := listRefreshes(tx)
	for _, r := range all {
		if r.Group == group && !Done(r.Status) {
			return r, true, err
		}
	}
	return Refresh{}, false, err
}

// latestRefresh is the group's refresh in progress, or else its newest.
func latestRefresh(tx *store.Tx, group string) (Refresh, bool, error) {
	all, err := listRefreshes(tx)
	if err != nil {
		return Refresh{}, false, err
	}
	var out Refresh
	found := false
	for _, r := range all {
		switch {
		case r.Group != group:
		case !Done(r.Status):
			return r, true, nil
		case !found || r.StartTime.After(out.StartTime):
			out, found = r, true
		}
	}
	return out, found, nil
}

// putRefresh writes r if nobody changed it since it was read (a new one
// must not exist), with its events, and updates r's revision.
func (s *Service) putRefresh(tx *store.Tx, r *Refresh, evs ...store.Event) error {
	rev, err := tx.PutIf(kindRefresh, r.ID, r, r.rev)
	if err != nil {
		return err
	}
	r.rev = rev
	for _, e := range evs {
		if _, err := tx.Append(e); err != nil {
			return err
		}
	}
	return nil
}

// finish moves r to a final status.
func (s *Service) finish(r *Refresh, status, reason string) {
	now := s.clock.Now().UTC()
	r.Status, r.StatusReason, r.EndTime = status, reason, &now
	r.CheckpointReachedAt = nil
}

// fail applies a failure to r: a rollback when it is on and possible,
// else Failed (or RollbackFailed for a failing rollback). It returns the
// event that says so.
func (s *Service) fail(r *Refresh, reason string) store.Event {
	switch {
	case r.Status == RefreshRollbackInProgress:
		s.finish(r, RefreshRollbackFailed, "rollback failed: "+reason)
	case r.Preferences.AutoRollback && rollbackUnsupported(r.DesiredConfiguration, r.Previous) == "":
		s.beginRollback(r, "rolling back to "+r.Previous.String()+" after a failure: "+reason)
	default:
		s.finish(r, RefreshFailed, reason)
	}
	return s.refreshEvent(EventRefreshStatus, *r, "refresh "+r.ID+" "+r.Status+": "+r.StatusReason)
}

// failRefresh records a failure an activity saw (a launch that failed),
// unless the refresh has moved on to another phase meanwhile.
func (s *Service) failRefresh(id, phase, reason string) error {
	return s.db.Update(func(tx *store.Tx) error {
		var r Refresh
		rev, err := tx.Get(kindRefresh, id, &r)
		if err != nil {
			return err
		}
		r.rev = rev
		if phaseOf(r.Status) != phase {
			return nil
		}
		ev := s.fail(&r, reason)
		return s.putRefresh(tx, &r, ev)
	})
}

// phaseOf is the phase a status drives ("" when it drives none).
func phaseOf(status string) string {
	switch status {
	case RefreshInProgress, RefreshBaking:
		return phaseForward
	case RefreshRollbackInProgress:
		return phaseRollback
	}
	return ""
}
