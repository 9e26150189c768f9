package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/runner"
)

func scenarioCommand() *command {
	return &command{
		name: "scenario", summary: "run scripted, checkable scenarios (start with: scenario run tour)",
		long: "A scenario sets up a small local cloud, acts on it and checks that it behaved as a real\n" +
			"cloud would. 'scenario run' needs no daemon: it starts a sandbox of its own, runs the steps,\n" +
			"removes everything, and exits 0 only if every step passed (1 if one failed, 2 for a bad file).",
		subs: []*command{scenarioRun(), scenarioLs(), scenarioShow(), scenarioCheck(), scenarioSteps()},
	}
}

func scenarioRun() *command {
	var junitPath, jsonPath, timingName string
	var keep bool
	var fs *pflag.FlagSet
	return &command{
		name: "run", summary: "run a scenario, built-in or from a file, in a sandbox of its own",
		usage: "scenario run NAME|FILE [--junit FILE] [--json FILE] [--keep] [--timing fast|aws] [--sandbox NAME]",
		long: "Starts an ephemeral sandbox in this process (its own name, network and state), runs the\n" +
			"steps in order, and removes everything again, also on failure and on Ctrl-C. With\n" +
			"--sandbox NAME (before or after 'scenario run') it runs against that sandbox's running daemon\n" +
			"instead, and removes what it made. CATTLE_SANDBOX does not do that: only the flag does.",
		flags: func(s *pflag.FlagSet) {
			fs = s
			s.StringVar(&junitPath, "junit", "", "write a JUnit XML report (one test case per step) to FILE")
			s.StringVar(&jsonPath, "json", "", "write the journal (steps, timings, events, load results) as JSON to FILE")
			s.BoolVar(&keep, "keep", false, "leave the sandbox and what it made for inspection")
			s.StringVar(&timingName, "timing", "fast", "timing profile of the scenario's sandbox: fast or aws")
		},
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("scenario run takes one NAME or FILE: cattle scenario run tour (see 'cattle scenario ls')")
			}
			profile, err := timing.ByName(timingName)
			if err != nil {
				return usageError{err.Error()}
			}
			// Only a --sandbox the user typed attaches: CATTLE_SANDBOX, set
			// for a shell session, must not let a scenario change that sandbox.
			attach := env.SandboxFlag
			if attach && fs.Changed("timing") {
				return usagef("--timing sets the scenario's own sandbox; a running sandbox keeps the timing it was started with")
			}
			for _, p := range []string{junitPath, jsonPath} {
				if err := checkWritableDir(p); err != nil {
					return err
				}
			}
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return err
			}
			rt, err := newRuntime(ctx)
			if err != nil {
				return err
			}
			defer rt.Close()
			bin, err := os.Executable()
			if err != nil {
				return fmt.Errorf("finding the cattle binary for the demo image: %w", err)
			}
			// The in-process daemon logs only what needs a person's eyes:
			// the timeline is the story.
			slog.SetDefault(slog.New(slog.NewTextHandler(env.Err, &slog.HandlerOptions{Level: slog.LevelWarn})))
			term, width := terminal(env.Out)
			opts := runner.Options{
				Runtime: rt, Binary: bin, Timing: profile, Keep: keep,
				Out: env.Out, Terminal: term, Width: width, Color: term && os.Getenv("NO_COLOR") == "",
			}
			if attach {
				opts.Attach = &runner.Attach{Sandbox: env.Sandbox, StateDir: env.StateDir}
			}
			res, err := runner.Run(ctx, sc, opts)
			if err != nil {
				return err
			}
			if err := writeReports(res, junitPath, jsonPath); err != nil {
				return err
			}
			if !res.Passed {
				return exitError{ExitFailed}
			}
			return nil
		},
	}
}

// checkWritableDir fails early, before a run of minutes, when a report
// could not be written.
func checkWritableDir(path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usagef("cannot write %s: folder %s does not exist", path, dir)
	}
	return nil
}

