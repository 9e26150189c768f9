package drift_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images/imagestest"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

type fixture struct {
	rt    *sandboxtest.Fake
	comp  *compute.Service
	drift *drift.Service
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rt := sandboxtest.New()
	cat, _ := imagestest.NewCatalog(t, db, rt, "drifttest")
	f := &fixture{rt: rt, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.comp = compute.New(compute.Config{DB: db, Runtime: rt, Sandbox: "drifttest", Network: "cattle-drifttest", Images: cat, Profile: timing.Fast()})
	f.drift = drift.New(drift.Config{DB: db, Compute: f.comp, Runtime: rt, Sandbox: "drifttest", Network: "cattle-drifttest",
		Profile: timing.Fast(), Now: func() time.Time { return f.now }})
	if _, _, err := f.comp.CreateTemplate(context.Background(), "web", compute.TemplateData{Image: "builtin/demo", Port: 8080,
		DriftIgnore: []string{"/srv/cache"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) run(t *testing.T) compute.Instance {
	t.Helper()
	insts, err := f.comp.RunInstances(context.Background(), compute.RunRequest{Template: "web"})
	if err != nil || insts[0].State != compute.StateRunning {
		t.Fatalf("run: %v %+v", err, insts)
	}
	return insts[0]
}

func (f *fixture) scan(t *testing.T) drift.Report {
	t.Helper()
	rep, err := f.drift.Scan(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAnInstanceLeftRunningScansInSyncEveryTime(t *testing.T) {
	f := newFixture(t)
	inst := f.run(t)
	// What changes in normal running: scratch space, logs, the template's own ignore list.
	f.rt.SetChanges(inst.ContainerID, sandbox.Change{Path: "/tmp", Kind: sandbox.ChangeModified},
		sandbox.Change{Path: "/tmp/x.sock", Kind: sandbox.ChangeAdded}, sandbox.Change{Path: "/var/log/app.log", Kind: sandbox.ChangeAdded},
		sandbox.Change{Path: "/srv", Kind: sandbox.ChangeModified}, sandbox.Change{Path: "/srv/cache/a", Kind: sandbox.ChangeAdded})
	for i := 0; i < 5; i++ {
		f.now = f.now.Add(3 * time.Minute)
		rep := f.scan(t)
		if rep.Drifted() || rep.Summary.Total != 1 || rep.Summary.InSync != 1 {
			t.Fatalf("scan %d of an untouched instance: %+v", i, rep)
		}
	}
}

func TestAFileChangedIsFilesystemDriftWithItsPath(t *testing.T) {
	f := newFixture(t)
	inst := f.run(t)
	if _, err := f.drift.Inject(context.Background(), drift.InjectSpec{Kind: "file", Instance: inst.ID, Path: "/etc/motd", Content: "hotfix"}); err != nil {
		t.Fatal(err)
	}
	f.rt.SetChanges(inst.ContainerID, sandbox.Change{Path: "/etc", Kind: sandbox.ChangeModified},
		sandbox.Change{Path: "/etc/motd", Kind: sandbox.ChangeAdded})
	rep := f.scan(t)
	if !rep.Drifted() || rep.Summary.Drifted != 1 {
		t.Fatalf("summary %+v", rep.Summary)
	}
	got := rep.Instances[0]
	if got.ID != inst.ID || got.Status != drift.StatusModified || got.Kind != drift.KindFilesystem {
		t.Fatalf("report %+v", got)
	}
	if len(got.Differences) != 1 || got.Differences[0].Path != "/etc/motd" || got.Differences[0].Change != drift.ChangeAdd {
		t.Fatalf("differences %+v (the parent /etc says nothing of its own)", got.Differences)
	}
	if got.Remediation == "" {
		t.Fatalf("no remediation said")
	}
}

func TestAContainerMadeAgainWithAnotherVariableIsConfigDrift(t *testing.T) {
	f := newFixture(t)
	inst := f.run(t)
	if _, err := f.drift.Inject(context.Background(), drift.InjectSpec{Kind: "env", Instance: inst.ID, Env: "MODE=debug"}); err != nil {
		t.Fatal(err)
	}
	rep := f.scan(t)
	if rep.Summary.Drifted != 1 || rep.Instances[0].Kind != drift.KindConfig {
		t.Fatalf("report %+v", rep)
	}
	d := rep.Instances[0].Differences[0]
	if d.Field != "env.MODE" || d.Actual != "debug" || d.Change != drift.ChangeAdd {
		t.Fatalf("difference %+v", d)
	}
}

func TestPausedIsStateDriftAndAContainerNoInstanceOwnsIsUnmanaged(t *testing.T) {
	f := newFixture(t)
	inst := f.run(t)
	if _, err := f.drift.Inject(context.Background(), drift.InjectSpec{Kind: "pause", Instance: inst.ID}); err != nil {
		t.Fatal(err)
	}
	img, _ := f.rt.InspectImage(context.Background(), inst.ImageID)
	if _, err := f.rt.Create(context.Background(), sandbox.ContainerSpec{Name: "stray", Image: img.ID,
		Labels: map[string]string{sandbox.LabelSandbox: "drifttest"}}); err != nil {
		t.Fatal(err)
	}
	rep := f.scan(t)
	if rep.Summary.Drifted != 1 || rep.Summary.Unmanaged != 1 {
		t.Fatalf("summary %+v: %+v", rep.Summary, rep.Instances)
	}
	for _, r := range rep.Instances {
		switch r.Status {
		case drift.StatusModified:
			if r.Kind != drift.KindState || r.Differences[0].Actual != "paused" {
				t.Errorf("paused instance reported %+v", r)
			}
		case drift.StatusUnmanaged:
			if r.ID != "stray" || r.Kind != drift.KindUnmanaged {
				t.Errorf("unmanaged reported %+v", r)
			}
		}
	}
}

func TestBadInjectionsChangeNothing(t *testing.T) {
	f := newFixture(t)
	inst := f.run(t)
	for _, spec := range []drift.InjectSpec{
		{Kind: "melt", Instance: inst.ID},
		{Kind: "file", Instance: inst.ID},
		{Kind: "file"},
		{Kind: "exec", Instance: inst.ID},
		{Kind: "kill", Instance: "i-0123456789abcdef0"},
		{Kind: "zone-outage", Zone: "zone-z"},
	} {
		if _, err := f.drift.Inject(context.Background(), spec); err == nil {
			t.Errorf("%+v was accepted", spec)
		}
	}
	if _, err := f.drift.Restore(context.Background(), "", "test"); err == nil {
		t.Error("restore with nothing to restore was accepted")
	}
	if rep := f.scan(t); rep.Drifted() {
		t.Fatalf("bad input changed something: %+v", rep)
	}
}

func TestAContainerRemovedBehindTheControlPlaneIsReportedMissingForTwoIntervals(t *testing.T) {
	f := newFixture(t)
	inst := f.run(t)
	if _, err := f.drift.Inject(context.Background(), drift.InjectSpec{Kind: "delete", Instance: inst.ID}); err != nil {
		t.Fatal(err)
	}
	// compute's reconcile ends the instance before any scan sees it.
	if err := f.comp.Reconcile(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	gone, err := f.comp.Instance(context.Background(), inst.ID)
	if err != nil || gone.State != compute.StateTerminated {
		t.Fatalf("after the reconcile: %v %+v", err, gone)
	}
	f.drift.Observe(gone)
	rep := f.scan(t)
	if rep.Summary.Missing != 1 || rep.Instances[0].ID != inst.ID || rep.Instances[0].Status != drift.StatusDeleted ||
		rep.Instances[0].Kind != drift.KindMissing {
		t.Fatalf("report %+v", rep)
	}
	f.now = f.now.Add(2*timing.Fast().DriftScanInterval + time.Second)
	if rep := f.scan(t); rep.Drifted() {
		t.Fatalf("two intervals later: %+v", rep)
	}
}

func TestAnInstanceBeingWorkedOnIsNotReported(t *testing.T) {
	f := newFixture(t)
	inst := f.run(t)
	release := f.comp.Hold(inst.ID) // as a launch or a termination would
	if err := f.rt.Pause(context.Background(), inst.ContainerID); err != nil {
		t.Fatal(err)
	}
	if rep := f.scan(t); rep.Drifted() || rep.Summary.Total != 0 {
		t.Fatalf("an instance compute works on was reported: %+v", rep)
	}
	release()
	if rep := f.scan(t); rep.Summary.Drifted != 1 {
		t.Fatalf("once released, the paused instance is drift: %+v", rep)
	}
}

func TestAZoneOutageRefusesLaunchesThereUntilRestored(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	out, err := f.drift.Inject(ctx, drift.InjectSpec{Kind: "zone-outage", Zone: "zone-a"})
	if err != nil || out.Zone != "zone-a" {
		t.Fatalf("outage: %v %+v", err, out)
	}
	if _, err := f.comp.RunInstances(ctx, compute.RunRequest{Template: "web", Zone: "zone-a"}); err == nil {
		t.Fatal("a launch in the zone down was accepted")
	}
	insts, err := f.comp.RunInstances(ctx, compute.RunRequest{Template: "web", Count: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		if i.Zone == "zone-a" {
			t.Fatalf("%s launched in the zone down", i.ID)
		}
	}
	if _, err := f.drift.Restore(ctx, "", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.comp.RunInstances(ctx, compute.RunRequest{Template: "web", Zone: "zone-a"}); err != nil {
		t.Fatalf("after the restore: %v", err)
	}
	if _, err := f.drift.Restore(ctx, "zone-a", "test"); err == nil {
		t.Fatal("a second restore found something to restore")
	}
}
