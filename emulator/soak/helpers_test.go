package soak_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/sandbox"
)

func benchSandbox(t *testing.T) *emulatortest.Sandbox {
	t.Helper()
	if os.Getenv("CATTLE_BENCH") != "1" {
		t.Skip("benchmark: run with CATTLE_BENCH=1 (make bench)")
	}
	return emulatortest.Start(t)
}

// envDuration reads a duration from the environment, so that a long run
// can be tried short (CATTLE_SOAK_LOAD=30s).
func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q is not a positive duration (for example 30s or 5m)", name, v)
	}
	return d
}

// settleLimit bounds a wait for the controllers to reach a state: far
// beyond what any step takes, it only tells a deadlock from slowness.
const settleLimit = 5 * time.Minute

// waitFor polls cond until it holds; it fails naming what did not happen
// if it still does not after settleLimit.
func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(settleLimit)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after %s (last error: %v)", what, settleLimit, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// webTemplate makes template web with version 1 (DEMO_VERSION v1) and
// version 2 (v2): what refreshes alternate between.
func webTemplate(t *testing.T, c *api.Client) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"},
		Env: map[string]string{"DEMO_VERSION": "v1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVersion(ctx, "web", api.CreateVersionRequest{TemplateData: compute.TemplateData{
		Env: map[string]string{"DEMO_VERSION": "v2"}}}); err != nil {
		t.Fatal(err)
	}
}

// checkEngineConsistency compares the daemon's instances with the
// engine's containers: every live instance has exactly one container,
// and every container carrying the sandbox's label belongs to a live
// instance. It returns a one-line summary.
func checkEngineConsistency(t *testing.T, s *emulatortest.Sandbox) string {
	t.Helper()
	ctx := context.Background()
	insts, err := s.Client.Instances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := s.Runtime.List(ctx, map[string]string{sandbox.LabelSandbox: s.Name})
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]compute.Instance{}
	for _, i := range insts {
		if i.Live() {
			live[i.ID] = i
		}
	}
	owned := map[string][]string{}
	for _, c := range cs {
		id := c.Labels[sandbox.LabelInstance]
		if _, ok := live[id]; !ok {
			t.Errorf("container %s (%s, %s) carries the sandbox label but no live instance owns it (instance label %q)",
				short(c.ID), c.Name, c.State, id)
			continue
		}
		owned[id] = append(owned[id], short(c.ID))
	}
	for id, i := range live {
		switch n := len(owned[id]); {
		case n == 0:
			t.Errorf("live instance %s (%s) has no container", id, i.State)
		case n > 1:
			t.Errorf("instance %s has %d containers: %v", id, n, owned[id])
		case short(i.ContainerID) != owned[id][0]:
			t.Errorf("instance %s records container %q, the engine has %s", id, short(i.ContainerID), owned[id][0])
		}
	}
	return fmt.Sprintf("%d instances (%d live), %d labelled containers", len(insts), len(live), len(cs))
}

// memSample is the process's memory and goroutines at one moment, after
// a collection. The daemon runs in this process, with the test around it.
type memSample struct {
	Label      string
	HeapInuse  uint64
	Sys        uint64
	Goroutines int
}

func sampleMemory(label string) memSample {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSample{Label: label, HeapInuse: m.HeapInuse, Sys: m.Sys, Goroutines: runtime.NumGoroutine()}
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func short(id string) string { return id[:min(12, len(id))] }
