package scenarios

import (
	"fmt"
	"slices"
	"time"
)

// DefaultTimeout bounds a scenario that names no timeout.
const DefaultTimeout = 10 * time.Minute

// Scenario is a parsed scenario file.
type Scenario struct {
	Name        string
	Description string
	File        string // where it was read from, as messages name it
	Timeout     time.Duration
	// Timing is the timing profile the scenario is written for ("fast",
	// "aws"); "" runs on the one asked for, fast by default.
	Timing string
	Setup  []*Step // in the order they run: templates, load balancers, groups
	Steps  []*Step
	Source []byte
}

// Step is one parsed step: an action or an expectation.
type Step struct {
	Section string // "setup" or "steps"
	Number  int    // 1-based within its section
	Name    string // the optional `name:` a step can be referred to by
	Kind    *Kind
	Source  string // the step's YAML on one line, for the timeline
	Pos     Position
	Within  time.Duration // expectations: how long to keep checking; 0 checks once
	Exec    Executor      // nil while Kind is a placeholder

	names  []nameUse           // the resources it makes and uses, for Check
	keyPos map[string]Position // where its keys' values are, for Check's messages
	broken bool                // it did not parse: Check looks only at its names
}

// Label names the step in reports: "setup 2", "step 5".
func (s *Step) Label() string {
	if s.Section == "setup" {
		return fmt.Sprintf("setup %d", s.Number)
	}
	return fmt.Sprintf("step %d", s.Number)
}

// Title is what the step does, in a line: its name, or its YAML.
func (s *Step) Title() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Source
}

// All returns the setup steps and then the steps.
func (sc *Scenario) All() []*Step {
	return append(append([]*Step(nil), sc.Setup...), sc.Steps...)
}

// Needs lists the services the scenario's steps need, once each.
func (sc *Scenario) Needs() []*Need {
	var out []*Need
	for _, s := range sc.All() {
		if n := s.Kind.Needs; n != nil && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
