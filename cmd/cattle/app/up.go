package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/sandbox/docker"
	"github.com/cattle-dev/cattle/store"
)

// readyTimeout bounds how long `cattle up` waits for its daemon; the first
// start of a sandbox builds the demo image, which takes a few seconds.
const readyTimeout = 2 * time.Minute

func upCommand() *command {
	var foreground bool
	var timingName, apiAddr string
	return &command{
		name: "up", summary: "start the sandbox's daemon (in the background unless --foreground)",
		usage: "up [--foreground] [--timing fast|aws] [--api ADDR]",
		long: "Starts the daemon of a sandbox and returns when it is ready. A restarted daemon adopts\n" +
			"the containers its sandbox left running and corrects what changed meanwhile.",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&foreground, "foreground", false, "run the daemon in this process until interrupted")
			fs.StringVar(&timingName, "timing", "fast", "timing profile: fast (AWS's rules on a short clock) or aws")
			fs.StringVar(&apiAddr, "api", "127.0.0.1:0", "127.0.0.1 address for the HTTP API (port 0 picks one and keeps it)")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("up takes no arguments")
			}
			profile, err := timing.ByName(timingName)
			if err != nil {
				return usageError{err.Error()}
			}
			if foreground {
				return runDaemon(ctx, env, profile, apiAddr)
			}
			return startBackground(ctx, env, timingName, apiAddr)
		},
	}
}

// newRuntime connects to the Docker engine and checks that it answers.
func newRuntime(ctx context.Context) (*docker.Runtime, error) {
	rt, err := docker.New()
	if err != nil {
		return nil, err
	}
	if _, err := rt.Info(ctx); err != nil {
		rt.Close()
		return nil, err
	}
	return rt, nil
}

func runDaemon(ctx context.Context, env *Env, profile timing.Profile, apiAddr string) error {
	slog.SetDefault(slog.New(slog.NewTextHandler(env.Err, nil)))
	rt, err := newRuntime(ctx)
	if err != nil {
		return err
	}
	defer rt.Close()
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the cattle binary for the demo image: %w", err)
	}
	d, err := emulator.Start(ctx, emulator.Options{
		Sandbox: env.Sandbox, StateDir: env.StateDir, Timing: profile, Runtime: rt,
		BinaryPath: bin, APIAddr: apiAddr,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "sandbox %s is up (pid %d): API http://%s, socket %s, timing %s\n",
		env.Sandbox, os.Getpid(), d.APIAddr(), d.Paths().Socket, profile.Name)
	select {
	case <-ctx.Done():
		// Interrupted: stop, but leave the instances running for the next
		// daemon to adopt. `cattle down` is what removes them.
		return d.Stop(context.Background(), emulator.StopOptions{})
	case <-d.Done():
		return d.Err()
	}
}

// startBackground starts `cattle up --foreground` as a detached process and
// waits until its API answers.
func startBackground(ctx context.Context, env *Env, timingName, apiAddr string) error {
	rt, err := newRuntime(ctx)
	if err != nil {
		return err
	}
	rt.Close()
	paths := emulator.PathsIn(env.StateDir)
	if st, err := api.NewClient(paths.Socket).Status(ctx); err == nil {
		return fmt.Errorf("sandbox %s is already running (pid %d)", env.Sandbox, st.PID)
	}
	if err := checkStateFile(paths); err != nil {
		return err
	}
	if err := os.MkdirAll(paths.Dir, 0o700); err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	logf, err := os.OpenFile(paths.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "up", "--foreground", "--sandbox", env.Sandbox, "--state-dir", env.StateDir,
		"--timing", timingName, "--api", apiAddr)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the daemon: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	client := api.NewClient(paths.Socket)
	deadline := time.After(readyTimeout)
	for {
		select {
		case err := <-exited:
			if err == nil {
				// The daemon exits 0 only once it has started: a `cattle
				// down` (or a signal) stopped it before this poll saw it answer.
				fmt.Fprintf(env.Out, "sandbox %s came up and was stopped again at once (by 'cattle down' or a signal)\n", env.Sandbox)
				return nil
			}
			return fmt.Errorf("the daemon stopped at start (%v): %s", err, lastLine(paths.Log))
		case <-deadline:
			_ = cmd.Process.Kill()
			return fmt.Errorf("the daemon did not become ready within %s: see %s", readyTimeout, paths.Log)
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		st, err := client.Status(ctx)
		if err != nil || st.PID != cmd.Process.Pid {
			continue
		}
		fmt.Fprintf(env.Out, "sandbox %s is up (pid %d): API http://%s, state in %s\n", env.Sandbox, st.PID, st.API, st.StateDir)
		_ = cmd.Process.Release()
		return nil
	}
}

// lastLine returns the last non-empty line of a log file.
func lastLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "see " + path
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	line := strings.TrimPrefix(lines[len(lines)-1], "cattle: ")
	if line == "" {
		return "see " + path
	}
	return line
}

func downCommand() *command {
	var purge bool
	return &command{
		name: "down", summary: "stop the sandbox and remove what carries its label",
		usage: "down [--purge]",
		long: "Stops the daemon and removes every container and network labelled with the sandbox\n" +
			"(dev.cattle.sandbox=NAME), and nothing else. --purge also removes its images and state.\n" +
			"A daemon that is still starting is waited for until it answers, then stopped.",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&purge, "purge", false, "also remove the sandbox's images and state directory")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("down takes no arguments")
			}
			paths := emulator.PathsIn(env.StateDir)
			client := api.NewClient(paths.Socket)
			// A daemon that holds the state file but does not answer yet is
			// starting. Removing its state from under it would leave it
			// running with nothing to stop it by, so stop it once it answers.
			// When nothing holds the file, no daemon runs: go on to the teardown.
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
		},
	}
}

// waitAnswering waits for the daemon that holds a sandbox's state file to
// answer on its socket. answered is false when the file is released first,
// as by a daemon that failed to start.
func waitAnswering(ctx context.Context, sandbox string, paths emulator.Paths, client *api.Client, timeout time.Duration) (st api.Status, answered bool, err error) {
	deadline := time.Now().Add(timeout)
	for {
		if st, err := client.Status(ctx); err == nil {
			return st, true, nil
		}
		if !store.Locked(paths.DB) {
			return api.Status{}, false, nil
		}
		if time.Now().After(deadline) {
			return api.Status{}, false, fmt.Errorf("sandbox %s: a daemon holds its state file %s but has not answered on %s for %s: "+
				"stop that process (see %s), then run down again", sandbox, paths.DB, paths.Socket, timeout, paths.Log)
		}
		select {
		case <-ctx.Done():
			return api.Status{}, false, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitExit waits for a process to end.
func waitExit(ctx context.Context, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("the daemon (pid %d) did not stop within %s", pid, timeout)
}
