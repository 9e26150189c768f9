// Package runner runs a scenario: it starts an ephemeral sandbox in this
// process (or attaches to a running daemon), runs the steps in order while
// printing a timeline, stops at the first failure, and tears everything
// down whatever happened. Its Result is the journal; junit.go renders it
// for CI.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
	"github.com/cattle-dev/cattle/store"
)

// Options configure a run.
type Options struct {
	// Runtime is the container engine (docker.New()); remove_instance uses
	// it too.
	Runtime sandbox.Runtime
	// Binary is the static cattle binary: the demo image is made from it,
	// and exec steps see it as $CATTLE.
	Binary string
	Timing timing.Profile
	// Attach runs against a running daemon instead of an ephemeral sandbox.
	Attach *Attach
	// Keep leaves the ephemeral sandbox's containers and state behind.
	Keep bool

	// Out receives the timeline; Terminal redraws the running step's line
	// and Color paints PASS and FAIL; Width bounds a line (0: no bound).
	Out      io.Writer
	Terminal bool
	Color    bool
	Width    int
}

// Attach names a running sandbox.
type Attach struct {
	Sandbox  string
	StateDir string
}

// teardownTimeout bounds the cleanup after a run, which must happen even
// when the run was interrupted.
const teardownTimeout = 2 * time.Minute

// Run runs a scenario. It returns an error only when the scenario could not
// run at all: a sandbox that would not start, or lacks a service the steps
// need (an errdefs.ErrUnavailable). A step that fails is in the Result.
func Run(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Result, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Timing.Name == "" {
		// The scenario's own profile, when it names one; parsing checked it.
		opts.Timing, _ = timing.ByName(sc.Timing)
	}
	tl := newTimeline(opts)
	tl.header(sc)

	begin := time.Now()
	var sb *sandboxHandle
	var err error
	if opts.Attach != nil {
		sb, err = attach(ctx, *opts.Attach)
	} else {
		sb, err = startEphemeral(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	res := &Result{
		Scenario: sc.Name, Description: sc.Description, File: sc.File, Sandbox: sb.name, Ephemeral: sb.ephemeral(),
		StateDir: sb.stateDir, Timing: opts.Timing.Name, SetupTime: Millis(time.Since(begin)),
	}
	tl.sandboxUp(sb, opts, time.Since(begin))

	run := scenarios.NewRun(sc, scenarios.RunConfig{
		Client: sb.client, Runtime: opts.Runtime, Sandbox: sb.name, StateDir: sb.stateDir, Binary: opts.Binary,
	})
	res.Started = run.Started
	if err := checkNeeds(ctx, sc, run); err != nil {
		cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
		defer cancel()
		return nil, errors.Join(envError{err}, sb.close(cleanupCtx, opts.Keep))
	}
	runSteps(ctx, sc, run, res, tl)

	// Cleanup happens whatever became of the run, interrupt included.
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
	defer cancel()
	run.StopWatches()
	run.StopLoads()
	res.Loads = loadResults(run)
	res.Saved = run.SavedNames()
	res.Events = eventsSince(cleanupCtx, sb, run.Started)
	res.Duration = Millis(time.Since(run.Started))
	res.Kept = opts.Keep
	var teardown error
	if !sb.ephemeral() && !opts.Keep {
		teardown = run.Cleanup(cleanupCtx)
	}
	teardown = errors.Join(teardown, sb.close(cleanupCtx, opts.Keep))
	if teardown != nil {
		res.TeardownError = oneLine(teardown.Error())
	}
	res.Passed = res.Count(Failed) == 0 && res.Count(Skipped) == 0 && teardown == nil
	tl.footer(res, sb)
	return res, nil
}

// checkNeeds asks the sandbox for the services the steps need, so that a
// scenario the daemon cannot serve stops before its first step.
func checkNeeds(ctx context.Context, sc *scenarios.Scenario, run *scenarios.Run) error {
	for _, n := range sc.Needs() {
		if err := n.Probe(ctx, run); err != nil {
			return fmt.Errorf("scenario %s needs %s: %w", sc.Name, n.Name, err)
		}
	}
	return nil
}

func runSteps(ctx context.Context, sc *scenarios.Scenario, run *scenarios.Run, res *Result, tl *timeline) {
	sctx, cancel := context.WithTimeout(ctx, sc.Timeout)
	defer cancel()
	stopped := false
	for _, st := range sc.All() {
		sr := stepResult(st)
		if stopped {
			sr.Status = Skipped
			res.Steps = append(res.Steps, sr)
			tl.skipped(sr)
			continue
		}
		sr = execute(sctx, run, st, sr, tl)
		if sr.Status == Failed {
			stopped = true
			switch {
			case ctx.Err() != nil:
				res.Interrupted = true
				sr.Error = "interrupted: " + sr.Error
			case errors.Is(sctx.Err(), context.DeadlineExceeded):
				sr.Error = fmt.Sprintf("the scenario's timeout (%s) passed: %s", sc.Timeout, sr.Error)
			}
		}
		res.Steps = append(res.Steps, sr)
		tl.finished(sr)
	}
}

// execute runs one step; an expectation with within is checked until it
// holds or the time is up.
func execute(ctx context.Context, run *scenarios.Run, st *scenarios.Step, sr StepResult, tl *timeline) StepResult {
	start := time.Now()
	sr.At = Millis(start.Sub(run.Started))
	tl.started(sr)
	run.SetNotes(func(note string) {
		sr.Notes = append(sr.Notes, note)
		tl.note(note)
	})
	run.StepStarting(ctx, st)
	err := safely(run, func() error {
		if st.Kind.Expectation {
			return scenarios.Poll(ctx, st.Within, func(ctx context.Context) error { return st.Exec.Execute(ctx, run) })
		}
		return st.Exec.Execute(ctx, run)
	})
	run.SetNotes(nil)
	end := time.Now()
	if st.Section == "steps" {
		run.MarkStep(st.Number, scenarios.StepTime{Start: start, End: end})
	}
	run.StepEnded(ctx, st)
	sr.Duration = Millis(end.Sub(start))
	sr.Status = Passed
	if err != nil {
		sr.Status = Failed
		sr.Error = oneLine(err.Error())
	}
	return sr
}

// safely turns a step's panic into its failure, so that the sandbox is
// still torn down.
func safely(run *scenarios.Run, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			run.Notef("panic: %v\n%s", r, debug.Stack())
			err = fmt.Errorf("internal error in the step: %v", r)
		}
	}()
	return fn()
}

func loadResults(run *scenarios.Run) []LoadResult {
	out := []LoadResult{}
	for _, nl := range run.Loads() {
		cfg := nl.Load.Config()
		recs := nl.Load.Records()
		out = append(out, LoadResult{
			Name: nl.Name, URL: cfg.URL, Rate: scenarios.Rate{N: cfg.Freq, Per: cfg.Per}.String(),
			Started: nl.Load.Started(), Ended: nl.Load.Ended(), Summary: loadgen.Summarize(recs), Records: recs,
		})
	}
	return out
}

// eventsSince returns the sandbox's events: all of an ephemeral one's, a
// running daemon's from the run's start on.
func eventsSince(ctx context.Context, sb *sandboxHandle, start time.Time) []store.Event {
	evs, err := sb.client.Events(ctx, 0, 0)
	out := []store.Event{}
	if err != nil {
		return out
	}
	for _, ev := range evs {
		if sb.ephemeral() || !ev.Time.Before(start) {
			out = append(out, ev)
		}
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
