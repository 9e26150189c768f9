package autoscaling

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// assertReplacedOnce waits for a forward refresh to succeed and checks
// that it replaced each of before exactly once, with exactly len(before)
// new instances of version want, and left the group at desired on it. It
// returns the finished refresh.
func assertReplacedOnce(t *testing.T, h *harness, before []compute.Instance, want int) Refresh {
	t.Helper()
	r := h.waitRefresh()
	if r.Status != RefreshSuccessful {
		t.Fatalf("refresh %+v\n%s", r, h.dump())
	}
	now := h.members()
	if len(now) != len(before) {
		t.Fatalf("group has %d instances, want %d\n%s", len(now), len(before), h.dump())
	}
	if v := versionsOf(now); v[want] != len(before) {
		t.Fatalf("versions %v, want all %d on version %d", v, len(before), want)
	}
	for _, b := range before {
		if slices.Contains(ids(now), b.ID) {
			t.Errorf("%s was not replaced", b.ID)
		}
		if n := h.terminated[b.ID]; n != 1 {
			t.Errorf("%s was terminated %d times", b.ID, n)
		}
	}
	launched := 0
	for _, i := range h.everInstances() {
		if i.Tags[TagRefresh] != "" && i.Tags[TagPhase] == phaseForward && i.TemplateVersion == want {
			launched++
		}
	}
	if launched != len(before) {
		t.Errorf("%d instances of version %d launched to replace %d: some replaced twice\n%s", launched, want, len(before), h.dump())
	}
	return r
}

// launchSizes are the sizes of the refresh's launches, in order.
func launchSizes(h *harness) []string {
	var out []string
	for _, e := range h.events(EventRefreshLaunch) {
		out = append(out, e.Fields["count"])
	}
	return out
}

// progressOf is the percentage a refresh.progress event reports.
func progressOf(t *testing.T, e store.Event) int {
	t.Helper()
	p, err := strconv.Atoi(e.Fields["percent_complete"])
	if err != nil {
		t.Fatalf("event %+v: %v", e, err)
	}
	return p
}

// firstSeq is the sequence number of the first event of kind (0: none).
func firstSeq(h *harness, kind string) uint64 {
	if evs := h.events(kind); len(evs) > 0 {
		return evs[0].Seq
	}
	return 0
}

func TestRefreshMinHealthy50ReplacesTwoAtATime(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	r := h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	if r.Status != RefreshPending || !strings.HasPrefix(r.ID, "rf-") || r.Preferences.InstanceWarmup.Std() != h.profile.GracePeriod {
		t.Fatalf("new refresh: %+v", r)
	}
	r = assertReplacedOnce(t, h, before, 2)
	if r.PercentComplete != 100 || r.InstancesToUpdate != 0 || r.EndTime == nil {
		t.Fatalf("refresh ended %+v", r)
	}
	if g := h.group(); g.TemplateVersion != "2" || g.Template != "web" {
		t.Errorf("after a successful refresh the group launches %s:%s, want web:2", g.Template, g.TemplateVersion)
	}
	if got := launchSizes(h); !slices.Equal(got, []string{"2", "2"}) {
		t.Errorf("launch batches %v, want 2 then 2", got)
	}
	if firstSeq(h, EventRefreshTerminate) > firstSeq(h, EventRefreshLaunch) {
		t.Error("with max healthy 100% old instances go before new ones come")
	}
	var percents []int
	for _, e := range h.events(EventRefreshProgress) {
		percents = append(percents, progressOf(t, e))
	}
	if !slices.Contains(percents, 50) || !slices.IsSorted(percents) {
		t.Errorf("progress %v should pass 50%% on its way up", percents)
	}
	if len(h.events(EventGroupConfig)) != 1 {
		t.Error("no group.config event for the new version")
	}
}

func TestRefreshDefaultMinHealthyOf4ReplacesOneAtATime(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(3, 4) // 90% of 4 rounds up to 4: AWS still replaces one at a time
	h.startRefresh(RefreshSpec{TemplateVersion: "2"})
	assertReplacedOnce(t, h, before, 2)
	if got := launchSizes(h); !slices.Equal(got, []string{"1", "1", "1", "1"}) {
		t.Errorf("launch batches %v, want four of 1", got)
	}
}

func TestRefreshMaxHealthyAbove100LaunchesBeforeTerminating(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(4, 6) // min 100% keeps all 4 serving; max 150% allows 6
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(100), MaxHealthyPercentage: intp(150)})
	assertReplacedOnce(t, h, before, 2)
	if firstSeq(h, EventRefreshLaunch) > firstSeq(h, EventRefreshTerminate) {
		t.Error("with max healthy 150% new instances must come before old ones go")
	}
	if got := launchSizes(h); !slices.Equal(got, []string{"2", "2"}) {
		t.Errorf("launch batches %v, want 2 then 2", got)
	}
}

