package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/store"
)

func newDownCommand(env *Env) *cobra.Command {
	var purge bool
	cmd := &cobra.Command{
		Use:   "down",
		Short: "stop the sandbox and remove what carries its label",
		Long: describe("Stop the sandbox and remove what carries its label.",
			"Stops the daemon and removes every container and network labelled with the sandbox\n"+
				"(dev.cattle.sandbox=NAME), and nothing else. --purge also removes its images and state.\n"+
				"A daemon that is still starting is waited for until it answers, then stopped."),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return down(cmd.Context(), env, purge)
		},
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "also remove the sandbox's images and state directory")
	return cmd
}

func down(ctx context.Context, env *Env, purge bool) error {
	paths := emulator.PathsIn(env.StateDir)
	client := api.NewClient(paths.Socket)
	// A daemon that holds the state file but does not answer yet is
	// starting. Removing its state from under it would leave it running
	// with nothing to stop it by, so stop it once it answers. When nothing
	// holds the file, no daemon runs: go on to the teardown.
	st, answered, err := waitAnswering(ctx, env.Sandbox, paths, client, readyTimeout)
	if err != nil {
		return err
	}
	if answered && st.Sandbox != env.Sandbox {
		// A state directory from before directories recorded their owner.
		return fmt.Errorf("the daemon on %s runs sandbox %s, not %s: use --sandbox %s, or another --state-dir for %s",
			paths.Socket, st.Sandbox, env.Sandbox, st.Sandbox, env.Sandbox)
	}
	if answered {
		if err := client.Shutdown(ctx, purge); err != nil {
			return err
		}
		if err := waitExit(ctx, st.PID, 2*time.Minute); err != nil {
			return err
		}
	}
	// Whether or not a daemon ran, make sure nothing labelled is left.
	rt, err := newRuntime(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	if err := emulator.Teardown(ctx, rt, env.Sandbox, purge); err != nil {
		return err
	}
	_ = os.Remove(paths.Socket)
	_ = os.Remove(paths.PID)
	if purge {
		if err := emulator.RemoveStateDir(paths, env.Sandbox); err != nil {
			return err
		}
	}
	what := "stopped; its containers and network are removed"
	if purge {
		what = "removed, with its images and state"
	}
	fmt.Fprintf(env.Out, "sandbox %s %s\n", env.Sandbox, what)
	return nil
}

// waitAnswering waits for the daemon that holds a sandbox's state file to
// answer on its socket. answered is false when the file is released first,
// as by a daemon that failed to start.
func waitAnswering(ctx context.Context, sandbox string, paths emulator.Paths, client *api.Client, timeout time.Duration) (st api.Status, answered bool, err error) {
	deadline := time.Now().Add(timeout)
	err = api.Poll(ctx, 200*time.Millisecond, func(ctx context.Context) (bool, error) {
		if s, err := client.Status(ctx); err == nil {
			st, answered = s, true
			return true, nil
		}
		if !store.Locked(paths.DB) {
			return true, nil
		}
		if time.Now().After(deadline) {
			return true, fmt.Errorf("sandbox %s: a daemon holds its state file %s but has not answered on %s for %s: "+
				"stop that process (see %s), then run down again", sandbox, paths.DB, paths.Socket, timeout, paths.Log)
		}
		return false, nil
	})
	return st, answered, err
}

// waitExit waits for a process to end.
func waitExit(ctx context.Context, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	return api.Poll(ctx, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true, nil
		}
		if !time.Now().Before(deadline) {
			return true, fmt.Errorf("the daemon (pid %d) did not stop within %s", pid, timeout)
		}
		return false, nil
	})
}
