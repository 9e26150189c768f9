// Package emulatortest starts real sandboxes for integration tests: an
// in-process daemon on the real Docker engine, torn down when the test ends.
package emulatortest

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

// Sandbox is a running test sandbox.
type Sandbox struct {
	Name     string
	StateDir string
	Daemon   *emulator.Daemon
	Client   *api.Client
	Runtime  sandbox.Runtime
}

// Start brings up a sandbox with a unique name and registers its teardown.
func Start(t *testing.T) *Sandbox {
	t.Helper()
	return StartOn(t, "")
}

// StartOn is Start with the daemon talking to the engine at host
// (e.g. a testutil.EngineProxy); "" is the usual engine.
func StartOn(t *testing.T, host string) *Sandbox {
	t.Helper()
	testutil.SkipIfShort(t)
	var opts []docker.Option
	if host != "" {
		opts = append(opts, docker.WithHost(host))
	}
	rt, err := docker.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "cattle-it-")
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("it-%d", time.Now().UnixNano()%1_000_000_000)
	s := &Sandbox{Name: name, StateDir: dir, Runtime: rt}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if s.Daemon != nil {
			if err := s.Daemon.Stop(ctx, emulator.StopOptions{Teardown: true, Purge: true}); err != nil {
				t.Errorf("tearing down sandbox %s: %v", name, err)
			}
		} else {
			_ = emulator.Teardown(ctx, rt, name, true)
		}
		if left, _ := rt.List(ctx, map[string]string{sandbox.LabelSandbox: name}); len(left) > 0 {
			t.Errorf("sandbox %s left %d containers behind", name, len(left))
		}
		os.RemoveAll(dir)
		rt.Close()
	})
	s.Restart(t)
	return s
}

// Restart starts the sandbox's daemon again (after Kill or at first).
func (s *Sandbox) Restart(t *testing.T) {
	t.Helper()
	d, err := emulator.Start(context.Background(), emulator.Options{
		Sandbox: s.Name, StateDir: s.StateDir, Timing: timing.Fast(), Runtime: s.Runtime,
		BinaryPath: testutil.CattleBinary(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Daemon, s.Client = d, d.Client()
}

// Kill is Crash with every connection cut at once: a request in flight
// (a push, a bake's stream) breaks off where it was, as at SIGKILL.
func (s *Sandbox) Kill(t *testing.T) {
	t.Helper()
	if err := s.Daemon.Stop(context.Background(), emulator.StopOptions{Abrupt: true}); err != nil {
		t.Fatal(err)
	}
	s.Daemon = nil
}

// Crash stops the daemon the way SIGKILL would leave things: no teardown,
// no draining, containers left running for the next daemon to adopt.
func (s *Sandbox) Crash(t *testing.T) {
	t.Helper()
	if err := s.Daemon.Stop(context.Background(), emulator.StopOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Daemon = nil
}
