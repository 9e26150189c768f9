package emulator_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

// deadOwner is the owner record of a process that has exited.
func deadOwner(t *testing.T) emulator.Owner {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	o := emulator.CurrentOwner()
	o.PID = cmd.Process.Pid
	live, err := emulator.ParseOwner(fmt.Sprintf("%d/%s/0", o.PID, o.Boot))
	if err != nil || !live.Alive() {
		t.Fatalf("a running child must count as alive: %v", err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if live.Alive() {
		t.Fatal("an exited child must not count as alive")
	}
	return live
}

// startOwned starts a sandbox as a scenario run does, owned by owner, with
// one running instance, and stops its daemon the way SIGKILL would leave it.
func startOwned(t *testing.T, rt sandbox.Runtime, name string, owner *emulator.Owner) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cattle-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = emulator.Teardown(context.Background(), rt, name, true)
		_ = os.RemoveAll(dir)
	})
	ctx := context.Background()
	d, err := emulator.Start(ctx, emulator.Options{Sandbox: name, StateDir: dir, Timing: timing.Fast(),
		Runtime: rt, BinaryPath: testutil.CattleBinary(t), Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Client()
	if _, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web",
		TemplateData: compute.TemplateData{Image: "builtin/demo", Port: 8080}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Count: 1}); err != nil {
		t.Fatal(err)
	}
	if err := d.Stop(ctx, emulator.StopOptions{}); err != nil { // no teardown: as if killed
		t.Fatal(err)
	}
	return dir
}

func TestIntegrationPruneRemovesOnlySandboxesWhoseOwnerIsGone(t *testing.T) {
	testutil.SkipIfShort(t)
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	suffix := time.Now().UnixNano() % 1_000_000
	orphan, alive, daemon := fmt.Sprintf("scn-orph%d", suffix), fmt.Sprintf("scn-live%d", suffix), fmt.Sprintf("up%d", suffix)
	dead, me := deadOwner(t), emulator.CurrentOwner()
	orphanDir := startOwned(t, rt, orphan, &dead)
	startOwned(t, rt, alive, &me)
	startOwned(t, rt, daemon, nil)

	listed := map[string]emulator.SandboxSummary{}
	all, err := emulator.ListSandboxes(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		listed[s.Name] = s
	}
	for name, want := range map[string]string{orphan: emulator.SandboxOrphaned, alive: emulator.SandboxRunning, daemon: emulator.SandboxStopped} {
		if _, ok := listed[name]; !ok && name == orphan {
			continue // another test's prune took it already (see below)
		}
		if s := listed[name]; s.Status != want || s.Containers != 1 || !s.Network {
			t.Errorf("sandbox %s listed as %+v, want status %s with 1 container and its network", name, s, want)
		}
	}

	pruned, err := emulator.PruneOrphans(ctx, rt)
	if err != nil {
		t.Fatal(err)
	}
	// Other tests' orphans may be pruned too (go test runs packages side by
	// side), and a scenario run starting meanwhile prunes first: the rules
	// are that ours goes, with its containers, and no live one is touched.
	for _, p := range pruned {
		if p.Name == alive || p.Name == daemon {
			t.Fatalf("pruned %s, whose owner lives or which has none", p.Name)
		}
	}
	if !slices.ContainsFunc(pruned, func(p emulator.SandboxSummary) bool { return p.Name == orphan }) {
		t.Logf("%s was not in this prune's list: another run's prune took it first", orphan)
	}
	for name, want := range map[string]int{orphan: 0, alive: 1, daemon: 1} {
		cs, err := rt.List(ctx, map[string]string{sandbox.LabelSandbox: name})
		if err != nil || len(cs) != want {
			t.Errorf("sandbox %s has %d containers after prune, want %d (%v)", name, len(cs), want, err)
		}
	}
	if _, err := os.Stat(orphanDir); !os.IsNotExist(err) {
		t.Errorf("the orphan's state directory %s is still there (%v)", orphanDir, err)
	}
}
