package compute

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

type fakeImages struct{ rt *sandboxtest.Fake }

// Resolve pins the engine's image id, as versions made before launches
// came from the registry do: no repository, so no pull.
func (f fakeImages) Resolve(ctx context.Context, ref string) (images.Resolved, error) {
	img, err := f.rt.InspectImage(ctx, ref)
	if err != nil {
		return images.Resolved{}, errdefs.NotFound("image %q not found", ref)
	}
	return images.Resolved{Digest: img.ID}, nil
}

func (f fakeImages) LaunchRef(ctx context.Context, r images.Resolved) (string, error) {
	return r.Digest, nil
}

func newTestService(t *testing.T) (*Service, *sandboxtest.Fake) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rt := sandboxtest.New()
	rt.AddImage("builtin/demo", nil)
	rt.AddImage("other:v2", nil)
	s := New(Config{DB: db, Runtime: rt, Sandbox: "unit", Network: "cattle-unit", Images: fakeImages{rt}, Profile: timing.Fast()})
	return s, rt
}

func TestTemplateVersionsPinDigestAndResolveRoles(t *testing.T) {
	s, rt := newTestService(t)
	ctx := context.Background()
	_, v1, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080, Env: map[string]string{"DEMO_VERSION": "v1"}})
	if err != nil {
		t.Fatal(err)
	}
	demo, _ := rt.InspectImage(ctx, "builtin/demo")
	if v1.ImageDigest != demo.ID || v1.InstanceType != DefaultInstanceType {
		t.Fatalf("version 1 = %+v, want digest %s and type %s", v1, demo.ID, DefaultInstanceType)
	}
	v2, err := s.CreateVersion(ctx, "web", "", TemplateData{Env: map[string]string{"DEMO_VERSION": "v2"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || v2.Port != 8080 || v2.Env["DEMO_VERSION"] != "v2" || v2.ImageDigest != demo.ID {
		t.Fatalf("version 2 should copy unset fields from $Latest: %+v", v2)
	}
	for ref, want := range map[string]int{"": 1, "$Default": 1, "$Latest": 2, "2": 2} {
		v, err := s.ResolveVersion(ctx, "web", ref)
		if err != nil || v.Version != want {
			t.Errorf("ResolveVersion(%q) = %d, %v; want %d", ref, v.Version, err, want)
		}
	}
	if _, err := s.SetDefaultVersion(ctx, "web", "2"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.ResolveVersion(ctx, "web", "$Default"); v.Version != 2 {
		t.Fatalf("$Default after set-default = %d, want 2", v.Version)
	}
	if _, err := s.ResolveVersion(ctx, "web", "7"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("version 7: %v, want not found", err)
	}
}

func TestTemplateBadInputLeavesStateUnchanged(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	cases := []struct {
		name string
		data TemplateData
		want error
	}{
		{"web", TemplateData{Image: "nope:1"}, errdefs.ErrNotFound},
		{"web", TemplateData{Image: "builtin/demo", InstanceType: "m5.huge"}, errdefs.ErrInvalid},
		{"web", TemplateData{Image: "builtin/demo", Port: 70000}, errdefs.ErrInvalid},
		{"web", TemplateData{}, errdefs.ErrInvalid},
		{"bad name!", TemplateData{Image: "builtin/demo"}, errdefs.ErrInvalid},
	}
	for _, c := range cases {
		if _, _, err := s.CreateTemplate(ctx, c.name, c.data); !errors.Is(err, c.want) {
			t.Errorf("CreateTemplate(%q, %+v) = %v, want %v", c.name, c.data, err, c.want)
		}
	}
	if ts, _ := s.Templates(ctx); len(ts) != 0 {
		t.Fatalf("failed creates left templates behind: %+v", ts)
	}
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo"}); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("duplicate template: %v, want conflict", err)
	}
}

func TestRunInstancesSpreadsZonesAndLabelsContainers(t *testing.T) {
	s, rt := newTestService(t)
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	zones := map[string]int{}
	for _, i := range insts {
		if i.State != StateRunning || i.StateCode != 16 || i.Address == "" || !instanceIDPattern.MatchString(i.ID) {
			t.Errorf("instance %+v: want running with an address", i)
		}
		zones[i.Zone]++
		c, err := rt.Inspect(ctx, i.ContainerID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Labels[sandbox.LabelSandbox] != "unit" || c.Labels[sandbox.LabelInstance] != i.ID || c.Labels[sandbox.LabelConfigHash] != i.ConfigHash {
			t.Errorf("container labels %v do not name instance %s", c.Labels, i.ID)
		}
	}
	if len(zones) != 3 {
		t.Fatalf("3 instances should land in 3 zones, got %v", zones)
	}
}

func TestTerminateIsAllOrNothingAndIdempotent(t *testing.T) {
	s, rt := newTestService(t)
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	unknown := "i-00000000000000000"
	if _, err := s.Terminate(ctx, []string{insts[0].ID, unknown}, ""); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("terminate with an unknown id: %v, want not found", err)
	}
	if i, _ := s.Instance(ctx, insts[0].ID); i.State != StateRunning {
		t.Fatalf("a failed terminate touched %s: %s", i.ID, i.State)
	}
	for range 2 {
		out, err := s.Terminate(ctx, []string{insts[0].ID}, "")
		if err != nil || out[0].State != StateTerminated {
			t.Fatalf("terminate: %+v, %v", out, err)
		}
	}
	if _, err := rt.Inspect(ctx, insts[0].ContainerID); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("the terminated instance's container is still there: %v", err)
	}
	if _, err := s.Terminate(ctx, []string{"web-1"}, ""); !errors.Is(err, errdefs.ErrInvalid) {
		t.Fatalf("malformed id: %v, want invalid", err)
	}
}

func TestReconcileFollowsTheEngine(t *testing.T) {
	s, rt := newTestService(t)
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	rt.Delete(insts[0].ContainerID)
	rt.SetState(insts[1].ContainerID, sandbox.StateExited, 137)
	orphan, _ := rt.Create(ctx, sandbox.ContainerSpec{Image: "builtin/demo", Labels: map[string]string{
		sandbox.LabelSandbox: "unit", sandbox.LabelRole: RoleInstance, sandbox.LabelInstance: "i-0123456789abcdef0"}})

	if err := s.Reconcile(ctx, false); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{insts[0].ID: StateTerminated, insts[1].ID: StateStopped, insts[2].ID: StateRunning}
	for id, st := range want {
		if i, _ := s.Instance(ctx, id); i.State != st {
			t.Errorf("%s: %s, want %s (%s)", id, i.State, st, i.StateReason)
		}
	}
	if _, err := rt.Inspect(ctx, orphan); err != nil {
		t.Fatalf("a plain reconcile must leave unowned containers for drift detection: %v", err)
	}
	if err := s.Reconcile(ctx, true); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Inspect(ctx, orphan); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("adopting should remove the container no instance owns: %v", err)
	}
	if all, _ := s.Instances(ctx); len(all) != 3 {
		t.Fatalf("reconcile must never add instances: %d", len(all))
	}
}

