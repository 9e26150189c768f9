package autoscaling

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

func TestCreateGroupValidatesAsAWS(t *testing.T) {
	h := newHarness(t)
	cases := []struct {
		spec GroupSpec
		want error
		msg  string
	}{
		{GroupSpec{Name: "g", Template: "web", Min: 3, Max: 2}, errdefs.ErrInvalid, "min 3 is greater than max 2"},
		{GroupSpec{Name: "g", Template: "web", Min: 1, Max: 3, Desired: intp(4)}, errdefs.ErrInvalid, "desired capacity 4 is outside"},
		{GroupSpec{Name: "g", Template: "web", Min: 2, Max: 3, Desired: intp(1)}, errdefs.ErrInvalid, "desired capacity 1 is outside"},
		{GroupSpec{Name: "g", Template: "web", Min: -1, Max: 3}, errdefs.ErrInvalid, "negative"},
		{GroupSpec{Name: "g", Template: "web", Min: 0, Max: MaxGroupSize + 1}, errdefs.ErrInvalid, "above the limit"},
		{GroupSpec{Name: "g", Template: "nope", Max: 1}, errdefs.ErrNotFound, `template "nope" does not exist`},
		{GroupSpec{Name: "g", Template: "web:9", Max: 1}, errdefs.ErrNotFound, "has no version 9"},
		{GroupSpec{Name: "g", Template: "web", Max: 1, LoadBalancer: "nope"}, errdefs.ErrNotFound, `load balancer "nope" does not exist`},
		{GroupSpec{Name: "g", Template: "web", Max: 1, HealthCheckType: "ELB"}, errdefs.ErrInvalid, "needs a load balancer"},
		{GroupSpec{Name: "g", Template: "web", Max: 1, HealthCheckType: "TCP"}, errdefs.ErrInvalid, "use EC2 or ELB"},
		{GroupSpec{Name: "g", Template: "web", Max: 1, Zones: []string{"zone-x"}}, errdefs.ErrInvalid, `unknown zone "zone-x"`},
		{GroupSpec{Name: "g", Template: "web", Max: 1, MaxHealthyPercentage: 250}, errdefs.ErrInvalid, "use 100-200"},
		{GroupSpec{Name: "bad name", Template: "web", Max: 1}, errdefs.ErrInvalid, "not valid"},
		{GroupSpec{Name: "g", Template: "web", Max: 1, HealthCheckGracePeriod: D(-time.Second)}, errdefs.ErrInvalid, "negative"},
	}
	for _, c := range cases {
		_, err := h.svc.CreateGroup(ctx, c.spec)
		if !errors.Is(err, c.want) || err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("CreateGroup(%+v) = %v; want %v saying %q", c.spec, err, c.want, c.msg)
		}
	}
	if gs, _ := h.svc.Groups(ctx); len(gs) != 0 {
		t.Fatalf("refused creates left groups: %+v", gs)
	}
	h.createGroup(GroupSpec{Name: "g", Template: "web", Max: 1})
	if _, err := h.svc.CreateGroup(ctx, GroupSpec{Name: "g", Template: "web", Max: 1}); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("duplicate group: %v, want conflict", err)
	}
}

