package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
)

// Env is what a running command gets besides its arguments: the streams
// and the root's flags, resolved against the environment.
type Env struct {
	Streams
	Sandbox string
	// SandboxFlag is set when --sandbox was on the command line, before or
	// after the command; CATTLE_SANDBOX or the default leave it false.
	SandboxFlag bool
	StateDir    string
	Output      string
}

func resolveSandbox(env *Env) error {
	if env.Sandbox == "" {
		env.Sandbox = os.Getenv("CATTLE_SANDBOX")
	}
	if env.Sandbox == "" {
		env.Sandbox = emulator.DefaultSandbox
	}
	if err := emulator.ValidateSandboxName(env.Sandbox); err != nil {
		return usageError{err.Error()}
	}
	if env.StateDir == "" {
		env.StateDir = os.Getenv("CATTLE_STATE_DIR")
	}
	if env.StateDir == "" {
		dir, err := emulator.StateDir(env.Sandbox)
		if err != nil {
			return usageError{err.Error()}
		}
		env.StateDir = dir
	}
	// A state directory that belongs to another sandbox is refused before
	// anything is touched.
	if err := emulator.CheckStateDir(env.StateDir, env.Sandbox); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// Client returns a client for the sandbox's daemon, or a clear error when
// the daemon is not running.
func (env *Env) Client(ctx context.Context) (*api.Client, error) {
	paths := emulator.PathsIn(env.StateDir)
	if _, err := os.Stat(paths.Socket); err != nil {
		return nil, fmt.Errorf("sandbox %s is not running: start it with 'cattle up%s'", env.Sandbox, env.sandboxFlag())
	}
	return api.NewClient(paths.Socket), nil
}

// call wraps errors from the daemon so that "not running" reads well.
func (env *Env) call(err error) error {
	if errors.Is(err, api.ErrDaemonNotRunning) {
		return fmt.Errorf("sandbox %s is not running (nothing answers on its socket): start it with 'cattle up%s'", env.Sandbox, env.sandboxFlag())
	}
	return err
}

func (env *Env) sandboxFlag() string {
	if env.Sandbox == emulator.DefaultSandbox {
		return ""
	}
	return " --sandbox " + env.Sandbox
}