func TestReconcileTerminatesAnInterruptedLaunch(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo"}); err != nil {
		t.Fatal(err)
	}
	v, _ := s.ResolveVersion(ctx, "web", "")
	itype, _ := LookupInstanceType(v.InstanceType)
	pending, err := s.createPending(RunRequest{Template: "web", Count: 1}, v, itype, launchSource{ref: v.ImageDigest})
	if err != nil {
		t.Fatal(err)
	}
	s.unmarkBusy(pending[0].ID) // as after a crash: nobody is launching it
	if err := s.Reconcile(ctx, true); err != nil {
		t.Fatal(err)
	}
	if i, _ := s.Instance(ctx, pending[0].ID); i.State != StateTerminated || i.StateReason != ReasonLaunchInterrupted {
		t.Fatalf("interrupted launch: %s (%s), want terminated", i.State, i.StateReason)
	}
}

func TestDeleteTemplateRemovesVersionsAndLeavesInstances(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	if err := s.DeleteTemplate(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) ||
		!strings.Contains(err.Error(), `"web"`) || !strings.Contains(err.Error(), "cattle templates ls") {
		t.Fatalf("deleting an unknown template: %v, want not found naming it and 'cattle templates ls'", err)
	}
	for _, name := range []string{"web", "webapp"} {
		if _, _, err := s.CreateTemplate(ctx, name, TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateVersion(ctx, "web", "", TemplateData{Image: "other:v2"}, true); err != nil {
		t.Fatal(err)
	}
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 1})
	if err != nil {
		t.Fatal(err)
	}

	// The guard (auto scaling's, in the daemon) refuses while a group uses it.
	var guarded []string
	inUse := true
	s.SetHooks(Hooks{BeforeDeleteTemplate: func(tx *store.Tx, name string) error {
		guarded = append(guarded, name)
		if inUse {
			return errdefs.Conflict("template %q is used by auto scaling group web", name)
		}
		return nil
	}})
	if err := s.DeleteTemplate(ctx, "web"); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("deleting a template in use: %v, want the guard's conflict", err)
	}
	if _, vs, err := s.Template(ctx, "web"); err != nil || len(vs) != 2 {
		t.Fatalf("a refused delete changed the template: %d versions, %v", len(vs), err)
	}

	inUse = false
	if err := s.DeleteTemplate(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if len(guarded) != 2 || guarded[0] != "web" {
		t.Errorf("the guard saw %v, want web twice", guarded)
	}
	checkTemplateGone(t, s)
	checkInstanceOutlivesTemplate(t, s, insts[0].ID)

	// The name is free again, numbered from 1.
	if _, v, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo"}); err != nil || v.Version != 1 {
		t.Fatalf("recreating web: version %d, %v", v.Version, err)
	}
	if err := s.DeleteTemplate(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteTemplate(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("deleting twice: %v, want not found", err)
	}
}