func TestCreateGroupDefaultsAndVersionPinning(t *testing.T) {
	h := newHarness(t)
	if _, err := h.compute.SetDefaultVersion(ctx, "web", "2"); err != nil {
		t.Fatal(err)
	}
	d := h.createGroup(GroupSpec{Name: "pinned", Template: "web", Min: 1, Max: 3})
	g := d.Group
	if g.TemplateVersion != "2" {
		t.Errorf("a bare template name pins the default version number: got %q, want 2", g.TemplateVersion)
	}
	if g.Desired != 1 || g.HealthCheckType != HealthCheckEC2 || g.HealthCheckGracePeriod.Std() != h.profile.GracePeriod ||
		g.MaxHealthyPercentage != 100 || !slices.Equal(g.Zones, compute.Zones) {
		t.Errorf("defaults: %+v", g)
	}
	if _, err := h.compute.SetDefaultVersion(ctx, "web", "3"); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if v := versionsOf(h.groupNamed("pinned").Instances); v[2] != 1 || len(v) != 1 {
		t.Errorf("group pinned to 2 launched %v after the default moved to 3", v)
	}
	latest := h.createGroup(GroupSpec{Name: "latest", Template: "web:$Latest", Min: 1, Max: 1})
	if latest.TemplateVersion != "$Latest" {
		t.Errorf("$Latest kept as given: got %q", latest.TemplateVersion)
	}

	b, err := json.Marshal(h.groupNamed("pinned"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"name", "min", "max", "desired", "load_balancer", "instances", "health_check_grace_period"} {
		if _, ok := m[k]; !ok {
			t.Errorf("group JSON has no %q: %s", k, b)
		}
	}
	if insts, _ := m["instances"].([]any); len(insts) != 1 || insts[0].(map[string]any)["state"] != "running" {
		t.Errorf("group JSON instances should be instance objects: %s", b)
	}
}

func TestGroupLaunchesToDesiredBalancedAndRegistered(t *testing.T) {
	h := newHarness(t)
	h.webGroup(5)
	zones := map[string]int{}
	for _, i := range h.members() {
		zones[i.Zone]++
		if i.TemplateVersion != 1 || i.Group != "web" {
			t.Errorf("instance %+v", i)
		}
		if st := h.lb.TargetState("web", i.ID); st != TargetHealthy {
			t.Errorf("%s target state %q, want registered and healthy", i.ID, st)
		}
	}
	if zones["zone-a"] != 2 || zones["zone-b"] != 2 || zones["zone-c"] != 1 {
		t.Errorf("5 instances over 3 zones: %v, want 2/2/1", zones)
	}
	if len(h.events(EventLaunch)) == 0 || len(h.events(EventRegister)) != 5 {
		t.Errorf("events: %d launch, %d register", len(h.events(EventLaunch)), len(h.events(EventRegister)))
	}
	// Zones the group is limited to.
	h.createGroup(GroupSpec{Name: "two", Template: "web", Min: 4, Max: 4, Zones: []string{"zone-b", "zone-c"}})
	h.settle()
	zones = map[string]int{}
	for _, i := range h.groupNamed("two").Instances {
		zones[i.Zone]++
	}
	if zones["zone-b"] != 2 || zones["zone-c"] != 2 {
		t.Errorf("4 instances over zone-b and zone-c: %v", zones)
	}
	// Scale out keeps the balance.
	if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(9)}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	zones = map[string]int{}
	for _, i := range h.members() {
		zones[i.Zone]++
	}
	if zones["zone-a"] != 3 || zones["zone-b"] != 3 || zones["zone-c"] != 3 {
		t.Errorf("9 instances: %v, want 3/3/3", zones)
	}
	if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(11)}); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("scale above max: %v, want invalid", err)
	}
}

