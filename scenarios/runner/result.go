package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/scenarios"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
	"github.com/cattle-dev/cattle/store"
)

// Step statuses.
const (
	Passed  = "passed"
	Failed  = "failed"
	Skipped = "skipped"
)

// Result is what a run did: the journal written by --json.
type Result struct {
	Scenario    string    `json:"scenario"`
	Description string    `json:"description,omitempty"`
	File        string    `json:"file"`
	Sandbox     string    `json:"sandbox"`
	Ephemeral   bool      `json:"ephemeral"`
	StateDir    string    `json:"state_dir"`
	Timing      string    `json:"timing"`
	Started     time.Time `json:"started"`
	Duration    Millis    `json:"duration_ms"`
	Passed      bool      `json:"passed"`
	Interrupted bool      `json:"interrupted,omitempty"`
	Kept        bool      `json:"kept,omitempty"`
	// SetupTime is how long the ephemeral sandbox took to start.
	SetupTime     Millis              `json:"sandbox_start_ms"`
	Steps         []StepResult        `json:"steps"`
	Loads         []LoadResult        `json:"loads"`
	Saved         map[string][]string `json:"saved,omitempty"`
	Events        []store.Event       `json:"events"`
	TeardownError string              `json:"teardown_error,omitempty"`
	// Refused says why the run never started (a file that failed its
	// check, a sandbox that would not start); Problems lists a file's.
	Refused  string   `json:"refused,omitempty"`
	Problems []string `json:"problems,omitempty"`
}

// Refused is the report of a run that never started, so that CI has one
// whatever happened: the journal says why, and the JUnit report holds one
// failed test case naming the problems. what names the check that failed:
// "scenario file", "sandbox".
func Refused(name, file, what string, err error) *Result {
	problems := scenarios.Problems(err)
	why := fmt.Sprintf("the %s check failed: %s", what, problems[0])
	if len(problems) > 1 {
		why = fmt.Sprintf("the %s check found %d problems", what, len(problems))
	}
	return &Result{
		Scenario: name, File: file, Started: time.Now(), Refused: why, Problems: problems,
		Steps: []StepResult{{
			Label: "check", Section: "check", Kind: "check", Title: what, Position: file,
			Status: Failed, Error: strings.Join(problems, "\n"),
		}},
		Loads: []LoadResult{}, Events: []store.Event{},
	}
}

// StepResult is one step's outcome.
type StepResult struct {
	Label    string   `json:"label"` // "setup 1", "step 4"
	Section  string   `json:"section"`
	Number   int      `json:"number"`
	Name     string   `json:"name,omitempty"`
	Kind     string   `json:"kind"`
	Title    string   `json:"title"`
	Source   string   `json:"source"`
	Position string   `json:"position"`
	Status   string   `json:"status"`
	At       Millis   `json:"at_ms"` // since the run started
	Duration Millis   `json:"duration_ms"`
	Notes    []string `json:"notes,omitempty"`
	// Error is the evidence of a failure.
	Error string `json:"error,omitempty"`
}

// LoadResult is one load: its settings, its summary and every request.
type LoadResult struct {
	Name    string           `json:"name"`
	URL     string           `json:"url"`
	Rate    string           `json:"rate"`
	Started time.Time        `json:"started"`
	Ended   time.Time        `json:"ended"`
	Summary loadgen.Summary  `json:"summary"`
	Records []loadgen.Record `json:"records"`
}

// Millis is a duration written as milliseconds.
type Millis time.Duration

// MarshalJSON writes milliseconds with a fraction.
func (m Millis) MarshalJSON() ([]byte, error) {
	return []byte(formatFloat(float64(time.Duration(m)) / float64(time.Millisecond))), nil
}

// Failure returns the failed step, if one failed.
func (r *Result) Failure() *StepResult {
	for i := range r.Steps {
		if r.Steps[i].Status == Failed {
			return &r.Steps[i]
		}
	}
	return nil
}

// Count returns how many steps have a status.
func (r *Result) Count(status string) int {
	n := 0
	for _, s := range r.Steps {
		if s.Status == status {
			n++
		}
	}
	return n
}

func stepResult(st *scenarios.Step) StepResult {
	return StepResult{
		Label: st.Label(), Section: st.Section, Number: st.Number, Name: st.Name, Kind: st.Kind.Key,
		Title: st.Title(), Source: st.Source, Position: st.Pos.String(),
	}
}
