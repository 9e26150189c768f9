package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// envError is a problem with the environment (no engine, a sandbox that
// would not start): the CLI exits 2 for it, as for a bad file.
type envError struct{ err error }

func (e envError) Error() string { return e.err.Error() }
func (e envError) Unwrap() error { return e.err }

// Is makes it an errdefs.ErrUnavailable.
func (e envError) Is(target error) bool { return target == errdefs.ErrUnavailable }

// sandboxHandle is the sandbox a run acts on: an ephemeral one this
// process started, or a running daemon's.
type sandboxHandle struct {
	name     string
	stateDir string
	client   *api.Client
	daemon   *emulator.Daemon // nil when attached
}

func (h *sandboxHandle) ephemeral() bool { return h.daemon != nil }

// maxSocketPath is what a unix socket's path may hold on Linux, less its
// terminating zero.
const maxSocketPath = 107

// startEphemeral starts a sandbox of its own in this process: a unique
// name, a temporary state directory, its own network.
func startEphemeral(ctx context.Context, opts Options) (*sandboxHandle, error) {
	// Reap what earlier runs left when they were killed (SIGKILL, a
	// cancelled CI job): sandboxes whose owner process is gone.
	if pruned, err := emulator.PruneOrphans(ctx, opts.Runtime); err != nil {
		slog.Warn("removing orphaned sandboxes", "err", err)
	} else {
		for _, p := range pruned {
			if opts.Out != nil {
				fmt.Fprintf(opts.Out, "removed sandbox %s, left behind by a run that was killed (pid %d)\n", p.Name, p.OwnerPID)
			}
		}
	}
	name := "scn-" + randomHex(4)
	dir, err := os.MkdirTemp("", "cattle-"+name+"-")
	if err != nil {
		return nil, envError{fmt.Errorf("making a state directory: %w", err)}
	}
	if sock := emulator.PathsIn(dir).Socket; len(sock) > maxSocketPath {
		_ = os.RemoveAll(dir)
		return nil, envError{fmt.Errorf("the state directory %s is too deep for a unix socket (%d bytes, at most %d): choose a shorter one", dir, len(sock), maxSocketPath)}
	}
	owner := emulator.CurrentOwner()
	d, err := emulator.Start(ctx, emulator.Options{
		Sandbox: name, StateDir: dir, Timing: opts.Timing, Runtime: opts.Runtime,
		BinaryPath: opts.Binary, APIAddr: "127.0.0.1:0", Owner: &owner,
	})
	if err != nil {
		// Whatever got made before the failure carries the label.
		cleanup := context.WithoutCancel(ctx)
		_ = emulator.Teardown(cleanup, opts.Runtime, name, true)
		_ = os.RemoveAll(dir)
		return nil, envError{fmt.Errorf("starting sandbox %s: %w", name, err)}
	}
	return &sandboxHandle{name: name, stateDir: dir, client: d.Client(), daemon: d}, nil
}

// attach connects to the running daemon of a sandbox.
func attach(ctx context.Context, a Attach) (*sandboxHandle, error) {
	client := api.NewClient(emulator.PathsIn(a.StateDir).Socket)
	if _, err := client.Status(ctx); err != nil {
		return nil, envError{fmt.Errorf("sandbox %s is not running (%v): start it with 'cattle up --sandbox %s', or leave --sandbox out to run in a sandbox of the scenario's own", a.Sandbox, err, a.Sandbox)}
	}
	return &sandboxHandle{name: a.Sandbox, stateDir: a.StateDir, client: client}, nil
}

// close stops an ephemeral sandbox: with keep, its containers stay for
// inspection; otherwise everything with its label goes, and its state.
func (h *sandboxHandle) close(ctx context.Context, keep bool) error {
	if !h.ephemeral() {
		return nil
	}
	if keep {
		return h.daemon.Stop(ctx, emulator.StopOptions{})
	}
	err := h.daemon.Stop(ctx, emulator.StopOptions{Teardown: true, Purge: true})
	return errors.Join(err, os.RemoveAll(h.stateDir))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