func TestScaleInFollowsTheDefaultTerminationOrder(t *testing.T) {
	h := newHarness(t)
	h.webGroup(6) // 2 per zone on version 1
	v1 := h.members()
	// The group moves to version 2 (as a successful refresh would) and
	// grows: 1 new instance of version 2 per zone.
	setGroupVersion(t, h, "2")
	h.clock.Advance(time.Second)
	if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(9)}); err != nil {
		t.Fatal(err)
	}
	h.waitHealthy(9)
	// Scale in to 6: each zone has 3, so one from each, a version 1 one.
	if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(6)}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	after := h.members()
	if v := versionsOf(after); v[1] != 3 || v[2] != 3 {
		t.Fatalf("after scale in to 6: versions %v, want three of each (version 1 goes first)", v)
	}
	zones := map[string]int{}
	for _, i := range after {
		zones[i.Zone]++
	}
	if zones["zone-a"] != 2 || zones["zone-b"] != 2 || zones["zone-c"] != 2 {
		t.Fatalf("after scale in: zones %v, want 2/2/2", zones)
	}
	// Someone terminates zone-a's version 1 instance: zone-a has 1 left,
	// zone-b and zone-c 2. Scaling in to 4 takes from zone-b, the first of
	// the fullest, its version 1 instance.
	for _, i := range after {
		if i.Zone == "zone-a" && i.TemplateVersion == 1 {
			terminateOutOfBand(t, h, i)
		}
	}
	if _, err := h.svc.ScaleGroup(ctx, "web", ScaleSpec{Desired: intp(4)}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	var gone []string
	for _, i := range v1 {
		if !slices.Contains(ids(h.members()), i.ID) {
			gone = append(gone, i.Zone)
		}
	}
	slices.Sort(gone)
	if !slices.Equal(gone, []string{"zone-a", "zone-a", "zone-b", "zone-b", "zone-c"}) {
		t.Fatalf("version 1 instances gone from zones %v\n%s", gone, h.dump())
	}
	if v := versionsOf(h.members()); len(h.members()) != 4 || v[2] != 3 {
		t.Fatalf("want 4 instances, the 3 of version 2 among them: %v", v)
	}
	if evs := h.events(EventTerminate); len(evs) != 4 || !strings.Contains(evs[0].Message, "scale in from 9 to 6") {
		t.Fatalf("terminate events: %+v", evs)
	}
}

