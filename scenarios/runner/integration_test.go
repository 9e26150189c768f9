package runner

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/timing"

	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
	"github.com/cattle-dev/cattle/scenarios"
)

// runScenario runs sc against the real engine, with the built cattle
// binary as the demo app, and checks that nothing with the sandbox's label
// is left whatever the outcome.
func runScenario(t *testing.T, sc *scenarios.Scenario) (*Result, string) {
	t.Helper()
	testutil.SkipIfShort(t)
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	var out bytes.Buffer
	res, err := Run(context.Background(), sc, Options{
		Runtime: rt, Binary: testutil.CattleBinary(t), Out: &out,
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	assertNothingLeft(t, rt, res.Sandbox)
	return res, out.String()
}

func assertNothingLeft(t *testing.T, rt sandbox.Runtime, name string) {
	t.Helper()
	labels := map[string]string{sandbox.LabelSandbox: name}
	cs, err := rt.List(context.Background(), labels)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Errorf("container %s (%s) of sandbox %s is left", c.Name, c.State, name)
	}
	// sandbox.Runtime cannot list networks; the docker CLI can, where it is.
	if docker, err := exec.LookPath("docker"); err == nil {
		out, err := exec.Command(docker, "network", "ls", "-q", "--filter", "label="+sandbox.LabelSandbox+"="+name).Output()
		if err != nil {
			t.Fatalf("docker network ls: %v", err)
		}
		if ids := strings.TrimSpace(string(out)); ids != "" {
			t.Errorf("networks of sandbox %s are left: %s", name, ids)
		}
	}
}

func TestIntegrationScenarioInstancesBasics(t *testing.T) {
	testutil.SkipIfShort(t)
	sc, err := scenarios.Load("instances-basics")
	if err != nil {
		t.Fatal(err)
	}
	res, out := runScenario(t, sc)
	if !res.Passed {
		t.Fatalf("instances-basics failed:\n%s", out)
	}
	if len(res.Steps) != len(sc.All()) || res.Count(Passed) != len(res.Steps) {
		t.Errorf("%d results, %d passed, for %d steps", len(res.Steps), res.Count(Passed), len(sc.All()))
	}
	if !strings.HasPrefix(res.Sandbox, "scn-") || !res.Ephemeral {
		t.Errorf("sandbox %q ephemeral %t", res.Sandbox, res.Ephemeral)
	}
	if len(res.Loads) != 1 || res.Loads[0].Summary.Requests == 0 || res.Loads[0].Summary.Errors != 0 {
		t.Errorf("loads: %+v", res.Loads)
	}
	if len(res.Events) == 0 {
		t.Error("no events in the journal")
	}
	if !strings.Contains(out, "PASS  instances-basics: all") {
		t.Errorf("timeline lacks the verdict:\n%s", out)
	}
	t.Logf("timeline:\n%s", out)
}

// Every other built-in and every cookbook example, each in its own
// sandbox, checked first as `scenario run` checks them.
func TestIntegrationBuiltinScenarios(t *testing.T) {
	testutil.SkipIfShort(t)
	for _, b := range append(scenarios.Builtins(), scenarios.Cookbook()...) {
		if b.Name == "instances-basics" {
			continue // TestIntegrationScenarioInstancesBasics runs it
		}
		if b.Name == "aws-clock" && os.Getenv("CATTLE_BENCH") == "" {
			continue // minutes on AWS's clock: make bench runs it
		}
		t.Run(b.Name, func(t *testing.T) {
			// Each runs in a sandbox of its own and mostly waits on the
			// clock of its timing profile: two at a time halve the wait.
			t.Parallel()
			sc, err := scenarios.LoadChecked(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			rt, err := docker.New()
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			var out bytes.Buffer
			res, err := Run(context.Background(), sc, Options{
				Runtime: rt, Binary: testutil.CattleBinary(t), Out: &out,
			})
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			assertNothingLeft(t, rt, res.Sandbox)
			assertNoBakeLeft(t, rt, res.Sandbox)
			if !res.Passed {
				t.Fatalf("%s failed:\n%s", b.Name, out.String())
			}
			if b.Name == "tour" {
				checkTourReport(t, res)
			}
			t.Logf("%s passed in %s", b.Name, time.Duration(res.Duration).Round(time.Second))
		})
	}
}

func TestIntegrationScenarioFailingExpectation(t *testing.T) {
	testutil.SkipIfShort(t)
	sc, err := scenarios.Parse("failing.yaml", []byte(`name: failing
setup:
  templates:
    - {name: web, port: 8080, env: {DEMO_VERSION: v1}}
steps:
  - run_instances: {template: web, count: 2, as: web}
  - name: too many
    expect: {instances: 4, template: web, within: 2s}
  - wait: 1s
`))
	if err != nil {
		t.Fatal(err)
	}
	res, out := runScenario(t, sc)
	if res.Passed {
		t.Fatalf("a failing expectation passed:\n%s", out)
	}
	f := res.Failure()
	if f == nil || f.Label != "step 2" || f.Position != "failing.yaml:8:5" || !strings.Contains(f.Error, "want 4 running, found 2") {
		t.Fatalf("failure: %+v\n%s", f, out)
	}
	if res.Steps[len(res.Steps)-1].Status != Skipped {
		t.Errorf("the step after the failure ran: %+v", res.Steps[len(res.Steps)-1])
	}
	for _, want := range []string{"FAIL  too many", "✗ after 2s: want 4 running, found 2", "evidence: after 2s"} {
		if !strings.Contains(out, want) {
			t.Errorf("timeline lacks %q:\n%s", want, out)
		}
	}
}

// An invariant is sampled all through its window: a refresh that takes
// one of two instances out of service first (min_healthy 50) breaks a
// floor of 2, and the evidence says when and to what.
func TestIntegrationInvariantCatchesADip(t *testing.T) {
	testutil.SkipIfShort(t)
	sc, err := scenarios.ParseChecked("dip.yaml", []byte(`name: dip
setup:
  templates:
    - {name: web, port: 8080, health: {path: /healthz}, env: {DEMO_VERSION: v1}, versions: [{env: {DEMO_VERSION: v2}}]}
  groups:
    - {name: web, template: "web:1", min: 1, max: 3, desired: 2}
steps:
  - expect: {group: web, healthy: 2, within: 60s}
  - name: refresh
    refresh: {group: web, template_version: 2, min_healthy: 50, wait: true}
  - expect: {group: web, in_service: {min: 2}, during: refresh}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, out := runScenario(t, sc)
	f := res.Failure()
	if res.Passed || f == nil || f.Label != "step 3" {
		t.Fatalf("a dip to 1 in service passed a floor of 2:\n%s", out)
	}
	for _, want := range []string{"group web in service was 1 at +", "want >= 2, until +", "during step refresh, from +"} {
		if !strings.Contains(f.Error, want) {
			t.Errorf("evidence %q lacks %q", f.Error, want)
		}
	}
}

// Against a running daemon a scenario removes what it made, templates
// included (after the groups that use them), so the same scenario runs
// again on the same daemon.
func TestIntegrationScenarioTwiceAgainstARunningDaemon(t *testing.T) {
	testutil.SkipIfShort(t)
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	name := "att-" + randomHex(4)
	dir, err := os.MkdirTemp("", "cattle-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := emulator.Start(ctx, emulator.Options{Sandbox: name, StateDir: dir, Timing: timing.Fast(),
		Runtime: rt, BinaryPath: testutil.CattleBinary(t), APIAddr: "127.0.0.1:0"})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(ctx, emulator.StopOptions{Teardown: true, Purge: true}); err != nil {
			t.Errorf("stopping sandbox %s: %v", name, err)
		}
		os.RemoveAll(dir)
		assertNothingLeft(t, rt, name)
	})

	basics, err := scenarios.Load("instances-basics")
	if err != nil {
		t.Fatal(err)
	}
	withGroup, err := scenarios.Parse("with-group.yaml", []byte(`name: with-group
setup:
  templates:
    - {name: web, port: 8080, env: {DEMO_VERSION: v1}}
  groups:
    - {name: web, template: web, min: 1, max: 2, desired: 1}
steps:
  - expect: {group: web, healthy: 1, within: 60s}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := d.Client()
	for _, sc := range []*scenarios.Scenario{basics, withGroup} {
		for run := 1; run <= 2; run++ {
			var out bytes.Buffer
			res, err := Run(ctx, sc, Options{Runtime: rt, Binary: testutil.CattleBinary(t), Out: &out,
				Attach: &Attach{Sandbox: name, StateDir: dir}})
			if err != nil {
				t.Fatalf("%s run %d: %v\n%s", sc.Name, run, err, out.String())
			}
			if !res.Passed || res.Ephemeral || res.TeardownError != "" {
				t.Fatalf("%s run %d against sandbox %s: passed %t, teardown %q:\n%s", sc.Name, run, name, res.Passed, res.TeardownError, out.String())
			}
			ts, err := c.Templates(ctx)
			if err != nil || len(ts) != 0 {
				t.Fatalf("%s run %d left templates behind: %+v %v", sc.Name, run, ts, err)
			}
			gs, err := c.Groups(ctx)
			if err != nil || len(gs) != 0 {
				t.Fatalf("%s run %d left groups behind: %d %v", sc.Name, run, len(gs), err)
			}
		}
	}
	insts, err := c.Instances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		if i.Live() {
			t.Errorf("instance %s is left %s", i.ID, i.State)
		}
	}
}
