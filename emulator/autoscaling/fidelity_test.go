package autoscaling

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
)

// The tests here prove rules of docs/semantics.md that the other tests
// only touched; docs/fidelity.md names them.

// A group of 20 refreshed with defaults keeps 90% (18) in service, so it
// replaces 2 at a time; 80% would give batches of 4 and 95% of 1.
func TestRefreshDefaultMinHealthyIs90(t *testing.T) {
	for _, c := range []struct {
		min     *int
		batch   string
		healthy int
	}{{nil, "2", 18}, {intp(80), "4", 16}, {intp(95), "1", 19}} {
		t.Run(fmt.Sprintf("min=%v", c.healthy), func(t *testing.T) {
			h := newHarness(t)
			h.webGroup(20, func(s *GroupSpec) { s.Max = 20 })
			before := h.members()
			h.limits(c.healthy, 20)
			r := h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: c.min})
			if c.min == nil && r.Preferences.MinHealthyPercentage != 90 {
				t.Fatalf("default min healthy %d%%, want 90%%", r.Preferences.MinHealthyPercentage)
			}
			assertReplacedOnce(t, h, before, 2)
			sizes := launchSizes(h)
			want := slices.Repeat([]string{c.batch}, len(sizes))
			if !slices.Equal(sizes, want) || len(sizes) == 0 {
				t.Fatalf("launch batches %v, want all of %s", sizes, c.batch)
			}
		})
	}
}

func TestRefreshCheckpointDelayDefaultsToTheProfile(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	r := h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), CheckpointPercentages: []int{50, 100}})
	if r.Preferences.CheckpointDelay.Std() != h.profile.CheckpointDelay {
		t.Fatalf("checkpoint delay %s, want the profile's %s", r.Preferences.CheckpointDelay, h.profile.CheckpointDelay)
	}
	h.runUntil("checkpoint", func() bool { return h.refresh().CheckpointReachedAt != nil })
	h.advance(h.profile.CheckpointDelay - time.Second)
	if h.refresh().CheckpointReachedAt == nil || versionsOf(h.members())[1] != 2 {
		t.Fatalf("the refresh went on before the profile's checkpoint delay\n%s", h.dump())
	}
	assertReplacedOnce(t, h, before, 2)
}

// AWS replaces one at a time when min and max healthy are both 100.
func TestRefreshMinAndMaxHealthy100ReplacesOneAtATime(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	before := h.members()
	h.limits(3, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(100), MaxHealthyPercentage: intp(100)})
	assertReplacedOnce(t, h, before, 2)
	if got := launchSizes(h); !slices.Equal(got, []string{"1", "1", "1", "1"}) {
		t.Errorf("launch batches %v, want four of 1", got)
	}
}

// AWS ends a refresh at a last checkpoint below 100, that share replaced.
func TestRefreshEndsAtALastCheckpointBelow100(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.limits(2, 4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50), CheckpointPercentages: []int{50}})
	r := h.waitRefresh()
	if r.Status != RefreshSuccessful || r.PercentComplete != 50 || !strings.Contains(r.StatusReason, "last checkpoint 50%") {
		t.Fatalf("refresh %+v\n%s", r, h.dump())
	}
	h.advance(time.Minute)
	if v := versionsOf(h.members()); v[1] != 2 || v[2] != 2 {
		t.Fatalf("after the refresh ended at 50%%: versions %v, want 2 of each", v)
	}
}

func TestSecondCancelAnswersActiveInstanceRefreshNotFound(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	h.startRefresh(RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intp(50)})
	h.runUntil("first batch launched", func() bool { return len(h.events(EventRefreshLaunch)) == 1 })
	if r, err := h.svc.CancelRefresh(ctx, "web"); err != nil || r.Status != RefreshCancelling {
		t.Fatalf("first cancel: %+v, %v", r, err)
	}
	_, err := h.svc.CancelRefresh(ctx, "web")
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "ActiveInstanceRefreshNotFound") {
		t.Fatalf("second cancel: %v, want ActiveInstanceRefreshNotFound", err)
	}
	h.settle()
	if r := h.refresh(); r.Status != RefreshCancelled {
		t.Fatalf("after cancel: %+v", r)
	}
}

// A group on $Latest or $Default resolves it at each launch, not once.
func TestRolesResolveAtEachLaunch(t *testing.T) {
	for _, role := range []string{compute.VersionLatest, compute.VersionDefault} {
		t.Run(role, func(t *testing.T) {
			h := newHarness(t)
			h.webGroup(2, func(s *GroupSpec) { s.Template = "web:" + role })
			want := 4
			if role == compute.VersionLatest {
				data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Env: map[string]string{"DEMO_VERSION": "v4"}}
				if _, err := h.compute.CreateVersion(ctx, "web", "", data, false); err != nil {
					t.Fatal(err)
				}
			} else {
				want = 2
				if _, err := h.compute.SetDefaultVersion(ctx, "web", "2"); err != nil {
					t.Fatal(err)
				}
			}
			old := h.members()[0]
			terminateOutOfBand(t, h, old)
			h.waitHealthy(2)
			if v := versionsOf(h.members()); v[want] != 1 {
				t.Fatalf("versions %v: the replacement should run version %d", v, want)
			}
		})
	}
}

