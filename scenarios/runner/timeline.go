package runner

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cattle-dev/cattle/scenarios"
)

// timeline prints a run as it goes: one line per step when it ends (its
// label, when it started, how long it took, PASS/FAIL/SKIP, what it was),
// then what it did or, on failure, the evidence. On a terminal the running
// step has a live line that is redrawn until it ends.
type timeline struct {
	w        io.Writer
	terminal bool
	color    bool
	width    int

	mu       sync.Mutex
	live     *StepResult // the running step (terminal only)
	lastNote string
	liveAt   time.Time
	stop     chan struct{}
	done     chan struct{}
}

const (
	notePrefix = "                                · " // under the title
	liveEvery  = time.Second
)

func newTimeline(opts Options) *timeline {
	w := opts.Out
	if w == nil {
		w = io.Discard
	}
	return &timeline{w: w, terminal: opts.Terminal, color: opts.Color, width: opts.Width}
}

func (t *timeline) paint(code, s string) string {
	if !t.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (t *timeline) header(sc *scenarios.Scenario) {
	fmt.Fprintf(t.w, "scenario %s (%s)\n", sc.Name, sc.File)
	if sc.Description != "" {
		fmt.Fprintf(t.w, "  %s\n", sc.Description)
	}
}

func (t *timeline) sandboxUp(sb *sandboxHandle, opts Options, took time.Duration) {
	if sb.ephemeral() {
		fmt.Fprintf(t.w, "sandbox %s: ephemeral (its own network and state), timing %s; up in %s\n\n",
			sb.name, opts.Timing.Name, seconds(took))
		return
	}
	end := "what the scenario makes is removed at the end"
	if opts.Keep {
		end = "what the scenario makes stays (--keep)"
	}
	fmt.Fprintf(t.w, "sandbox %s: the running daemon's; %s\n\n", sb.name, end)
}

func (t *timeline) line(sr StepResult, took, result string) string {
	colored := result
	switch result {
	case "PASS":
		colored = t.paint("32", result)
	case "FAIL":
		colored = t.paint("1;31", result)
	case "SKIP":
		colored = t.paint("2", result)
	}
	at := "-"
	if sr.Status != Skipped {
		at = "+" + seconds(time.Duration(sr.At))
	}
	return fmt.Sprintf("  %-8s %8s %8s  %s  %s", sr.Label, at, took, colored, t.fit(sr.Title, 34))
}

// fit shortens s so that a line of indent+s fits the terminal.
func (t *timeline) fit(s string, indent int) string {
	if t.width <= 0 || indent+utf8.RuneCountInString(s) <= t.width {
		return s
	}
	room := max(t.width-indent-3, 10)
	r := []rune(s)
	if len(r) <= room {
		return s
	}
	return string(r[:room]) + "..."
}

func (t *timeline) started(sr StepResult) {
	if !t.terminal {
		return
	}
	t.mu.Lock()
	t.live, t.lastNote, t.liveAt = &sr, "", time.Now()
	t.stop, t.done = make(chan struct{}), make(chan struct{})
	t.drawLive()
	stop, done := t.stop, t.done
	t.mu.Unlock()
	go func() {
		defer close(done)
		tick := time.NewTicker(liveEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				t.mu.Lock()
				t.drawLive()
				t.mu.Unlock()
			}
		}
	}()
}

// drawLive redraws the running step's line; t.mu is held.
func (t *timeline) drawLive() {
	if t.live == nil {
		return
	}
	s := fmt.Sprintf("  %-8s %8s %8s  %s  %s", t.live.Label, "+"+seconds(time.Duration(t.live.At)),
		seconds(time.Since(t.liveAt)), t.paint("36", "...."), t.live.Title)
	if t.lastNote != "" {
		s += "  · " + t.lastNote
	}
	width := t.width
	if width <= 0 {
		width = 120
	}
	r := []rune(s)
	if len(r) > width-1 {
		s = string(r[:width-1])
	}
	fmt.Fprint(t.w, "\r\x1b[2K"+s)
}

func (t *timeline) note(s string) {
	if !t.terminal {
		return
	}
	t.mu.Lock()
	t.lastNote = strings.ReplaceAll(s, "\n", " ")
	t.drawLive()
	t.mu.Unlock()
}

func (t *timeline) endLive() {
	t.mu.Lock()
	stop, done := t.stop, t.done
	t.live, t.stop, t.done = nil, nil, nil
	t.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
		fmt.Fprint(t.w, "\r\x1b[2K")
	}
}

func (t *timeline) finished(sr StepResult) {
	t.endLive()
	result := "PASS"
	if sr.Status == Failed {
		result = "FAIL"
	}
	fmt.Fprintln(t.w, t.line(sr, seconds(time.Duration(sr.Duration)), result))
	for _, n := range sr.Notes {
		for _, l := range strings.Split(n, "\n") {
			fmt.Fprintln(t.w, t.paint("2", notePrefix+l))
		}
	}
	if sr.Status == Failed {
		fmt.Fprintln(t.w, t.paint("31", notePrefix[:len(notePrefix)-3]+"✗ "+sr.Error))
	}
}

func (t *timeline) skipped(sr StepResult) {
	fmt.Fprintln(t.w, t.line(sr, "-", "SKIP"))
}

func (t *timeline) footer(res *Result, sb *sandboxHandle) {
	fmt.Fprintln(t.w)
	total := len(res.Steps)
	passed := res.Count(Passed)
	what := "removed"
	switch {
	case !sb.ephemeral():
		what = "left running (the scenario's resources removed)"
		if res.Kept {
			what = "left running, with what the scenario made"
		}
	case res.Kept:
		what = "kept"
	}
	if f := res.Failure(); f != nil {
		verb := "failed"
		if res.Interrupted {
			verb = "was interrupted"
		}
		fmt.Fprintf(t.w, "%s  %s: %s %s after %s (%d of %d steps passed) in %s; sandbox %s %s\n",
			t.paint("1;31", "FAIL"), res.Scenario, f.Label, verb, seconds(time.Duration(f.Duration)), passed, total,
			seconds(time.Duration(res.Duration)), res.Sandbox, what)
		fmt.Fprintf(t.w, "      %s (%s): %s\n      evidence: %s\n", f.Label, f.Position, f.Title, f.Error)
	} else if res.TeardownError == "" {
		fmt.Fprintf(t.w, "%s  %s: all %d steps passed in %s; sandbox %s %s\n",
			t.paint("1;32", "PASS"), res.Scenario, total, seconds(time.Duration(res.Duration)), res.Sandbox, what)
	}
	if res.TeardownError != "" {
		fmt.Fprintf(t.w, "%s  cleaning up sandbox %s failed: %s\n      remove what is left with: cattle down --purge --sandbox %s --state-dir %s\n",
			t.paint("1;31", "FAIL"), res.Sandbox, res.TeardownError, res.Sandbox, res.StateDir)
	}
	if res.Kept && sb.ephemeral() {
		flags := fmt.Sprintf("--sandbox %s --state-dir %s", res.Sandbox, res.StateDir)
		fmt.Fprintf(t.w, "kept sandbox %s: its containers run on, its state is in %s\n", res.Sandbox, res.StateDir)
		fmt.Fprintf(t.w, "  inspect: cattle up %s && cattle instances ls %s\n", flags, flags)
		fmt.Fprintf(t.w, "  remove:  cattle down --purge %s\n", flags)
	}
}

// seconds renders a duration as "12.3s".
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}
