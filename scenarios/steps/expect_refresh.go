package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectRefresh]("refresh_status", "refresh",
		scenarios.Needs(groupsService),
		scenarios.Doc("the group's latest instance refresh has a status (one of a list)",
			"expect: {refresh: web, status: RollbackSuccessful, within: 2m}"))
}

type expectRefresh struct {
	// Refresh names the group whose latest refresh is checked.
	Refresh string          `yaml:"refresh,required" ref:"group"`
	Status  scenarios.Words `yaml:"status,required"`
}

var refreshStatuses = []string{
	autoscaling.RefreshPending, autoscaling.RefreshInProgress, autoscaling.RefreshBaking,
	autoscaling.RefreshSuccessful, autoscaling.RefreshFailed, autoscaling.RefreshCancelling,
	autoscaling.RefreshCancelled, autoscaling.RefreshRollbackInProgress,
	autoscaling.RefreshRollbackSuccessful, autoscaling.RefreshRollbackFailed,
}

func (e *expectRefresh) Validate() error {
	for _, s := range e.Status {
		if !slices.Contains(refreshStatuses, s) {
			return scenarios.FieldError("status", "unknown refresh status %q: use one of %v", s, refreshStatuses)
		}
	}
	return nil
}

func (e *expectRefresh) Execute(ctx context.Context, r *scenarios.Run) error {
	rfs, err := r.Client.Refreshes(ctx, e.Refresh)
	if err != nil {
		return err
	}
	if len(rfs) == 0 {
		return fmt.Errorf("group %s has had no refresh", e.Refresh)
	}
	latest := rfs[0]
	for _, rf := range rfs[1:] {
		if rf.StartTime.After(latest.StartTime) {
			latest = rf
		}
	}
	if !slices.Contains(e.Status, latest.Status) {
		return fmt.Errorf("refresh %s of group %s is %s (%d%% complete)%s; want %s", latest.ID, e.Refresh, latest.Status, latest.PercentComplete, reason(latest.StatusReason), strings.Join(e.Status, " or "))
	}
	r.Notef("refresh %s of group %s: %s%s", latest.ID, e.Refresh, latest.Status, reason(latest.StatusReason))
	return nil
}
