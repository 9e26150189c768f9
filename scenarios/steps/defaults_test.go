package steps

import (
	"testing"

	"github.com/cattle-dev/cattle/scenarios"
)

// Every key of every step says in the reference what applies when it is
// absent (a `default:"..."` tag) or that a step must give it (`,required`):
// a key added without either fails here rather than reaching the docs
// undocumented.
func TestEveryStepKeyHasADefaultOrIsRequired(t *testing.T) {
	for _, k := range scenarios.Kinds() {
		for _, p := range k.Params() {
			switch {
			case p.Required && p.Default != "":
				t.Errorf("step %s: key %s is required and has a default %q: one or the other", k.Key, p.Key, p.Default)
			case !p.Required && p.Default == "":
				t.Errorf("step %s: key %s has no default tag: add `default:\"...\"` (or \"none\") to its field, or mark it required", k.Key, p.Key)
			}
		}
	}
}
