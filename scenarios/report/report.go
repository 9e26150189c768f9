// Package report draws a scenario run as one self-contained HTML file (or
// one SVG chart): the timeline of steps with their evidence, and charts
// over time of the requests a load sent, by the version that answered,
// with errors, latency percentiles, refresh phases and injected faults
// marked. Nothing in it reaches the network: styles and charts are inline,
// and there is no script.
//
// The runner fills a Report from its journal; the charts' data are Series,
// which sum requests up per time bucket in bounded memory.
package report

import (
	"time"
)

// Step statuses, as the runner's journal writes them.
const (
	StatusPassed  = "passed"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Report is what a page shows.
type Report struct {
	Scenario    string
	Description string
	File        string
	Sandbox     string
	Timing      string
	Started     time.Time
	Duration    time.Duration
	Passed      bool
	// Verdict is the run's outcome in a line: "all 38 steps passed".
	Verdict string
	// Refused says why the run never started.
	Refused string
	Steps   []Step
	Loads   []Load
	Markers []Marker
	Phases  []Phase
	Events  []Event
}

// Step is one step's outcome; At is from the run's start.
type Step struct {
	Label    string
	Title    string
	Kind     string
	Position string
	Source   string
	Status   string
	At       time.Duration
	Duration time.Duration
	Notes    []string
	Error    string
}

// Load is one load's settings, summary line and series.
type Load struct {
	Name    string
	URL     string
	Rate    string
	Summary string
	Series  *Series
}

// Marker kinds.
const (
	MarkRefresh    = "refresh"    // a refresh started, went on, ended
	MarkCheckpoint = "checkpoint" // a refresh reached a checkpoint
	MarkRollback   = "rollback"   // a refresh failed and rolls back, or rolled back
	MarkFault      = "fault"      // a fault, drift or removal was injected
	MarkReplace    = "replace"    // an instance was replaced
	MarkFailure    = "failure"    // a step failed
)

// Marker is a moment worth a line on the charts.
type Marker struct {
	At     time.Duration
	Kind   string
	Label  string
	Detail string
}

// Phase is a span of the run: a refresh from start to end.
type Phase struct {
	From, To time.Duration
	// Label is what changed: "web:2 -> web:3"; Step names the step that
	// started it, when it has a name: "broken v3".
	Label string
	Step  string
	// Outcome is the refresh's last status: Successful, RollbackSuccessful.
	Outcome string
}

// Event is one line of the sandbox's event log.
type Event struct {
	At       time.Duration
	Kind     string
	Resource string
	Message  string
}
