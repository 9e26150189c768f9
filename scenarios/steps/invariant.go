package steps

import (
	"fmt"
	"time"

	"github.com/cattle-dev/cattle/scenarios"
)

// invariantWindow is the window of an invariant: it opens at an earlier
// step (during, from, since) and is sampled until that step ends (during)
// or the expectation's turn comes. (No until: the window closes there.)
type invariantWindow struct {
	During *scenarios.StepRef `yaml:"during" default:"none: give during, from or since"`
	From   *scenarios.StepRef `yaml:"from" default:"none: give during, from or since"`
	Since  *scenarios.StepRef `yaml:"since" default:"none: give during, from or since"`
}

func (w invariantWindow) validate() error {
	if err := w.SampleWindow().Validate(); err != nil {
		return err
	}
	if ref, _ := w.SampleWindow().Start(); ref == nil {
		return fmt.Errorf("an invariant holds over a window: add during: STEP (while it runs), from: STEP (from its start) or since: STEP (from its end)")
	}
	return nil
}

// SampleWindow is the window the run samples.
func (w invariantWindow) SampleWindow() scenarios.Window {
	return scenarios.Window{During: w.During, From: w.From, Since: w.Since}
}

// judge checks that every sample of an invariant's window is in want; the
// evidence of a failure says when the value left the range, to what, and
// for how long. what names the value: "group web in service".
func judge(r *scenarios.Run, s scenarios.Sampler, want scenarios.CountRange, what string) error {
	samples := r.Samples(s)
	window := s.SampleWindow().String()
	var good []scenarios.Sample
	var lastErr error
	for _, sm := range samples {
		if sm.Err != nil {
			lastErr = sm.Err
			continue
		}
		good = append(good, sm)
	}
	if len(good) == 0 {
		return scenarios.Permanent(fmt.Errorf("%s: no sample was taken %s (%d failed; the last: %v)", what, window, len(samples), lastErr))
	}
	lo, hi := good[0].Value, good[0].Value
	for _, sm := range good {
		lo, hi = min(lo, sm.Value), max(hi, sm.Value)
	}
	span := fmt.Sprintf("%d samples %s, from +%s to +%s, ranged %d..%d", len(good), window,
		since(r, good[0].At), since(r, good[len(good)-1].At), lo, hi)
	if n := dips(good, want); n > 1 {
		span += fmt.Sprintf(", out of range %d times", n)
	}
	for i, sm := range good {
		if want.Contains(sm.Value) {
			continue
		}
		back := "and stayed out until the window closed"
		for _, later := range good[i+1:] {
			if want.Contains(later.Value) {
				back = fmt.Sprintf("until +%s (%s)", since(r, later.At), later.At.Sub(sm.At).Round(10*time.Millisecond))
				break
			}
		}
		return scenarios.Permanent(fmt.Errorf("%s was %d at +%s, want %s, %s; %s: %s",
			what, sm.Value, since(r, sm.At), want, back, span, sm.Detail))
	}
	r.Notef("%s stayed %s: %s", what, want, span)
	return nil
}

func since(r *scenarios.Run, t time.Time) time.Duration {
	return t.Sub(r.Started).Round(100 * time.Millisecond)
}

// dips counts the times the samples left the range.
func dips(samples []scenarios.Sample, want scenarios.CountRange) int {
	n, in := 0, true
	for _, sm := range samples {
		if ok := want.Contains(sm.Value); !ok && in {
			n++
			in = false
		} else if ok {
			in = true
		}
	}
	return n
}
