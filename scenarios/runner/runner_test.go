package runner

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cattle-dev/cattle/scenarios"
)

// Steps that need no sandbox run through the runner's loop: the first
// failure stops the run, the rest are skipped, and the timeline says so.
func TestRunStepsStopsAtFirstFailure(t *testing.T) {
	sc, err := scenarios.Parse("local.yaml", []byte(`name: local
steps:
  - exec: "echo hello"
  - name: boom
    exec: {command: "echo about to fail; exit 3"}
  - wait: 1s
`))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	run := scenarios.NewRun(sc, scenarios.RunConfig{})
	res := &Result{}
	runSteps(context.Background(), sc, run, res, newTimeline(Options{Out: &out}))
	if len(res.Steps) != 3 {
		t.Fatalf("%d step results", len(res.Steps))
	}
	if res.Steps[0].Status != Passed || res.Steps[1].Status != Failed || res.Steps[2].Status != Skipped {
		t.Fatalf("statuses %s %s %s", res.Steps[0].Status, res.Steps[1].Status, res.Steps[2].Status)
	}
	if !strings.Contains(res.Steps[1].Error, "exited 3, want 0") || !strings.Contains(res.Steps[1].Error, "about to fail") {
		t.Errorf("evidence: %q", res.Steps[1].Error)
	}
	text := out.String()
	for _, want := range []string{"step 1", "PASS  exec echo hello", "· | hello", "FAIL  boom", "✗ exited 3", "SKIP  wait 1s"} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\x1b[") || strings.Contains(text, "\r") {
		t.Errorf("plain timeline has terminal codes:\n%q", text)
	}
}

func TestRunStepsTurnsAPanicIntoAFailure(t *testing.T) {
	sc, err := scenarios.Parse("p.yaml", []byte("steps:\n  - test_panic: {}\n  - wait: 1s\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{}
	runSteps(context.Background(), sc, scenarios.NewRun(sc, scenarios.RunConfig{}), res, newTimeline(Options{}))
	if res.Steps[0].Status != Failed || !strings.Contains(res.Steps[0].Error, "internal error in the step: on purpose") || res.Steps[1].Status != Skipped {
		t.Errorf("results: %+v", res.Steps)
	}
}

type panicStep struct{}

func (panicStep) Execute(context.Context, *scenarios.Run) error { panic("on purpose") }

func init() {
	scenarios.RegisterAction[panicStep]("test_panic")
}
