package autoscaling

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// assertRolledBack checks that the group is back at n instances of
// version 1, all serving, on an unchanged configuration.
func assertRolledBack(t *testing.T, h *harness, r Refresh, n int) {
	t.Helper()
	if r.Status != RefreshRollbackSuccessful || r.PercentComplete != 0 || r.InstancesToUpdate != 0 || r.EndTime == nil {
		t.Fatalf("refresh %+v\n%s", r, h.dump())
	}
	// A rollback succeeds only once the group is back: no waiting after.
	if waited := h.waitOwnConfig(n); waited != 0 {
		t.Fatalf("the group was back on version 1 only %s after the rollback ended", waited)
	}
	for _, i := range h.everInstances() {
		if i.TemplateVersion == 1 && i.Tags[TagPhase] == phaseRollback && h.terminated[i.ID] > 0 {
			t.Errorf("%s, launched by the rollback, was terminated", i.ID)
		}
	}
}

func TestAutoRollbackWhenNewInstancesFailHealthChecks(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.lb.bad = func(i compute.Instance) bool { return i.TemplateVersion == 2 }
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), AutoRollback: true})
	h.runUntil("rollback", func() bool { return h.refresh().Status == RefreshRollbackInProgress })
	r := h.refresh()
	if !strings.Contains(r.StatusReason, "rolling back to web:1 after a failure") || !strings.Contains(r.StatusReason, "did not come into service") {
		t.Errorf("rollback reason %q", r.StatusReason)
	}
	assertRolledBack(t, h, h.waitRefresh(), 4)
	var statuses []string
	for _, e := range h.events(EventRefreshStatus) {
		statuses = append(statuses, e.Fields["status"])
	}
	if !slices.Equal(statuses, []string{RefreshInProgress, RefreshRollbackInProgress, RefreshRollbackSuccessful}) {
		t.Errorf("statuses %v", statuses)
	}
}

func TestManualRollbackInProgress(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.runUntil("half replaced", func() bool { return h.refresh().PercentComplete == 50 })
	r, err := h.svc.Rollback(ctx, "web")
	if err != nil || r.Status != RefreshRollbackInProgress {
		t.Fatalf("rollback: %+v, %v", r, err)
	}
	if _, err := h.svc.Rollback(ctx, "web"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("a second rollback: %v, want conflict", err)
	}
	if _, err := h.svc.CancelRefresh(ctx, "web"); !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "cannot be cancelled") {
		t.Errorf("cancel a rollback: %v, want conflict", err)
	}
	h.runUntil("rolling back", func() bool {
		r := h.refresh()
		return r.Status != RefreshRollbackInProgress || r.PercentComplete < 50
	})
	assertRolledBack(t, h, h.waitRefresh(), 4)
	// During the rollback the percentage only goes down, to zero.
	last := 50
	var percents []int
	rolling := false
	for _, e := range h.events("") {
		if e.Kind == EventRefreshStatus && e.Fields["status"] == RefreshRollbackInProgress {
			rolling = true
		}
		if rolling && e.Kind == EventRefreshProgress {
			percents = append(percents, progressOf(t, e))
		}
	}
	for _, p := range percents {
		if p > last {
			t.Errorf("progress went up during the rollback: %v", percents)
			break
		}
		last = p
	}
}

func TestRollbackRefusedWhereAWSRefusesIt(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	if _, err := h.svc.Rollback(ctx, "web"); !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "no instance refresh") {
		t.Errorf("rollback with no refresh: %v", err)
	}
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	if r := h.waitRefresh(); r.Status != RefreshSuccessful {
		t.Fatal(r)
	}
	_, err := h.svc.Rollback(ctx, "web")
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "already succeeded") || !strings.Contains(err.Error(), "--template-version 1") {
		t.Errorf("rollback after success: %v", err)
	}
	for _, spec := range []RefreshSpec{{TemplateVersion: "$Latest"}, {}} {
		h.startRefresh(spec)
		_, err := h.svc.Rollback(ctx, "web")
		if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "cannot be rolled back") {
			t.Errorf("rollback of %+v: %v", spec, err)
		}
		if _, err := h.svc.CancelRefresh(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		h.settle()
	}
}

func TestFailureDuringRollbackEndsRollbackFailed(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.lb.bad = func(i compute.Instance) bool { return i.TemplateVersion == 2 }
	// Version 1 cannot launch any more: the rollback's launches fail.
	h.rt.failCreate = func(l labels) error {
		if l[compute.LabelVersion] == "1" {
			return errors.New("the engine is out of memory")
		}
		return nil
	}
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), AutoRollback: true})
	r := h.waitRefresh()
	h.rt.failCreate = nil
	if r.Status != RefreshRollbackFailed || !strings.HasPrefix(r.StatusReason, "rollback failed: ") ||
		!strings.Contains(r.StatusReason, "out of memory") {
		t.Fatalf("refresh %+v", r)
	}
	// The group still mends itself with its own configuration.
	h.waitOwnConfig(4)
}

func TestRollbackOfInstancesThatStop(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), AutoRollback: true})
	h.runUntil("first launch", func() bool { return len(h.events(EventRefreshLaunch)) == 1 })
	for _, i := range h.members() {
		if i.TemplateVersion == 2 {
			h.rt.SetState(i.ContainerID, "exited", 1)
		}
	}
	if err := h.compute.Reconcile(ctx, false); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if r := h.refresh(); r.Status != RefreshRollbackInProgress || !strings.Contains(r.StatusReason, "is stopped") {
		t.Fatalf("a new instance that stops fails the refresh at once: %+v", r)
	}
	assertRolledBack(t, h, h.waitRefresh(), 2)
}

func TestBakeTimeThenSuccessOrRollback(t *testing.T) {
	for _, rollback := range []bool{false, true} {
		h := newHarness(t)
		h.webGroup(2)
		h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), BakeTime: D(time.Minute)})
		h.runUntil("baking", func() bool { return h.refresh().Status == RefreshBaking })
		r := h.refresh()
		if r.StatusReason != "baking for 1m0s" || r.PercentComplete != 100 || r.BakeUntil == nil {
			t.Fatalf("baking: %+v", r)
		}
		if rollback {
			if _, err := h.svc.Rollback(ctx, "web"); err != nil {
				t.Fatal(err)
			}
			assertRolledBack(t, h, h.waitRefresh(), 2)
			continue
		}
		h.advance(55 * time.Second)
		if r := h.refresh(); r.Status != RefreshBaking || h.group().TemplateVersion != "1" {
			t.Fatalf("the bake ended early: %+v", r)
		}
		if r := h.waitRefresh(); r.Status != RefreshSuccessful || h.group().TemplateVersion != "2" {
			t.Fatalf("after the bake: %+v", r)
		}
	}
}
