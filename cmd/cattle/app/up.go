package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/sandbox/docker"
)

// readyTimeout bounds how long `cattle up` waits for its daemon; the first
// start of a sandbox builds the demo image, which takes a few seconds.
const readyTimeout = 2 * time.Minute

func newUpCommand(env *Env) *cobra.Command {
	var foreground bool
	var timingName, apiAddr string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "start the sandbox's daemon (in the background unless --foreground)",
		Long: describe("Start the sandbox's daemon (in the background unless --foreground).",
			"Starts the daemon of a sandbox and returns when it is ready. A restarted daemon adopts\n"+
				"the containers its sandbox left running and corrects what changed meanwhile."),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			profile, err := timing.ByName(timingName)
			if err != nil {
				return usageError{err.Error()}
			}
			if foreground {
				return runDaemon(cmd.Context(), env, profile, apiAddr)
			}
			return startBackground(cmd.Context(), env, timingName, apiAddr)
		},
	}
	fs := cmd.Flags()
	fs.BoolVar(&foreground, "foreground", false, "run the daemon in this process until interrupted")
	fs.StringVar(&timingName, "timing", "fast", "timing profile: fast (AWS's rules on a short clock) or aws")
	fs.StringVar(&apiAddr, "api", "127.0.0.1:0", "127.0.0.1 address for the HTTP API (port 0 picks one and keeps it)")
	_ = cmd.RegisterFlagCompletionFunc("timing", cobra.FixedCompletions([]string{"fast", "aws"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
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
	return waitReady(ctx, env, cmd, paths)
}

// waitReady waits until the daemon started as cmd answers, it exits, or
// readyTimeout passes.
func waitReady(ctx context.Context, env *Env, cmd *exec.Cmd, paths emulator.Paths) error {
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	client := api.NewClient(paths.Socket)
	wctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	var st api.Status
	var stopped bool
	var exitErr error
	err := api.Poll(wctx, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		select {
		case exitErr = <-exited:
			stopped = true
			return true, nil
		default:
		}
		s, err := client.Status(ctx)
		st = s
		return err == nil && s.PID == cmd.Process.Pid, nil
	})
	switch {
	case stopped && exitErr == nil:
		// The daemon exits 0 only once it has started: a `cattle down` (or
		// a signal) stopped it before this poll saw it answer.
		fmt.Fprintf(env.Out, "sandbox %s came up and was stopped again at once (by 'cattle down' or a signal)\n", env.Sandbox)
		return nil
	case stopped:
		return fmt.Errorf("the daemon stopped at start (%v): %s", exitErr, lastLine(paths.Log))
	case ctx.Err() != nil:
		_ = cmd.Process.Kill()
		return ctx.Err()
	case err != nil:
		_ = cmd.Process.Kill()
		return fmt.Errorf("the daemon did not become ready within %s: see %s", readyTimeout, paths.Log)
	}
	fmt.Fprintf(env.Out, "sandbox %s is up (pid %d): API http://%s, state in %s\n", env.Sandbox, st.PID, st.API, st.StateDir)
	_ = cmd.Process.Release()
	return nil
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
