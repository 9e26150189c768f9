// Package app is the cattle command line: it parses flags, calls the API
// client and renders output. It holds no logic of the cloud itself.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
)

// Streams are the standard streams a command reads and writes.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the operation failed
	ExitUsage  = 2 // bad usage or environment
)

// command is one node of the command tree.
type command struct {
	name    string
	summary string
	usage   string // the command line after "cattle ", command path included
	long    string
	flags   func(fs *pflag.FlagSet)
	run     func(ctx context.Context, env *Env, args []string) error
	subs    []*command
	listing bool // takes -o table|json|yaml
}

// usageError is bad usage: exit 2 with the command's usage hint.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Env is what a running command gets besides its arguments.
type Env struct {
	Streams
	Sandbox string
	// SandboxFlag is set when --sandbox was on the command line, before or
	// after the command; CATTLE_SANDBOX or the default leave it false.
	SandboxFlag bool
	StateDir    string
	Output      string
	path        string // the command path, for messages
}

// Main runs cattle with args and returns the process exit code.
func Main(args []string, s Streams) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := Run(ctx, args, s)
	if err == nil {
		return ExitOK
	}
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	fmt.Fprintln(s.Err, "cattle:", oneLine(err))
	return exitCode(err)
}

// exitError ends a command with a code and nothing more to say.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCode(err error) int {
	var ue usageError
	switch {
	case errors.As(err, &ue),
		errors.Is(err, sandbox.ErrUnavailable),
		errors.Is(err, errdefs.ErrUnavailable),
		errors.Is(err, errdefs.ErrInvalid):
		return ExitUsage
	}
	return ExitFailed
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
}

// Run runs one command line.
func Run(ctx context.Context, args []string, s Streams) error {
	if len(args) > 0 && args[0] == "demo-app" {
		// The demo app parses its own flags: it is a program of its own
		// that happens to ship inside this binary.
		return runDemoApp(ctx, args[1:], s)
	}
	root := rootCommand()
	env := &Env{Streams: s}
	return dispatch(ctx, root, env, args, "cattle")
}

func dispatch(ctx context.Context, cmd *command, env *Env, args []string, path string) error {
	if len(cmd.subs) == 0 && cmd.run == nil {
		return fmt.Errorf("%s is not available in this build yet", path)
	}
	if len(cmd.subs) > 0 {
		// Global flags may stand before the subcommand.
		rest, err := parseGlobals(env, args)
		if err != nil {
			return err
		}
		if len(rest) == 0 || rest[0] == "help" || rest[0] == "--help" || rest[0] == "-h" {
			printGroupHelp(env.Out, cmd, path)
			if len(rest) == 0 && cmd.run == nil {
				return exitError{ExitUsage}
			}
			return nil
		}
		for _, sub := range cmd.subs {
			if sub.name == rest[0] {
				return dispatch(ctx, sub, env, rest[1:], path+" "+sub.name)
			}
		}
		return usagef("unknown command %q for %s: see '%s --help'", rest[0], path, path)
	}
	fs := pflag.NewFlagSet(path, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(true)
	addGlobals(fs, env)
	if cmd.listing {
		fs.StringVarP(&env.Output, "output", "o", "table", "output format: table, json or yaml")
	}
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	help := fs.BoolP("help", "h", false, "show this help")
	if err := fs.Parse(args); err != nil {
		return usagef("%v: see '%s --help'", err, path)
	}
	env.SandboxFlag = env.SandboxFlag || fs.Changed("sandbox")
	if *help {
		printCommandHelp(env.Out, cmd, fs)
		return nil
	}
	if cmd.listing {
		switch env.Output {
		case "table", "json", "yaml":
		default:
			return usagef("unknown output format %q: use -o table, json or yaml", env.Output)
		}
	}
	if err := resolveSandbox(env); err != nil {
		return err
	}
	env.path = path
	return cmd.run(ctx, env, fs.Args())
}

// addGlobals defines the flags every command takes.
func addGlobals(fs *pflag.FlagSet, env *Env) {
	fs.StringVar(&env.Sandbox, "sandbox", env.Sandbox, "sandbox name (env CATTLE_SANDBOX; default \"default\")")
	fs.StringVar(&env.StateDir, "state-dir", env.StateDir, "state directory (env CATTLE_STATE_DIR; default $XDG_STATE_HOME/cattle/SANDBOX)")
}

// parseGlobals takes --sandbox and --state-dir from the front of args.
func parseGlobals(env *Env, args []string) ([]string, error) {
	for len(args) > 0 && strings.HasPrefix(args[0], "--") && args[0] != "--help" {
		name, val, hasVal := strings.Cut(args[0][2:], "=")
		if name != "sandbox" && name != "state-dir" {
			return nil, usagef("unknown flag --%s before the command: see 'cattle --help'", name)
		}
		args = args[1:]
		if !hasVal {
			if len(args) == 0 {
				return nil, usagef("flag --%s needs a value", name)
			}
			val, args = args[0], args[1:]
		}
		if name == "sandbox" {
			env.Sandbox, env.SandboxFlag = val, true
		} else {
			env.StateDir = val
		}
	}
	return args, nil
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
	return checkStateDirOwner(env)
}

// checkStateDirOwner refuses, before anything is touched, a state
// directory that belongs to another sandbox than the one named.
func checkStateDirOwner(env *Env) error {
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

func printGroupHelp(w io.Writer, cmd *command, path string) {
	if cmd.long != "" {
		fmt.Fprintln(w, cmd.long)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Usage:\n  %s COMMAND [flags]\n\nCommands:\n", path)
	width := 12
	for _, sub := range cmd.subs {
		width = max(width, len(sub.name))
	}
	for _, sub := range cmd.subs {
		fmt.Fprintf(w, "  %-*s  %s\n", width, sub.name, sub.summary)
	}
	fmt.Fprintf(w, "\nGlobal flags (on every command):\n  --sandbox NAME    sandbox name (env CATTLE_SANDBOX; default \"default\")\n  --state-dir DIR   state directory (env CATTLE_STATE_DIR)\n")
	fmt.Fprintf(w, "\nRun '%s COMMAND --help' for more about a command.\n", path)
}

func printCommandHelp(w io.Writer, cmd *command, fs *pflag.FlagSet) {
	fmt.Fprintln(w, cmd.summary)
	if cmd.long != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, cmd.long)
	}
	fmt.Fprintf(w, "\nUsage:\n  cattle %s\n\nFlags:\n%s", cmd.usage, fs.FlagUsages())
}
