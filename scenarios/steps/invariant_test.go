package steps

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/cattle-dev/cattle/scenarios"
)

// scripted is an invariant whose samples are a script: 3, 2, 3, then 3
// for ever; it says when the script has been played.
type scripted struct {
	invariantWindow
	mu     sync.Mutex
	script []int
	played chan struct{}
}

func (s *scripted) Sample(context.Context, *scenarios.Run) (int, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.script) == 0 {
		return 3, "steady", nil
	}
	v := s.script[0]
	s.script = s.script[1:]
	if len(s.script) == 0 {
		close(s.played)
	}
	return v, "scripted", nil
}

func (s *scripted) Execute(context.Context, *scenarios.Run) error { return nil }

// sampleDuring runs the window of `during: step 1` over the script and
// returns the run and the invariant, its samples taken.
func sampleDuring(t *testing.T, script ...int) (*scenarios.Run, *scripted) {
	inv := &scripted{script: script, played: make(chan struct{})}
	inv.During = &scenarios.StepRef{Text: "1", Index: 1}
	watched := &scenarios.Step{Section: "steps", Number: 1}
	sc := &scenarios.Scenario{Steps: []*scenarios.Step{watched, {Section: "steps", Number: 2, Exec: inv}}}
	r := scenarios.NewRun(sc, scenarios.RunConfig{})
	r.StepStarting(context.Background(), watched)
	<-inv.played
	r.StepEnded(context.Background(), watched)
	return r, inv
}

func TestInvariantSaysWhenItDippedAndToWhat(t *testing.T) {
	r, inv := sampleDuring(t, 3, 2, 2, 3, 1, 3)
	n := len(r.Samples(inv))
	err := judge(r, inv, scenarios.CountRange{Text: ">= 3", Min: 3, Max: 1 << 20}, "group web in service")
	if err == nil {
		t.Fatal("a dip to 2 passed a floor of 3")
	}
	for _, want := range []string{"group web in service was 2 at +", "want >= 3, until +", "during step 1", "ranged 1..3", "out of range 2 times", "scripted"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("evidence %q lacks %q", err, want)
		}
	}
	// The window closed with the step: no sample is taken after it.
	if later := len(r.Samples(inv)); later != n {
		t.Errorf("%d samples, then %d after the window closed", n, later)
	}
}

func TestInvariantHoldsWhenEverySampleDoes(t *testing.T) {
	r, inv := sampleDuring(t, 3, 4, 3)
	if err := judge(r, inv, scenarios.CountRange{Text: "3..4", Min: 3, Max: 4}, "group web in service"); err != nil {
		t.Fatal(err)
	}
}

func TestInvariantNeedsAWindow(t *testing.T) {
	for src, want := range map[string]string{
		"{group: web, in_service: {min: 3}}":                     "an invariant holds over a window",
		"{group: web, in_service: {min: 3}, since: 1, until: 1}": `unknown key "until"`,
		"{group: web, in_service: {mni: 3}, during: 1}":          `unknown key "mni"`,
		"{group: web, in_service: {min: 4, max: 3}, during: 1}":  "min 4 is more than max 3",
	} {
		_, err := scenarios.Parse("i.yaml", []byte("steps:\n  - wait: 1s\n  - expect: "+src+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}
