package scenarios

import (
	"errors"
	"fmt"
	"slices"
)

// Checker is implemented by step parameters that can tell from the steps
// before them that they could never pass: a refresh whose healthy
// percentages leave its group no room, an expectation of more instances
// than the group's max. Return FieldError to point at one key.
type Checker interface {
	Check(c *CheckContext) error
}

// CheckContext is what the steps before a step make, for its Check.
type CheckContext struct {
	defs   map[string]map[string]*Step
	counts map[string]int
	timing string
}

// Timing is the timing profile the scenario says it is written for ("" is
// the default, fast); values that depend on the profile are checked on it.
func (c *CheckContext) Timing() string { return c.timing }

// Count returns what earlier steps' checks added under key (0 for none):
// how many versions a template has by then, say.
func (c *CheckContext) Count(key string) int { return c.counts[key] }

// Add adds n under key, for the checks of later steps.
func (c *CheckContext) Add(key string, n int) { c.counts[key] += n }

// Defined returns the parameters of the earlier step that makes the
// resource of a kind (group, load_balancer, template, load) called name,
// or nil when none does.
func (c *CheckContext) Defined(kind, name string) any {
	if st := c.defs[kind][name]; st != nil && !st.broken {
		return st.Exec
	}
	return nil
}

// howToMake says, per kind of name, which step makes one.
var howToMake = map[string]string{
	"group":         "list it under setup.groups (or add a group step before this one)",
	"load_balancer": "list it under setup.load_balancers",
	"template":      "list it under setup.templates",
	"load":          "start it with a step before this one: - load: {name: NAME, target: ...}",
}

// check finds, without a sandbox, what would make a parsed scenario fail
// once running: a name (of a group, load balancer, template or load) that
// no earlier step makes, and a step that could never pass given the ones
// before it (its Checker). Steps that did not parse count for the names
// they make, so that one mistake is not reported again at every use.
func check(sc *Scenario) []*FileError {
	later := map[string]map[string]*Step{} // every step's makes, to say "only later"
	for _, st := range sc.All() {
		for _, u := range st.names {
			if u.define && later[u.kind][u.name] == nil {
				if later[u.kind] == nil {
					later[u.kind] = map[string]*Step{}
				}
				later[u.kind][u.name] = st
			}
		}
	}
	c := &CheckContext{defs: map[string]map[string]*Step{}, counts: map[string]int{}, timing: sc.Timing}
	var errs []*FileError
	for _, st := range sc.All() {
		for _, u := range st.names {
			if !u.define && c.defs[u.kind][u.name] == nil {
				errs = append(errs, undefined(u, c.defs[u.kind], later[u.kind][u.name]))
			}
		}
		if ck, ok := st.Exec.(Checker); ok && !st.broken {
			if err := ck.Check(c); err != nil {
				errs = append(errs, checkError(st, err))
			}
		}
		for _, u := range st.names {
			if u.define && c.defs[u.kind][u.name] == nil {
				if c.defs[u.kind] == nil {
					c.defs[u.kind] = map[string]*Step{}
				}
				c.defs[u.kind][u.name] = st
			}
		}
	}
	return errs
}

func undefined(u nameUse, known map[string]*Step, later *Step) *FileError {
	what := kindWords(u.kind)
	if later != nil {
		return &FileError{Pos: u.pos, Msg: fmt.Sprintf("%s %q is made only later, by %s (%s): move that step before this one",
			what, clip(u.name, 40), later.Label(), later.Pos)}
	}
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)
	msg := fmt.Sprintf("no %s %q is made by an earlier step%s: %s", what, clip(u.name, 40), didYouMean(u.name, names), howToMake[u.kind])
	return &FileError{Pos: u.pos, Msg: msg}
}

func kindWords(kind string) string {
	if kind == "load_balancer" {
		return "load balancer"
	}
	return kind
}

// checkError places a Check's error at the key it names.
func checkError(st *Step, err error) *FileError {
	pos := st.Pos
	var fe *fieldError
	if errors.As(err, &fe) {
		if p, ok := st.keyPos[fe.key]; ok {
			pos = p
		}
	}
	what := st.Kind.Key
	if st.Kind.Expectation {
		what = "expect"
	}
	return &FileError{Pos: pos, Msg: fmt.Sprintf("%s: %v", what, err)}
}