func setGroupVersion(t *testing.T, h *harness, v string) {
	t.Helper()
	err := h.db.Update(func(tx *store.Tx) error {
		g, _, err := getGroup(tx, "web")
		if err != nil {
			return err
		}
		g.TemplateVersion = v
		_, err = tx.Put(kindGroup, "web", g)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// terminateOutOfBand terminates an instance as a user would, outside the group.
func terminateOutOfBand(t *testing.T, h *harness, inst compute.Instance) {
	t.Helper()
	if _, err := h.compute.Terminate(ctx, []string{inst.ID}, ""); err != nil {
		t.Fatal(err)
	}
}

func TestReplacesStoppedAndRemovedInstances(t *testing.T) {
	h := newHarness(t)
	h.webGroup(3)
	before := h.members()
	h.rt.SetState(before[0].ContainerID, sandbox.StateExited, 137) // the process died
	h.rt.Delete(before[1].ContainerID)                             // docker rm -f
	if err := h.compute.Reconcile(ctx, false); err != nil {
		t.Fatal(err)
	}
	h.waitHealthy(3)
	now := h.members()
	for _, old := range before[:2] {
		if slices.Contains(ids(now), old.ID) {
			t.Errorf("%s should have been replaced", old.ID)
		}
	}
	if !slices.Contains(ids(now), before[2].ID) {
		t.Errorf("the healthy instance %s was replaced too", before[2].ID)
	}
	if len(h.events(EventReplace)) != 1 {
		t.Errorf("replace events: %+v (the stopped one is replaced; the removed one is already gone)", h.events(EventReplace))
	}
	stopped, _ := h.compute.Instance(ctx, before[0].ID)
	if stopped.State != compute.StateTerminated || !strings.Contains(stopped.StateReason, "unhealthy") {
		t.Errorf("stopped instance after replacement: %s %q", stopped.State, stopped.StateReason)
	}
}

func TestELBHealthCheckReplacesAfterGraceOnly(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2, func(s *GroupSpec) { s.HealthCheckGracePeriod = D(30 * time.Second) })
	h.createGroup(GroupSpec{Name: "ec2", Template: "web", Min: 1, Max: 1, LoadBalancer: "web"})
	h.settle()
	ec2 := h.groupNamed("ec2").Instances[0]
	bad := h.members()[0]
	h.lb.set(bad.ID, TargetUnhealthy)
	h.lb.set(ec2.ID, TargetUnhealthy)
	// Launched 4s ago (the time to get healthy): the grace period runs 26s more.
	h.advance(20 * time.Second)
	if !slices.Contains(ids(h.members()), bad.ID) {
		t.Fatalf("%s replaced inside its grace period", bad.ID)
	}
	h.advance(10 * time.Second)
	if slices.Contains(ids(h.members()), bad.ID) {
		t.Fatalf("%s still there after its grace period\n%s", bad.ID, h.dump())
	}
	h.waitHealthy(2)
	if got := h.groupNamed("ec2").Instances; len(got) != 1 || got[0].ID != ec2.ID {
		t.Fatalf("an EC2 health check group replaced a load balancer unhealthy instance: %v", ids(got))
	}
}

func TestLaunchFirstReplacementUnderMaxHealthyAbove100(t *testing.T) {
	h := newHarness(t)
	h.webGroup(3, func(s *GroupSpec) { s.MaxHealthyPercentage = 150 })
	bad := h.members()[0]
	h.limits(2, 4) // the stopped one never serves; the others always do; at most 4
	h.rt.SetState(bad.ContainerID, sandbox.StateExited, 1)
	if err := h.compute.Reconcile(ctx, false); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if m := h.members(); len(m) != 4 || !slices.Contains(ids(m), bad.ID) {
		t.Fatalf("launch first: want the replacement beside the stopped instance, have %v", ids(m))
	}
	h.waitHealthy(3)
	if slices.Contains(ids(h.members()), bad.ID) {
		t.Fatal("the stopped instance stayed after its replacement served")
	}
	launch, replace := h.events(EventLaunch), h.events(EventReplace)
	if len(replace) != 1 || replace[0].Seq < launch[len(launch)-1].Seq {
		t.Fatalf("want the replacement launched before the stopped one is terminated: launches %+v, replace %+v", launch, replace)
	}
}

func TestDeleteGroupTerminatesItsInstances(t *testing.T) {
	h := newHarness(t)
	h.webGroup(3)
	insts := h.members()
	h.deleteGroup(false)
	if _, err := h.svc.Group(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("group after delete: %v", err)
	}
	for _, i := range insts {
		got, _ := h.compute.Instance(ctx, i.ID)
		if got.State != compute.StateTerminated {
			t.Errorf("%s is %s after the group was deleted", i.ID, got.State)
		}
		if h.terminated[i.ID] != 1 {
			t.Errorf("%s was not drained (BeforeStop ran %d times)", i.ID, h.terminated[i.ID])
		}
	}
	if len(h.events(EventGroupDeleted)) != 1 {
		t.Error("no group.deleted event")
	}
}

func TestDeleteRefusedDuringRefreshUnlessForced(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	h.startRefresh(RefreshSpec{TemplateVersion: "2"})
	if err := h.svc.DeleteGroup(ctx, "web", false); !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("delete during a refresh: %v, want a conflict that mentions --force", err)
	}
	h.deleteGroup(true)
	if evs := h.events(EventRefreshStatus); len(evs) == 0 || evs[len(evs)-1].Fields["status"] != RefreshCancelled {
		t.Fatalf("a forced delete cancels the refresh: status events %+v", evs)
	}
}

func TestTemplateInUseByAGroupIsNotDeleted(t *testing.T) {
	h := newHarness(t)
	h.webGroup(1)
	if _, _, err := h.compute.CreateTemplate(ctx, "spare", compute.TemplateData{Image: "builtin/demo"}); err != nil {
		t.Fatal(err)
	}
	err := h.compute.DeleteTemplate(ctx, "web")
	if !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "group web") || !strings.Contains(err.Error(), "'cattle groups rm web'") {
		t.Fatalf("deleting the group's template: %v, want a conflict naming group web and 'cattle groups rm web'", err)
	}
	// A refresh in progress to another template holds that one too.
	h.startRefresh(RefreshSpec{TemplateVersion: "spare:1"})
	if err := h.compute.DeleteTemplate(ctx, "spare"); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("deleting the template a refresh launches: %v, want a conflict", err)
	}
	h.deleteGroup(true)
	if err := h.compute.DeleteTemplate(ctx, "spare"); err != nil {
		t.Fatalf("a template no group uses: %v", err)
	}
	if err := h.compute.DeleteTemplate(ctx, "web"); err != nil {
		t.Fatalf("the template once its group is gone: %v", err)
	}
}
