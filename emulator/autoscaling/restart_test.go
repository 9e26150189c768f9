package autoscaling

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// A daemon killed at any point of a refresh and started again on the same
// state file and engine carries on: no instance replaced twice, none
// forgotten, min healthy and max total kept throughout (the harness checks
// those at every termination and launch).

func holdVersion(v string) func(labels) bool {
	return func(l labels) bool { return l[compute.LabelVersion] == v }
}

// assertResumedCleanly waits for a forward refresh to succeed after a
// crash and checks that every one of before was replaced once, and that
// the only new instances that went are those whose launch the crash
// interrupted. It returns the finished refresh.
func assertResumedCleanly(t *testing.T, h *harness, before []compute.Instance, want int) Refresh {
	t.Helper()
	r := h.waitRefresh()
	if r.Status != RefreshSuccessful {
		t.Fatalf("refresh %+v\n%s", r, h.dump())
	}
	now := h.members()
	if len(now) != len(before) || versionsOf(now)[want] != len(before) {
		t.Fatalf("after the refresh: %d instances, versions %v; want %d on version %d\n%s", len(now), versionsOf(now), len(before), want, h.dump())
	}
	for _, b := range before {
		if n := h.terminated[b.ID]; n != 1 || slices.Contains(ids(now), b.ID) {
			t.Errorf("%s terminated %d times, still a member: %v", b.ID, n, slices.Contains(ids(now), b.ID))
		}
	}
	for _, i := range h.everInstances() {
		if i.TemplateVersion == want && i.State == compute.StateTerminated && i.StateReason != compute.ReasonLaunchInterrupted {
			t.Errorf("new instance %s was terminated: %s", i.ID, i.StateReason)
		}
	}
	return r
}

func TestRestartWhilePending(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.crash()
	if r := h.refresh(); r.Status != RefreshPending {
		t.Fatalf("after the restart: %s", r.Status)
	}
	assertResumedCleanly(t, h, before, 2)
}

func TestRestartInTheMiddleOfALaunch(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.rt.hold = holdVersion("2")
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	held := h.runUntilHeld(h.rt.held, 2)
	h.crash()
	for _, id := range held {
		if i, _ := h.compute.Instance(ctx, id); i.State != compute.StateTerminated || i.StateReason != compute.ReasonLaunchInterrupted {
			t.Fatalf("the interrupted launch of %s: %s %s", id, i.State, i.StateReason)
		}
	}
	if r := h.refresh(); r.Status != RefreshInProgress {
		t.Fatalf("after the restart: %+v", r)
	}
	assertResumedCleanly(t, h, before, 2)
	if len(h.events(EventRefreshResumed)) != 0 {
		t.Error("only Run announces a resumed refresh")
	}
}

func TestRestartInTheMiddleOfADrain(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.stopHold = func(i compute.Instance) bool { return i.TemplateVersion == 1 }
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	held := h.runUntilHeld(h.stopHeld, 2)
	// The load balancer restarts with the daemon and forgets its targets:
	// until it has checked them again, none counts as healthy, so nothing
	// more may go.
	h.lb.forgetAll()
	h.crash()
	for _, id := range held {
		if i, _ := h.compute.Instance(ctx, id); i.State != compute.StateTerminated {
			t.Fatalf("the interrupted termination of %s: %s", id, i.State)
		}
	}
	h.settle()
	if v := versionsOf(h.members()); v[1] != 2 {
		t.Fatalf("right after the restart: versions %v, want the 2 version 1 instances kept until they are seen healthy", v)
	}
	assertResumedCleanly(t, h, before, 2)
}

func TestRestartAtACheckpoint(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50),
		CheckpointPercentages: []int{50, 100}, CheckpointDelay: D(30 * time.Second)})
	h.runUntil("checkpoint", func() bool { return h.refresh().CheckpointReachedAt != nil })
	reached := *h.refresh().CheckpointReachedAt
	h.advance(10 * time.Second)
	h.crash()
	h.advance(15 * time.Second)
	if r := h.refresh(); r.CheckpointReachedAt == nil || !r.CheckpointReachedAt.Equal(reached) || versionsOf(h.members())[1] != 2 {
		t.Fatalf("after the restart the checkpoint wait went on from where it was: %+v", r)
	}
	h.advance(6 * time.Second)
	if r := h.refresh(); r.CheckpointReachedAt != nil || r.CheckpointIndex != 1 {
		t.Fatalf("30s after the checkpoint, across a restart, the refresh goes on: %+v", r)
	}
	assertResumedCleanly(t, h, before, 2)
}

func TestRestartWhileBaking(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	before := h.members()
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), BakeTime: D(time.Minute)})
	h.runUntil("baking", func() bool { return h.refresh().Status == RefreshBaking })
	until := *h.refresh().BakeUntil
	h.crash()
	h.advance(until.Sub(h.clock.Now()) - time.Second)
	if r := h.refresh(); r.Status != RefreshBaking {
		t.Fatalf("after the restart: %+v", r)
	}
	if r := assertResumedCleanly(t, h, before, 2); h.group().TemplateVersion != "2" {
		t.Fatalf("refresh %+v: group on version %s", r, h.group().TemplateVersion)
	}
}

