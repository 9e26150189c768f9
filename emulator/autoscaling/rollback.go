package autoscaling

import (
	"context"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// Rollback rolls back the group's refresh in progress: the instances it
// already replaced are replaced again with the configuration from before
// it. As AWS, it is refused once the refresh has finished, and for a
// refresh whose configurations name no fixed version.
func (s *Service) Rollback(ctx context.Context, group string) (Refresh, error) {
	var r Refresh
	err := s.db.Update(func(tx *store.Tx) error {
		var ok bool
		var err error
		if r, ok, err = groupRefresh(tx, group, latestRefresh); err != nil {
			return err
		}
		if !ok {
			return errdefs.Conflict("group %s has no instance refresh to roll back", group)
		}
		switch r.Status {
		case RefreshPending, RefreshInProgress, RefreshBaking:
		case RefreshRollbackInProgress:
			return errdefs.Conflict("refresh %s is already rolling back", r.ID)
		case RefreshCancelling:
			return errdefs.Conflict("refresh %s is being cancelled: only a refresh in progress can be rolled back", r.ID)
		case RefreshSuccessful:
			return errdefs.Conflict("refresh %s already succeeded, and a finished refresh cannot be rolled back: start a new refresh with --template-version %s",
				r.ID, r.Previous.Version)
		default:
			return errdefs.Conflict("refresh %s has finished (%s): only a refresh in progress can be rolled back", r.ID, r.Status)
		}
		if why := rollbackUnsupported(r.DesiredConfiguration, r.Previous); why != "" {
			return errdefs.Conflict("refresh %s cannot be rolled back: %s", r.ID, why)
		}
		s.beginRollback(&r, "rollback to "+r.Previous.String()+" requested")
		return s.putRefresh(tx, &r, s.refreshEvent(EventRefreshStatus, r, "refresh "+r.ID+" "+r.Status+": "+r.StatusReason))
	})
	if err == nil {
		s.Notify()
	}
	return r, err
}

// beginRollback turns r around. Which instances it replaces follows from
// the stored state at each pass (those neither left to update nor skipped
// that are not on the previous configuration), so nothing more is kept.
func (s *Service) beginRollback(r *Refresh, reason string) {
	r.Status, r.StatusReason = RefreshRollbackInProgress, reason
	r.CheckpointReachedAt, r.BakeUntil = nil, nil
}
