package drift

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// Event kinds drift writes.
const (
	EventDetected  = "drift.detected"
	EventReplacing = "drift.replacing"
	EventReplaced  = "drift.replaced"
	EventInjected  = "drift.injected"
	EventRestored  = "drift.restored"
)

// ReasonPrefix starts the state reason of an instance drift replaced.
const ReasonPrefix = "Drift.Replaced: "

// replacementWait is how long a replacement is watched for the group's
// new instance, to tell which replaced which.
const replacementWait = 5 * time.Minute

// remediateAll tells each drift once as an event, and remediates the
// drifted instances of groups set to replace.
func (s *Service) remediateAll(ctx context.Context, reports []InstanceReport) {
	for i := range reports {
		r := &reports[i]
		if r.Status == StatusInSync {
			continue
		}
		s.tellOnce(r)
		if r.Status == StatusUnmanaged {
			continue
		}
		r.Remediation = s.remediate(ctx, *r)
	}
}

// forgetGone forgets what was told of instances a full scan no longer
// reports: a drift that comes back is told again.
func (s *Service) forgetGone(reports []InstanceReport) {
	now := map[string]bool{}
	for _, r := range reports {
		if r.Status != StatusInSync {
			now[r.ID] = true
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.seen {
		if !now[id] {
			delete(s.seen, id)
		}
	}
}

func (s *Service) tellOnce(r *InstanceReport) {
	sig := r.Status + " " + summaryOf(r.Differences)
	s.mu.Lock()
	told := s.seen[r.ID] == sig
	s.seen[r.ID] = sig
	s.mu.Unlock()
	if told {
		return
	}
	fields := map[string]string{"instance": r.ID, "kind": r.Kind, "status": r.Status}
	if r.Group != "" {
		fields["group"] = r.Group
	}
	if len(r.Differences) > 0 {
		d := r.Differences[0]
		if d.Path != "" {
			fields["path"] = d.Path
		} else {
			fields["field"] = d.Field
		}
		fields["expected"], fields["actual"], fields["change"] = d.Expected, d.Actual, d.Change
	}
	s.appendEvent(store.Event{Kind: EventDetected, Resource: "instance/" + r.ID,
		Message: fmt.Sprintf("%s drifted (%s): %s", r.ID, r.Status, summaryOf(r.Differences)), Fields: fields})
}

// remediate starts the replacement of a drifted instance when its group
// says so, and says what remediation does.
func (s *Service) remediate(ctx context.Context, r InstanceReport) string {
	if r.Group == "" {
		return "none: the instance is in no group"
	}
	mode := "report"
	if s.cfg.GroupMode != nil {
		m, err := s.cfg.GroupMode(ctx, r.Group)
		if err != nil {
			return "none: " + err.Error()
		}
		mode = m
	}
	if mode != "replace" {
		return "report only: group " + r.Group + " has --drift " + mode
	}
	if r.Status == StatusDeleted || r.Kind == KindState && s.gone(ctx, r.ID) {
		return "replaced by the group's health check"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp, ok := s.replacing[r.ID]; ok {
		return rp.text()
	}
	rp := &replacement{since: s.now()}
	s.replacing[r.ID] = rp
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.replace(s.life, r, rp)
	}()
	return rp.text()
}

// replacedLately are the replacements of the last while (two scan
// intervals, at least a minute), of group when given.
func (s *Service) replacedLately(group string) []Replaced {
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := max(2*s.Interval(), time.Minute)
	out := []Replaced{}
	kept := s.done[:0]
	for _, r := range s.done {
		if s.now().Sub(r.At) > keep {
			continue
		}
		kept = append(kept, r)
		if group == "" || r.Group == group {
			out = append(out, r)
		}
	}
	s.done = kept
	return out
}

func (rp *replacement) text() string {
	if rp.by != "" {
		return "replaced by " + rp.by
	}
	return "replacing: terminating through draining, the group launches a fresh instance"
}

// gone reports whether compute no longer runs the instance (the group
// replaces it on its own).
func (s *Service) gone(ctx context.Context, id string) bool {
	inst, err := s.cfg.Compute.Instance(ctx, id)
	return err != nil || inst.State != compute.StateRunning
}

// replace terminates a drifted instance through draining (its load
// balancers stop sending to it first), then watches its group launch the
// replacement and tells which replaced which.
func (s *Service) replace(ctx context.Context, r InstanceReport, rp *replacement) {
	reason := ReasonPrefix + r.Kind + " drift: " + summaryOf(r.Differences)
	s.appendEvent(store.Event{Kind: EventReplacing, Resource: "instance/" + r.ID,
		Message: fmt.Sprintf("%s of group %s drifted (%s): terminating it through draining; the group launches a fresh one", r.ID, r.Group, r.Kind),
		Fields:  map[string]string{"instance": r.ID, "group": r.Group, "kind": r.Kind}})
	var swapped string // an image an injected swap made, to remove with its container
	if inst, err := s.cfg.Compute.Instance(ctx, r.ID); err == nil && inst.ContainerID != "" {
		if c, err := s.cfg.Runtime.Inspect(ctx, inst.ContainerID); err == nil {
			if c.State == sandbox.StatePaused { // a frozen container cannot take its stop signal
				_ = s.cfg.Runtime.Unpause(ctx, c.ID)
			}
			if img, err := s.cfg.Runtime.InspectImage(ctx, c.ImageID); err == nil && img.Labels[sandbox.LabelRole] == roleSwap {
				swapped = img.ID
			}
		}
	}
	_, err := s.cfg.Compute.Terminate(ctx, []string{r.ID}, reason)
	if swapped != "" {
		_ = s.cfg.Runtime.RemoveImage(ctx, swapped)
	}
	if err != nil {
		slog.Warn("drift: replacing an instance", "instance", r.ID, "err", err)
		s.mu.Lock()
		delete(s.replacing, r.ID)
		s.mu.Unlock()
		return
	}
	by := s.awaitReplacement(ctx, r.Group, rp.since)
	s.mu.Lock()
	rp.by = by
	if by != "" {
		s.done = append(s.done, Replaced{ID: r.ID, Group: r.Group, Kind: r.Kind, ReplacedBy: by, At: s.now().UTC()})
	}
	s.mu.Unlock()
	if by == "" {
		return
	}
	s.appendEvent(store.Event{Kind: EventReplaced, Resource: "instance/" + r.ID,
		Message: fmt.Sprintf("%s (drifted: %s) replaced by %s in group %s", r.ID, r.Kind, by, r.Group),
		Fields:  map[string]string{"instance": r.ID, "replacement": by, "group": r.Group, "kind": r.Kind}})
}

// awaitReplacement finds the first instance the group launched after
// since that no other replacement claimed.
func (s *Service) awaitReplacement(ctx context.Context, group string, since time.Time) string {
	deadline := time.Now().Add(replacementWait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		insts, err := s.cfg.Compute.Instances(ctx)
		if err == nil {
			if id := s.claim(insts, group, since); id != "" {
				return id
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	return ""
}

func (s *Service) claim(insts []compute.Instance, group string, since time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range insts {
		if i.Group == group && i.Live() && !i.LaunchedAt.Before(since) && !s.claimed[i.ID] {
			s.claimed[i.ID] = true
			return i.ID
		}
	}
	return ""
}

func (s *Service) appendEvent(ev store.Event) {
	ev.Time = s.now().UTC()
	err := s.cfg.DB.Update(func(tx *store.Tx) error {
		_, err := tx.Append(ev)
		return err
	})
	if err != nil {
		slog.Warn("drift: recording an event", "kind", ev.Kind, "err", err)
	}
}