func TestRestartWhileCancelling(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.rt.hold = holdVersion("2")
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.runUntilHeld(h.rt.held, 2)
	if r, err := h.svc.CancelRefresh(ctx, "web"); err != nil || r.Status != RefreshCancelling {
		t.Fatalf("cancel: %+v %v", r, err)
	}
	h.crash()
	h.settle()
	if r := h.refresh(); r.Status != RefreshCancelled {
		t.Fatalf("after the restart: %+v", r)
	}
	// The group fills itself up again with its own configuration.
	h.waitOwnConfig(4)
}

func TestRestartWhileRollingBack(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.lb.bad = func(i compute.Instance) bool { return i.TemplateVersion == 2 }
	h.rt.hold = holdVersion("1") // the rollback's launches
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), AutoRollback: true})
	held := h.runUntilHeld(h.rt.held, 2)
	if r := h.refresh(); r.Status != RefreshRollbackInProgress {
		t.Fatalf("held launches of version 1 before the rollback: %+v", r)
	}
	h.crash()
	if r := h.refresh(); r.Status != RefreshRollbackInProgress {
		t.Fatalf("after the restart: %+v", r)
	}
	r := h.waitRefresh()
	assertRolledBack(t, h, r, 4)
	for _, id := range held {
		if slices.Contains(ids(h.members()), id) {
			t.Errorf("%s, whose launch the crash interrupted, is a member", id)
		}
	}
}

func TestCrashedLaunchOutsideARefreshIsNotDoubled(t *testing.T) {
	h := newHarness(t)
	h.rt.hold = holdVersion("1")
	// A fourth running instance at any point is a doubled launch.
	h.limits(-1, 3)
	h.createGroup(GroupSpec{Name: "web", Template: "web", Max: 10, Desired: intp(3), LoadBalancer: "web"})
	held := h.runUntilHeld(h.rt.held, 3)
	h.crash()
	for _, id := range held {
		if i, _ := h.compute.Instance(ctx, id); i.State != compute.StateTerminated || i.StateReason != compute.ReasonLaunchInterrupted {
			t.Fatalf("the interrupted launch of %s: %s %s", id, i.State, i.StateReason)
		}
	}
	h.waitHealthy(3)
}

func TestRestartAfterDowntimeGivesNewInstancesAFairLook(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.runUntil("first batch launched", func() bool { return len(h.events(EventRefreshLaunch)) == 1 })
	// The daemon is down for a minute, and the load balancer comes back
	// knowing nothing: the new instances' time to serve ran out meanwhile,
	// yet they never had a chance to be checked.
	h.clock.Advance(time.Minute)
	h.lb.forgetAll()
	h.crash()
	assertResumedCleanly(t, h, before, 2)
}

// A refresh resumed after a restart reports progress that never goes
// back: the load balancer comes back knowing none of its targets, yet the
// instances already replaced stay replaced.
func TestRestartNeverTakesProgressBack(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.runUntil("half replaced", func() bool { return h.refresh().PercentComplete == 50 })
	h.lb.forgetAll()
	h.crash()
	// What a user polling the refresh sees, pass after pass.
	seen := []int{h.refresh().PercentComplete}
	h.runUntil("refresh finished", func() bool {
		r := h.refresh()
		seen = append(seen, r.PercentComplete)
		return Done(r.Status)
	})
	r := assertResumedCleanly(t, h, before, 2)
	if !slices.IsSorted(seen) || seen[0] != 50 || seen[len(seen)-1] != 100 {
		t.Errorf("percent complete polled across the restart: %v, want 50 up to 100, never lower", slices.Compact(seen))
	}
	// Every record the refresh wrote, as its events tell them.
	var written []int
	for _, e := range h.events("") {
		if e.Fields["refresh"] == r.ID && e.Fields["percent_complete"] != "" {
			written = append(written, progressOf(t, e))
		}
	}
	if !slices.IsSorted(written) || !slices.Contains(written, 50) {
		t.Errorf("percent complete written across the restart: %v, want it only going up\n%s", written, h.dump())
	}
}

// Deciding a refresh's next step writes nothing: the pass writes the
// record it decided, in one transaction, before it takes the step. A
// daemon killed while deciding finds the state the decision came from.
func TestRefreshStepsAreDecidedBeforeAnythingIsWritten(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50),
		CheckpointPercentages: []int{50, 100}, CheckpointDelay: D(10 * time.Second)})
	decided := map[string]bool{} // the kinds of the events of the decisions
	for i := 0; !Done(h.refresh().Status); i++ {
		if i > 2000 {
			t.Fatalf("the refresh did not finish\n%s", h.dump())
		}
		r, written := h.refresh(), len(h.events(""))
		insts, err := h.compute.Instances(ctx)
		if err != nil {
			t.Fatal(err)
		}
		d := h.svc.decide(h.svc.viewOf(h.group().Group, insts), r, h.clock.Now())
		if now := h.refresh(); !reflect.DeepEqual(now, r) || len(h.events("")) != written {
			t.Fatalf("deciding wrote: the refresh went from %+v to %+v, %d events to %d", r, now, written, len(h.events("")))
		}
		for _, e := range d.events {
			decided[e.Kind] = true
		}
		res := h.svc.reconcileOnce(h.ctx)
		h.svc.waitIdle()
		h.checkInvariants()
		if !res.acted {
			h.clock.Advance(step)
		}
	}
	for _, kind := range []string{EventRefreshStatus, EventRefreshProgress, EventRefreshCheckpoint} {
		if !decided[kind] {
			t.Errorf("no decision changed the record with a %s event: the test saw too little", kind)
		}
	}
	assertResumedCleanly(t, h, before, 2)
}