// checkTemplateGone asserts the deleted template "web" and every version of
// it are gone from the API and the store, and "webapp" kept its own.
func checkTemplateGone(t *testing.T, s *Service) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.Template(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("template after delete: %v, want not found", err)
	}
	for _, v := range []string{"1", "2"} {
		if _, err := s.ResolveVersion(ctx, "web", v); !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("version %s after delete: %v, want not found", v, err)
		}
	}
	if err := s.db.View(func(tx *store.Tx) error {
		vs, err := store.List[TemplateVersion](tx, kindVersion)
		for _, v := range vs {
			if v.TemplateName == "web" {
				t.Errorf("version %d of the deleted template is left in the store", v.Version)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, vs, err := s.Template(ctx, "webapp"); err != nil || len(vs) != 1 {
		t.Fatalf("another template lost its versions: %d, %v", len(vs), err)
	}
}

// checkInstanceOutlivesTemplate asserts the instance id of the deleted
// template keeps running, and lists, inspects, reconciles and terminates
// without it.
func checkInstanceOutlivesTemplate(t *testing.T, s *Service, id string) {
	t.Helper()
	ctx := context.Background()
	if err := s.Reconcile(ctx, false); err != nil {
		t.Fatal(err)
	}
	all, err := s.Instances(ctx)
	if err != nil || len(all) != 1 || all[0].State != StateRunning || all[0].Template != "web" || all[0].TemplateVersion != 2 {
		t.Fatalf("instances after the template went: %+v, %v; want the one running on web:2", all, err)
	}
	if i, err := s.Instance(ctx, id); err != nil || i.State != StateRunning {
		t.Fatalf("inspect after the template went: %+v, %v", i, err)
	}
	if out, err := s.Terminate(ctx, []string{id}, ""); err != nil || out[0].State != StateTerminated {
		t.Fatalf("terminate after the template went: %+v, %v", out, err)
	}
}

func TestTemplateCapabilitiesComeFromTheAllowlistAndAreInherited(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	for _, caps := range [][]string{{"SYS_ADMIN"}, {"NET_RAW", "ALL"}, {"net_admin"}} {
		_, _, err := s.CreateTemplate(ctx, "bad", TemplateData{Image: "builtin/demo", CapAdd: caps})
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "cannot be added") {
			t.Errorf("cap_add %v: err = %v, want it refused as invalid", caps, err)
		}
	}
	if ts, _ := s.Templates(ctx); len(ts) != 0 {
		t.Fatalf("a refused template was stored: %+v", ts)
	}
	_, v1, err := s.CreateTemplate(ctx, "tools", TemplateData{Image: "builtin/demo", CapAdd: []string{"cap_sys_ptrace", "NET_RAW", "NET_RAW"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(v1.CapAdd, ",") != "NET_RAW,SYS_PTRACE" {
		t.Errorf("version 1 cap_add = %v, want [NET_RAW SYS_PTRACE]", v1.CapAdd)
	}
	v2, err := s.CreateVersion(ctx, "tools", "", TemplateData{Env: map[string]string{"A": "b"}}, false)
	if err != nil || strings.Join(v2.CapAdd, ",") != "NET_RAW,SYS_PTRACE" {
		t.Errorf("version 2 cap_add = %v (%v), want it copied from version 1", v2.CapAdd, err)
	}
	if _, err := s.CreateVersion(ctx, "tools", "", TemplateData{CapAdd: []string{"SYS_MODULE"}}, false); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("version with SYS_MODULE: err = %v, want invalid", err)
	}
}

func TestInstanceTypesLimitProcesses(t *testing.T) {
	want := map[string]int64{"t3.nano": 64, "t3.micro": 128, "t3.small": 256, "t3.medium": 512, "t3.large": 1024}
	for _, it := range instanceTypes {
		if it.PidsLimit != want[it.Name] {
			t.Errorf("%s pids limit = %d, want %d", it.Name, it.PidsLimit, want[it.Name])
		}
	}
}
