// Package cattletest starts a cattle sandbox for a Go test: a local cloud of
// launch templates, instances as containers on the local Docker engine, auto
// scaling groups with rolling refresh, load balancers and a registry, with
// its daemon running in the test's own process.
//
// A test starts one with Start; everything it made is removed when the test
// ends, also when it fails or panics:
//
//	func TestRollout(t *testing.T) {
//		sb := cattletest.Start(t)
//		if _, err := sb.RunScenario(t.Context(), rolloutYAML); err != nil {
//			t.Fatal(err)
//		}
//	}
//
// The Sandbox embeds an *api.Client, so every operation of the cattle CLI is
// a method on it, typed and documented in package
// github.com/cattle-dev/cattle/emulator/api: CreateTemplate and
// CreateVersion, RunInstances, CreateGroup, ScaleGroup, StartRefresh,
// Rollback, CreateLoadBalancer, Targets, LoadBalancerStats, ScanDrift,
// InjectDrift, Images and more. Package cattletest adds what a test needs
// around them: RefreshAndWait, LoadBalancerURL, BuildImage (an application's
// own image, which a template then names) and RunScenario (a scenario as
// YAML, the language of `cattle scenario run`).
//
// Each sandbox has a unique name, ports picked at random on 127.0.0.1 and
// its own Docker network, so tests may start several side by side (with
// t.Parallel). It needs a Docker engine the test's user can reach (Start
// does not skip under -short: a test that should, says so), and the cattle
// binary:
// by default it is built once per test process from the module's source
// with the go command, or WithBinary names one. A test process that is
// killed (SIGKILL, a cancelled CI job) cannot clean up; the next Start
// removes the sandboxes such processes left.
package cattletest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
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

// Sandbox is a running sandbox. Its embedded Client talks to its daemon.
type Sandbox struct {
	*api.Client

	name     string
	stateDir string
	ownDir   bool // stateDir is ours to remove
	binary   string
	rt       sandbox.Runtime
	daemon   *emulator.Daemon
	regAddr  string
	closed   bool
}

// Option configures a sandbox.
type Option func(*config) error

type config struct {
	name     string
	timing   timing.Profile
	binary   string
	stateDir string
}

// WithName names the sandbox (lowercase letters, digits, '-' and '_', at
// most 40). The default is a unique name, ct- and 8 hex digits; a name of
// one's own must not be in use by another sandbox.
func WithName(name string) Option {
	return func(c *config) error {
		if err := emulator.ValidateSandboxName(name); err != nil {
			return err
		}
		c.name = name
		return nil
	}
}

// WithTiming runs the sandbox on a timing profile by name: "fast" (the
// default: AWS's rules on a short clock) or "aws" (AWS's own numbers).
func WithTiming(name string) Option {
	return func(c *config) error {
		p, err := timing.ByName(name)
		if err != nil {
			return err
		}
		c.timing = p
		return nil
	}
}

// WithBinary names the cattle binary that the built-in demo image is made
// from and that scenarios' exec steps run as $CATTLE. Without it, the
// binary is built once per process from the module's source.
func WithBinary(path string) Option {
	return func(c *config) error {
		if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("cattle binary %s: not a regular file: build it with 'go build github.com/cattle-dev/cattle/cmd/cattle'", path)
		}
		c.binary = path
		return nil
	}
}

// maxSocketPath is what a unix socket's path may hold on Linux.
const maxSocketPath = 107

// Start starts a sandbox for t with its state in t.TempDir() and registers
// its removal with t.Cleanup: its containers, network, images and state go
// when the test ends, however it ends. A sandbox that cannot start fails
// the test.
func Start(t testing.TB, opts ...Option) *Sandbox {
	t.Helper()
	dir := t.TempDir()
	if len(emulator.PathsIn(dir).Socket) > maxSocketPath {
		dir = "" // too deep for the API's socket: New makes a short one
	}
	sb, err := newSandbox(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("cattletest: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("cattletest: %v", err)
		}
	})
	return sb
}

// New starts a sandbox with its state in a new temporary directory, for
// use outside a single test (a TestMain sharing one sandbox, an example).
// The caller must Close it.
func New(ctx context.Context, opts ...Option) (*Sandbox, error) {
	return newSandbox(ctx, "", opts)
}

func newSandbox(ctx context.Context, dir string, opts []Option) (*Sandbox, error) {
	cfg := config{name: "ct-" + randomHex(4), timing: timing.Fast(), stateDir: dir}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.binary == "" {
		bin, err := testutil.BuildCattle()
		if err != nil {
			return nil, err
		}
		cfg.binary = bin
	}
	rt, err := docker.New()
	if err != nil {
		return nil, fmt.Errorf("connecting to the Docker engine: %w", err)
	}
	// Sandboxes of test processes that were killed go first.
	if _, err := emulator.PruneOrphans(ctx, rt); err != nil {
		slog.Warn("cattletest: removing orphaned sandboxes", "err", err)
	}
	sb := &Sandbox{name: cfg.name, stateDir: cfg.stateDir, binary: cfg.binary, rt: rt}
	if sb.stateDir == "" {
		if sb.stateDir, err = os.MkdirTemp("", "cattle-"+cfg.name+"-"); err != nil {
			rt.Close()
			return nil, err
		}
		sb.ownDir = true
	}
	owner := emulator.CurrentOwner()
	sb.daemon, err = emulator.Start(ctx, emulator.Options{
		Sandbox: cfg.name, StateDir: sb.stateDir, Timing: cfg.timing, Runtime: rt,
		BinaryPath: cfg.binary, APIAddr: "127.0.0.1:0", Owner: &owner,
	})
	if err != nil {
		err = fmt.Errorf("starting sandbox %s: %w", cfg.name, err)
		return nil, errors.Join(err, sb.Close())
	}
	sb.Client = sb.daemon.Client()
	sb.regAddr = sb.daemon.RegistryAddr()
	return sb, nil
}

// Close stops the daemon and removes everything the sandbox made: its
// containers, network, images and state. It reports what it could not
// remove. Closing again does nothing.
func (s *Sandbox) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var err error
	if s.daemon != nil {
		err = s.daemon.Stop(ctx, emulator.StopOptions{Teardown: true, Purge: true})
		s.daemon = nil
	}
	// Also when the daemon did not start or stop cleanly.
	err = errors.Join(err, emulator.Teardown(ctx, s.rt, s.name, true))
	left, lerr := s.rt.List(ctx, map[string]string{sandbox.LabelSandbox: s.name})
	if lerr == nil && len(left) > 0 {
		err = errors.Join(err, fmt.Errorf("sandbox %s left %d containers behind", s.name, len(left)))
	}
	if s.ownDir {
		err = errors.Join(err, os.RemoveAll(s.stateDir))
	}
	err = errors.Join(err, s.rt.Close())
	if err != nil {
		return fmt.Errorf("removing sandbox %s: %w", s.name, err)
	}
	return nil
}

// Name is the sandbox's name: the label dev.cattle.sandbox=NAME is on
// every container and network it makes, and `cattle --sandbox NAME
// --state-dir DIR` reaches it from a shell while the test runs.
func (s *Sandbox) Name() string { return s.name }

// StateDir is the sandbox's state directory.
func (s *Sandbox) StateDir() string { return s.stateDir }

// RegistryAddr is the sandbox's OCI registry on 127.0.0.1, which the
// docker CLI pushes to: a template may name REGISTRY/REPO:TAG.
func (s *Sandbox) RegistryAddr() string { return s.regAddr }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