func TestRefreshWaitsAtCheckpoints(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50),
		CheckpointPercentages: []int{50, 100}, CheckpointDelay: D(30 * time.Second)})
	h.runUntil("checkpoint", func() bool { return h.refresh().CheckpointReachedAt != nil })
	r := h.refresh()
	if r.Status != RefreshInProgress || r.StatusReason != "waiting at checkpoint 50% for 30s" || r.PercentComplete != 50 {
		t.Fatalf("at the checkpoint: %+v", r)
	}
	if v := versionsOf(h.members()); v[1] != 2 || v[2] != 2 {
		t.Fatalf("at the checkpoint: versions %v, want 2 and 2", v)
	}
	h.advance(29 * time.Second)
	if v := versionsOf(h.members()); v[1] != 2 || h.refresh().CheckpointReachedAt == nil {
		t.Fatalf("the refresh went on before the checkpoint delay: versions %v", v)
	}
	assertReplacedOnce(t, h, before, 2)
	if n := len(h.events(EventRefreshCheckpoint)); n != 2 {
		t.Errorf("%d checkpoint events, want reached and passed", n)
	}
}

func TestRefreshSkipMatching(t *testing.T) {
	for _, skip := range []bool{true, false} {
		h := newHarness(t)
		h.webGroup(2)
		setGroupVersion(t, h, "2")
		if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(4)}); err != nil {
			t.Fatal(err)
		}
		h.waitHealthy(4)
		var onV2 []string
		for _, i := range h.members() {
			if i.TemplateVersion == 2 {
				onV2 = append(onV2, i.ID)
			}
		}
		h.startRefresh(RefreshSpec{TemplateVersion: "2", SkipMatching: skip, MinHealthyPercentage: intp(50)})
		r := h.waitRefresh()
		if r.Status != RefreshSuccessful {
			t.Fatalf("skip %v: refresh %+v", skip, r)
		}
		kept := 0
		for _, id := range onV2 {
			if slices.Contains(ids(h.members()), id) {
				kept++
			}
		}
		wantKept, wantTotal := 0, 4
		if skip {
			wantKept, wantTotal = 2, 2
		}
		if kept != wantKept || r.Total != wantTotal || len(r.Skipped) != wantKept {
			t.Errorf("skip %v: kept %d instances already on version 2, replaced %d (skipped %v); want %d kept, %d replaced",
				skip, kept, r.Total, r.Skipped, wantKept, wantTotal)
		}
		if v := versionsOf(h.members()); v[2] != 4 {
			t.Errorf("skip %v: versions %v", skip, v)
		}
	}
}

func TestCancelRefreshStopsReplacing(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.runUntil("first batch launched", func() bool { return len(h.events(EventRefreshLaunch)) == 1 })
	r, err := h.svc.CancelRefresh(ctx, "web")
	if err != nil || r.Status != RefreshCancelling {
		t.Fatalf("cancel: %+v, %v", r, err)
	}
	h.settle()
	r = h.refresh()
	if r.Status != RefreshCancelled || !strings.Contains(r.StatusReason, "2 of 4") || r.EndTime == nil {
		t.Fatalf("after cancel: %+v", r)
	}
	h.advance(time.Minute)
	if v := versionsOf(h.members()); v[1] != 2 || v[2] != 2 || len(h.members()) != 4 {
		t.Fatalf("a cancelled refresh keeps what it replaced and replaces no more: versions %v", v)
	}
	if g := h.group(); g.TemplateVersion != "1" {
		t.Errorf("a cancelled refresh leaves the group on version 1, not %s", g.TemplateVersion)
	}
	if _, err := h.svc.CancelRefresh(ctx, "web"); !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "ActiveInstanceRefreshNotFound") {
		t.Errorf("cancel with none in progress: %v, want ActiveInstanceRefreshNotFound", err)
	}
}

func TestRefreshWithoutDesiredConfigurationReplacesWithTheGroupsOwn(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	before := h.members()
	h.startRefresh(RefreshSpec{MinHealthyPercentage: intp(50)})
	if r := assertReplacedOnce(t, h, before, 1); r.DesiredConfiguration != nil {
		t.Fatalf("refresh %+v", r)
	}
	if len(h.events(EventGroupConfig)) != 0 || h.group().TemplateVersion != "1" {
		t.Error("a refresh without a desired configuration changed the group's configuration")
	}
}

func TestStartRefreshValidatesAsAWS(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	cases := []struct {
		spec RefreshSpec
		want error
		msg  string
	}{
		{RefreshSpec{TemplateVersion: "2", MaxHealthyPercentage: intp(250)}, errdefs.ErrInvalid, "100-200"},
		{RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(-1)}, errdefs.ErrInvalid, "0-100"},
		{RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(0), MaxHealthyPercentage: intp(150)}, errdefs.ErrInvalid, "more than 100 apart"},
		{RefreshSpec{TemplateVersion: "2", CheckpointPercentages: []int{50, 40, 100}}, errdefs.ErrInvalid, "ascending"},
		{RefreshSpec{TemplateVersion: "2", CheckpointDelay: D(time.Second)}, errdefs.ErrInvalid, "needs checkpoints"},
		{RefreshSpec{TemplateVersion: "$Latest", AutoRollback: true}, errdefs.ErrInvalid, "$Latest"},
		{RefreshSpec{AutoRollback: true}, errdefs.ErrInvalid, "no desired configuration"},
		{RefreshSpec{TemplateVersion: "9"}, errdefs.ErrNotFound, "no version 9"},
		{RefreshSpec{TemplateVersion: "other:1"}, errdefs.ErrNotFound, `template "other" does not exist`},
	}
	for _, c := range cases {
		_, err := h.svc.StartRefresh(ctx, "web", c.spec)
		if !errors.Is(err, c.want) || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("StartRefresh(%+v) = %v; want %v saying %q", c.spec, err, c.want, c.msg)
		}
	}
	if _, err := h.svc.StartRefresh(ctx, "nope", RefreshSpec{}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("refresh of an unknown group: %v", err)
	}
	h.startRefresh(RefreshSpec{TemplateVersion: "2"})
	if _, err := h.svc.StartRefresh(ctx, "web", RefreshSpec{TemplateVersion: "3"}); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("a second refresh: %v, want conflict", err)
	}
}