func TestRollbackRefusedForADefaultDesiredConfiguration(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	h.startRefresh(RefreshSpec{TemplateVersion: compute.VersionDefault})
	_, err := h.svc.Rollback(ctx, "web")
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "cannot be rolled back") || !strings.Contains(err.Error(), "$Default") {
		t.Fatalf("rollback of a refresh to $Default: %v", err)
	}
}

// With the default maintenance policy (max healthy 100%) an unhealthy
// instance is terminated before its replacement launches.
func TestReplacementTerminatesBeforeLaunchingByDefault(t *testing.T) {
	h := newHarness(t)
	h.webGroup(3)
	bad := h.members()[0]
	launchesBefore := len(h.events(EventLaunch))
	h.rt.SetState(bad.ContainerID, sandbox.StateExited, 1)
	if err := h.compute.Reconcile(ctx, false); err != nil {
		t.Fatal(err)
	}
	h.waitHealthy(3)
	replace, launch := h.events(EventReplace), h.events(EventLaunch)
	if len(replace) != 1 || len(launch) != launchesBefore+1 || replace[0].Seq > launch[len(launch)-1].Seq {
		t.Fatalf("want the stopped instance terminated before its replacement launched: replace %+v, launches %+v", replace, launch)
	}
}

// An instance whose launch hangs in the engine is abandoned once it has
// been pending past the group's grace period, and the group replaces it.
func TestInstanceStuckInPendingIsReplaced(t *testing.T) {
	h := newHarness(t)
	var hung sync.Once
	var stuckID string
	h.rt.hang = func(l labels) bool {
		first := false
		hung.Do(func() { first, stuckID = true, l[sandbox.LabelInstance] })
		return first
	}
	n := 1
	h.createGroup(GroupSpec{Name: "web", Template: "web", Min: 0, Max: 3, Desired: &n,
		HealthCheckGracePeriod: timing.D(time.Second)})
	h.runUntil("a replacement running", func() bool {
		ms := h.members()
		return len(ms) == 1 && ms[0].ID != stuckID && ms[0].State == compute.StateRunning
	})
	stuck, err := h.compute.Instance(ctx, stuckID)
	if err != nil {
		t.Fatal(err)
	}
	if stuck.State != compute.StateTerminated || !strings.Contains(stuck.StateReason, "still pending after 1s") {
		t.Fatalf("the hung launch's instance is %s (%s); want terminated, still pending after the 1s grace period", stuck.State, stuck.StateReason)
	}
	if cs, _ := h.rt.List(ctx, map[string]string{sandbox.LabelInstance: stuckID}); len(cs) != 0 {
		t.Fatalf("the abandoned launch left %d containers", len(cs))
	}
}

// Scaling in between instances alike (one zone, one version) removes the
// one launched first.
func TestScaleInBetweenEqualsRemovesTheOldest(t *testing.T) {
	h := newHarness(t)
	h.webGroup(1, func(s *GroupSpec) { s.Zones = []string{"zone-b"} })
	for n := 2; n <= 3; n++ {
		h.advance(time.Second)
		if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(n)}); err != nil {
			t.Fatal(err)
		}
		h.waitHealthy(n)
	}
	ms := h.members()
	slices.SortFunc(ms, func(a, b compute.Instance) int { return a.LaunchedAt.Compare(b.LaunchedAt) })
	if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(2)}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if now := ids(h.members()); slices.Contains(now, ms[0].ID) || len(now) != 2 {
		t.Fatalf("scale in from 3 to 2 kept %v; want the oldest, %s, gone", now, ms[0].ID)
	}
}

// A load balancer a group uses cannot go (AWS's ResourceInUse); the
// error names the group and the fix.
func TestLoadBalancerInUseByAGroupIsNotDeleted(t *testing.T) {
	h := newHarness(t)
	h.webGroup(1)
	err := h.svc.CheckLoadBalancerUnused(ctx, "web")
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "ResourceInUse") ||
		!strings.Contains(err.Error(), "group web") || !strings.Contains(err.Error(), "cattle groups rm web") {
		t.Fatalf("load balancer in use: %v", err)
	}
	if err := h.svc.CheckLoadBalancerUnused(ctx, "other"); err != nil {
		t.Fatalf("a load balancer no group uses: %v", err)
	}
	h.deleteGroup(false)
	if err := h.svc.CheckLoadBalancerUnused(ctx, "web"); err != nil {
		t.Fatalf("after the group went: %v", err)
	}
}