func writeReports(res *runner.Result, junitPath, jsonPath string) error {
	if junitPath != "" {
		if err := runner.WriteFile(junitPath, res, runner.WriteJUnit); err != nil {
			return fmt.Errorf("writing the JUnit report: %w", err)
		}
	}
	if jsonPath != "" {
		if err := runner.WriteFile(jsonPath, res, runner.WriteJSON); err != nil {
			return fmt.Errorf("writing the journal: %w", err)
		}
	}
	return nil
}

// terminal reports whether w is a terminal, and its width.
func terminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false, 0
	}
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return false, 0
	}
	return true, int(ws.Col)
}

// builtinRow is a built-in scenario as `scenario ls` lists it.
type builtinRow struct {
	Name        string `json:"name"`
	Runs        string `json:"runs"`
	Description string `json:"description"`
}

func scenarioLs() *command {
	return &command{
		name: "ls", summary: "list the built-in scenarios", usage: "scenario ls [-o table|json|yaml]", listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) > 0 {
				return usagef("scenario ls takes no arguments")
			}
			var rows []builtinRow
			for _, b := range scenarios.Builtins() {
				runs := "yes"
				if _, err := scenarios.Load(b.Name); err != nil {
					runs = "broken: " + err.Error()
				}
				rows = append(rows, builtinRow{Name: b.Name, Runs: runs, Description: b.Description})
			}
			return render(env, rows, func(t *tabwriter.Writer) {
				row(t, "NAME", "RUNS", "DESCRIPTION")
				for _, r := range rows {
					row(t, r.Name, r.Runs, r.Description)
				}
			})
		},
	}
}

func scenarioShow() *command {
	return &command{
		name: "show", summary: "print a built-in scenario, to copy and edit", usage: "scenario show NAME",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("scenario show takes one NAME: cattle scenario show tour > my-tour.yaml")
			}
			b, ok := scenarios.LookupBuiltin(args[0])
			if !ok {
				return usagef("no built-in scenario %q: the built-ins are %s", args[0], strings.Join(scenarios.BuiltinNames(), ", "))
			}
			_, err := env.Out.Write(b.Source)
			return err
		},
	}
}

func scenarioCheck() *command {
	return &command{
		name: "check", summary: "check a scenario file without running it", usage: "scenario check NAME|FILE",
		run: func(ctx context.Context, env *Env, args []string) error {
			if len(args) != 1 {
				return usagef("scenario check takes one NAME or FILE")
			}
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Out, "%s: scenario %s is fine: %d setup steps, %d steps, timeout %s\n",
				sc.File, sc.Name, len(sc.Setup), len(sc.Steps), sc.Timeout)
			return nil
		},
	}
}

// stepRow is a registered step as `scenario steps` lists it.
type stepRow struct {
	Step    string            `json:"step"`
	Kind    string            `json:"kind"`
	Summary string            `json:"summary"`
	Example string            `json:"example"`
	Keys    []scenarios.Param `json:"keys"`
}

// paramList writes a step's keys on one line, the required ones marked.
func paramList(ps []scenarios.Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Key)
		if p.Required {
			b.WriteString(" (required)")
		}
	}
	return b.String()
}

func scenarioSteps() *command {
	return &command{
		name: "steps", summary: "list the actions and expectations a scenario can use", usage: "scenario steps [-o table|json|yaml]",
		listing: true,
		run: func(ctx context.Context, env *Env, args []string) error {
			var rows []stepRow
			for _, k := range scenarios.Kinds() {
				r := stepRow{Step: k.Key, Kind: "action", Summary: k.Summary, Example: k.Example, Keys: k.Params()}
				if k.Expectation {
					r.Kind = "expect " + k.Subject
				}
				if k.Section != "" {
					r.Kind += ", setup." + k.Section
				}
				rows = append(rows, r)
			}
			return render(env, rows, func(t *tabwriter.Writer) {
				fmt.Fprintln(t, "STEP\tKIND\tWHAT IT DOES, AND AN EXAMPLE")
				for _, r := range rows {
					fmt.Fprintf(t, "%s\t%s\t%s\n", r.Step, r.Kind, r.Summary)
					if r.Example != "" {
						fmt.Fprintf(t, "\t\t  - %s\n", r.Example)
					}
					if len(r.Keys) > 0 {
						fmt.Fprintf(t, "\t\t    keys: %s\n", paramList(r.Keys))
					}
				}
			})
		},
	}
}