func TestRefreshLaunchFailureFails(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.rt.FailCreate = errors.New("no space left on device")
	r := h.waitRefresh()
	h.rt.FailCreate = nil
	if r.Status != RefreshFailed || !strings.Contains(r.StatusReason, "no space left on device") {
		t.Fatalf("refresh %+v", r)
	}
	// The group mends itself with its own configuration.
	h.waitOwnConfig(2)
}

func TestRefreshFailsWhenNewInstancesNeverServe(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.lb.bad = func(i compute.Instance) bool { return i.TemplateVersion == 2 }
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	r := h.waitRefresh()
	if r.Status != RefreshFailed || !strings.Contains(r.StatusReason, "did not come into service within") ||
		!strings.Contains(r.StatusReason, "unhealthy") {
		t.Fatalf("refresh %+v", r)
	}
	if got := launchSizes(h); !slices.Equal(got, []string{"2"}) {
		t.Errorf("a refresh whose first batch fails launches no more: %v", got)
	}
	// Without rollback the group replaces the unhealthy new instances
	// with its own configuration.
	h.waitOwnConfig(4)
}

func TestEventsNameTheRefreshSteps(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	r := h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.waitRefresh()
	var statuses []string
	for _, e := range h.events("") {
		if strings.HasPrefix(e.Kind, "refresh.") {
			if e.Resource != "group/web" || e.Fields["refresh"] != r.ID {
				t.Errorf("event %+v should name group/web and %s", e, r.ID)
			}
		}
		if e.Kind == EventRefreshStatus || e.Kind == EventRefreshStarted {
			statuses = append(statuses, e.Fields["status"])
		}
	}
	if !slices.Equal(statuses, []string{RefreshPending, RefreshInProgress, RefreshSuccessful}) {
		t.Errorf("status events %v", statuses)
	}
	for _, k := range []string{EventRefreshLaunch, EventRefreshTerminate, EventRefreshProgress} {
		if len(h.events(k)) == 0 {
			t.Errorf("no %s event", k)
		}
	}
}

func TestRefreshFollowsADesiredCapacityChanged(t *testing.T) {
	for _, to := range []int{2, 6} {
		h := newHarness(t)
		h.webGroup(4)
		h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
		h.runUntil("first batch launched", func() bool { return len(h.events(EventRefreshLaunch)) == 1 })
		if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(to)}); err != nil {
			t.Fatal(err)
		}
		r := h.waitRefresh()
		if r.Status != RefreshSuccessful {
			t.Fatalf("scaled to %d: refresh %+v", to, r)
		}
		if v := versionsOf(h.members()); v[2] != to || len(h.members()) != to || h.group().Healthy != to {
			t.Fatalf("scaled to %d during the refresh: versions %v", to, v)
		}
	}
}

// A new instance that came into service and later fails a health check
// is the group's health check's to replace; the refresh goes on. At 200
// instances on two cores a health check times out now and then, and the
// refresh failed for it ("did not come into service") long after it did.
func TestRefreshKeepsGoingWhenANewInstanceFailsAfterServing(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), CheckpointPercentages: []int{50, 100},
		CheckpointDelay: D(time.Minute)})
	h.runUntil("checkpoint", func() bool { return h.refresh().CheckpointReachedAt != nil })
	var served compute.Instance
	for _, m := range h.members() {
		if m.TemplateVersion == 2 {
			served = m
		}
	}
	// Long past its time to come into service, its target fails.
	h.advance(2 * HealthAllowance(h.profile))
	h.lb.set(served.ID, TargetUnhealthy)
	h.runUntil("replaced", func() bool {
		return !slices.ContainsFunc(h.members(), func(m compute.Instance) bool { return m.ID == served.ID })
	})
	if r := h.refresh(); r.Status != RefreshInProgress {
		t.Fatalf("refresh after a served instance failed a check: %+v\n%s", r, h.dump())
	}
	r := h.waitRefresh()
	if r.Status != RefreshSuccessful {
		t.Fatalf("refresh %+v\n%s", r, h.dump())
	}
	if v := versionsOf(h.members()); v[2] != 4 {
		t.Fatalf("versions %v, want all 4 on 2", v)
	}
}
