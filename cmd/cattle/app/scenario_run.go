package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/runner"
)

// scenarioRunFlags say where a run's reports go and how its sandbox is kept.
type scenarioRunFlags struct {
	junitPath, jsonPath, htmlPath, svgPath, timingName string
	keep                                               bool
}

func newScenarioRunCommand(env *Env) *cobra.Command {
	var f scenarioRunFlags
	cmd := &cobra.Command{
		Use:   "run NAME|FILE",
		Short: "run a scenario, built-in or from a file, in a sandbox of its own",
		Long: describe("Run a scenario, built-in or from a file, in a sandbox of its own.",
			"Starts an ephemeral sandbox in this process (its own name, network and state), runs the\n"+
				"steps in order, and removes everything again, also on failure and on Ctrl-C. With\n"+
				"--sandbox NAME (before or after 'scenario run') it runs against that sandbox's running daemon\n"+
				"instead, and removes what it made. CATTLE_SANDBOX does not do that: only the flag does.\n\n"+
				"The file is checked first, as 'scenario check' does: a bad one is refused with every problem\n"+
				"listed and exit 2, before any container exists. --junit, --json and --html are written whatever\n"+
				"the outcome: for a run that never started, one failed test case and a journal saying why.\n\n"+
				"--html writes one self-contained page (no script, nothing fetched: it opens offline and keeps as\n"+
				"a CI artifact): the steps with their evidence, and charts over time of the load's requests by\n"+
				"the version answering, errors and latency (p50, p99), with each refresh, rollback, injected\n"+
				"fault and replaced instance marked. --svg writes the requests chart alone (without load: the\n"+
				"steps over time), for a README or a pull request.\n\n"+
				"Exit 0: every step passed; 1: a step failed (with its evidence); 2: a bad file or environment."),
		Example: "  cattle scenario run tour\n  cattle scenario run my-scenario.yaml --junit report.xml\n" +
			"  cattle scenario run tour --html tour.html --svg tour.svg",
		Args:              exactArgs(1, "scenario run takes one NAME or FILE: cattle scenario run tour (see 'cattle scenario ls')"),
		ValidArgsFunction: completeScenario,
		RunE: func(cmd *cobra.Command, args []string) error {
			// Only a --sandbox the user typed attaches: CATTLE_SANDBOX, set
			// for a shell session, must not let a scenario change that sandbox.
			if env.SandboxFlag && cmd.Flags().Changed("timing") {
				return usagef("--timing sets the scenario's own sandbox; a running sandbox keeps the timing it was started with")
			}
			return runScenario(cmd.Context(), env, args[0], f)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&f.junitPath, "junit", "", "write a JUnit XML report (one test case per step) to FILE")
	fs.StringVar(&f.jsonPath, "json", "", "write the journal (steps, timings, events, load results) as JSON to FILE")
	fs.StringVar(&f.htmlPath, "html", "", "write a self-contained HTML report (steps, evidence, charts of the load over time) to FILE")
	fs.StringVar(&f.svgPath, "svg", "", "write the chart of requests by version and errors, with refreshes and faults marked, as SVG to FILE")
	fs.BoolVar(&f.keep, "keep", false, "leave the sandbox and what it made for inspection")
	fs.StringVar(&f.timingName, "timing", "", "timing profile of the scenario's sandbox: fast or aws (default: the scenario's timing key, else fast)")
	_ = cmd.RegisterFlagCompletionFunc("timing", cobra.FixedCompletions([]string{"fast", "aws"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runScenario(ctx context.Context, env *Env, name string, f scenarioRunFlags) error {
	// No --timing: the runner takes the scenario's timing key, else fast.
	var profile timing.Profile
	if f.timingName != "" {
		p, err := timing.ByName(f.timingName)
		if err != nil {
			return usageError{err.Error()}
		}
		profile = p
	}
	for _, p := range []string{f.junitPath, f.jsonPath, f.htmlPath, f.svgPath} {
		if err := checkWritableDir(p); err != nil {
			return err
		}
	}
	// The whole check comes first: a bad file is refused before any
	// container exists, with its reports written all the same.
	sc, err := scenarios.LoadChecked(name)
	if err != nil {
		return refused(env, name, "scenario file", err, f)
	}
	rt, err := newRuntime(ctx)
	if err != nil {
		return refused(env, sc.Name, "container engine", err, f)
	}
	defer rt.Close()
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the cattle binary for the demo image: %w", err)
	}
	// The in-process daemon logs only what needs a person's eyes: the
	// timeline is the story.
	slog.SetDefault(slog.New(slog.NewTextHandler(env.Err, &slog.HandlerOptions{Level: slog.LevelWarn})))
	term, width := terminal(env.Out)
	opts := runner.Options{
		Runtime: rt, Binary: bin, Timing: profile, Keep: f.keep,
		Out: env.Out, Terminal: term, Width: width, Color: term && os.Getenv("NO_COLOR") == "",
	}
	if env.SandboxFlag {
		opts.Attach = &runner.Attach{Sandbox: env.Sandbox, StateDir: env.StateDir}
	}
	res, err := runner.Run(ctx, sc, opts)
	if err != nil {
		return refused(env, sc.Name, "sandbox", err, f)
	}
	if err := writeReports(res, f); err != nil {
		return err
	}
	if !res.Passed {
		return exitError{ExitFailed}
	}
	return nil
}

// refused writes the reports of a run that never started, then reports
// err as the command's failure.
func refused(env *Env, name, what string, err error, f scenarioRunFlags) error {
	file := name
	var fe *scenarios.FileError
	if errors.As(err, &fe) {
		file = fe.Pos.File
	}
	res := runner.Refused(scenarioName(name), file, what, err)
	if werr := writeReports(res, f); werr != nil {
		fmt.Fprintln(env.Err, "cattle:", werr)
	}
	if what == "scenario file" {
		return fileProblems(env, name, err)
	}
	return err
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

func writeReports(res *runner.Result, f scenarioRunFlags) error {
	for _, r := range []struct {
		path, what string
		write      func(io.Writer, *runner.Result) error
	}{
		{f.junitPath, "the JUnit report", runner.WriteJUnit},
		{f.jsonPath, "the journal", runner.WriteJSON},
		{f.htmlPath, "the HTML report", runner.WriteHTML},
		{f.svgPath, "the SVG chart", runner.WriteSVG},
	} {
		if r.path == "" {
			continue
		}
		if err := runner.WriteFile(r.path, res, r.write); err != nil {
			return fmt.Errorf("writing %s: %w", r.what, err)
		}
	}
	return nil
}
